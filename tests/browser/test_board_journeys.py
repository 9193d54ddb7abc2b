"""社区微博 in the browser: a resident posts on their community's board about a broken street
light; the street office's publisher turns the post into a 12345 ticket in one step; the post
shows the ticket's number and the resident finds the message in their inbox."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from cityhall.hotline.models import Channel, Ticket
from cityhall.identity.tests import factories as f
from cityhall.participation.models import BoardPost
from cityhall.participation.tests.test_boards import board_city
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

LIGHT = "小区东门外人行道的路灯坏了一个多星期，晚上一片漆黑，走路看不清，请尽快修理。"


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Page, str], None]:
    """Keeps a full-page screenshot of a step under test-results/browser/."""
    folder = request.config.rootpath / SCREENSHOTS
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> None:
        page.screenshot(path=folder / f"boards-{name}.png", full_page=True)

    return take


def test_a_residents_post_becomes_a_ticket_in_one_step(page: Page, new_page, ui, shot):
    city = board_city()
    key = f.totp_device(city.publisher).bin_key

    # The resident finds their community's board and posts.
    ui.sign_in(page, city.resident.id_number)
    expect(page).to_have_url(ui.url("/me/"))
    page.goto("/boards/")
    expect(page.get_by_role("heading", level=1)).to_have_text("社区微博")
    expect(page.get_by_role("link", name=city.board.name)).to_be_visible()
    shot(page, "index")
    page.get_by_role("link", name=city.board.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(city.board.name)
    page.get_by_label("发布内容").fill(LIGHT)
    page.get_by_role("button", name="发布", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("已发布")
    mine = page.get_by_role("article").filter(has_text=LIGHT)
    expect(mine).to_contain_text("陈*明")
    expect(mine).not_to_contain_text(city.resident.real_name)
    shot(page, "resident-posted")

    # The street office's publisher turns it into a ticket with one button.
    staff = new_page()
    ui.staff_sign_in(staff, city.publisher, key)
    staff.goto(f"/boards/{city.community.code}/")
    post = staff.get_by_role("article").filter(has_text=LIGHT)
    shot(staff, "office-board")
    # The thread page offers the same with a chosen category, and hiding (checked, not used).
    post.get_by_role("link", name="选择分类转办或隐藏").click()
    expect(staff.get_by_role("group", name="转为12345工单")).to_be_visible()
    expect(staff.get_by_label("隐藏原因")).to_be_visible()
    shot(staff, "office-thread")
    staff.go_back()
    post.get_by_role("button", name="转为工单").click()
    ticket = Ticket.objects.get()
    number = ticket.tracking_number or ""
    assert number
    expect(staff.get_by_role("status")).to_contain_text(f"已转为12345工单 {number}")
    expect(staff.get_by_role("link", name=f"工单 {number}")).to_be_visible()
    assert ticket.channel == Channel.BOARD and ticket.reporter == city.resident
    assert ticket.category.code == "SZ03" and ticket.routed_unit == city.hc.district_cg
    assert BoardPost.objects.get(body=LIGHT).ticket == ticket
    shot(staff, "office-converted")

    # The resident's post shows the ticket, and the office's answer names it.
    page.goto(f"/boards/{city.community.code}/")
    mine = page.get_by_role("article").filter(has_text=LIGHT)
    expect(mine.get_by_role("link", name=f"工单 {number}")).to_be_visible()
    expect(mine).to_contain_text(f"编号 {number}")
    expect(mine).to_contain_text(city.hc.street_office.name)
    shot(page, "resident-board-converted")

    # And the message is in their inbox, leading to the public tracking page.
    page.goto("/inbox/")
    message = page.get_by_role("link", name=re.compile(f"转为12345工单 {number}"))
    expect(message).to_be_visible()
    message.click()
    expect(page.locator("main")).to_contain_text(number)
    shot(page, "resident-inbox-message")
    page.goto(f"/hotline/track/{number}/")
    expect(page.locator("main")).to_contain_text(number)
    expect(page.locator("main")).not_to_contain_text(city.resident.real_name)
