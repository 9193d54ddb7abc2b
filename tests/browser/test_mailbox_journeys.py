"""领导信箱 in the browser: a resident writes to a street's mailbox and agrees to publication; the
street office's officer answers and publishes it; the resident reads the reply in their inbox
and on the letter's page and rates it; an anonymous visitor reads the letter and the reply on the
mailbox's page without the writer's name. Screenshots go to test-results/browser/."""

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from cityhall.identity.tests import factories as f
from cityhall.notify.models import Message
from cityhall.participation.mailbox import services
from cityhall.participation.models import Letter, LetterStatus
from cityhall.participation.tests.test_mailbox import WRITER_NAME, mailbox_world
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

SUBJECT = "建议在赤岗路口增设人行横道信号灯"
BODY = "赤岗路与新港中路路口没有人行横道信号灯，早上送孩子上学过马路很危险，建议尽快增设。"
REPLY = "经与交警部门现场查看，该路口已列入本年度信号灯增设计划，预计下月底前完成安装。"


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Page, str], None]:
    """Keeps a full-page screenshot of a step under test-results/browser/."""
    folder = request.config.rootpath / SCREENSHOTS
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> None:
        page.screenshot(path=folder / f"mailbox-{name}.png", full_page=True)

    return take


def _flash(page: Page) -> Locator:
    return page.get_by_role("status").filter(has=page.locator("li"))


def test_a_letter_is_answered_and_published_with_consent(page: Page, new_page, ui, shot):
    w = mailbox_world()
    key = f.totp_device(w.officer).bin_key

    # ── The resident writes to the street's mailbox and agrees to publication. ──
    ui.sign_in(page, w.writer.id_number)
    expect(page).to_have_url(ui.url("/me/"))
    page.goto("/mailbox/")
    expect(page.get_by_role("heading", level=1)).to_have_text("领导信箱")
    streets = page.get_by_role("region", name="街道级")
    streets.get_by_role("link", name=w.mailbox.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(w.mailbox.name)
    consent = page.get_by_label("同意公开我的来信和答复（不公开姓名）")
    expect(consent).not_to_be_checked()  # off unless the resident ticks it
    page.get_by_label("标题").fill(SUBJECT)
    page.get_by_label("来信内容").fill(BODY)
    consent.check()
    shot(page, "1-write")
    page.get_by_role("button", name="提交来信").click()

    letter = Letter.objects.get(writer=w.writer)
    number = letter.tracking_number
    expect(page).to_have_url(ui.url(f"/mailbox/letters/{letter.pk}/"))
    expect(_flash(page)).to_contain_text(f"来信已收到，信件编号 {number}")
    expect(_flash(page)).to_contain_text(letter.due_on.isoformat())
    expect(page.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    expect(page.locator("dt:text-is('状态') + dd")).to_have_text("已收到")
    shot(page, "2-received")
    assert letter.consent_publish and re.fullmatch(r"LX\d{13}[0-9X]", number)

    # ── The street office's officer answers and publishes it. ──
    staff = new_page()
    ui.staff_sign_in(staff, w.officer, key)
    staff.goto("/mailbox/staff/")
    row = staff.get_by_role("row").filter(has_text=number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(SUBJECT)
    expect(row).to_contain_text(letter.due_on.isoformat())
    shot(staff, "3-staff-inbox")
    row.get_by_role("link", name=number).click()
    expect(staff).to_have_url(ui.url(f"/mailbox/staff/letters/{letter.pk}/"))
    expect(staff.locator("dt:text-is('来信人') + dd")).to_have_text(WRITER_NAME)
    staff.get_by_label("答复内容").fill(REPLY)
    staff.get_by_role("button", name="提交答复").click()
    expect(_flash(staff)).to_contain_text("已答复")
    staff.get_by_role("button", name="公开来信和答复").click()
    expect(_flash(staff)).to_contain_text("已公开")
    expect(staff.get_by_role("button", name="撤销公开")).to_be_visible()
    shot(staff, "4-staff-answered-published")
    letter.refresh_from_db()
    assert letter.status == LetterStatus.ANSWERED and letter.published_at is not None

    # ── The resident reads the reply in the inbox and on the letter's page, and rates it. ──
    page.goto("/inbox/")
    message = page.get_by_role("link", name=re.compile(f"您的来信已答复（{number}）"))
    expect(message).to_be_visible()
    message.click()
    expect(page.get_by_role("article")).to_contain_text(REPLY)
    shot(page, "5-inbox-reply")
    page.get_by_role("link", name="查看详情").click()
    expect(page).to_have_url(ui.url(f"/mailbox/letters/{letter.pk}/"))
    answer = page.get_by_role("region", name="答复")
    expect(answer).to_contain_text(REPLY)
    expect(page.locator("dt:text-is('是否公开') + dd")).to_contain_text("已公开")
    answer.get_by_label("对答复的满意度").select_option("5")
    answer.get_by_role("button", name="提交评价").click()
    expect(_flash(page)).to_contain_text("感谢您的评价")
    expect(page.get_by_role("region", name="答复")).to_contain_text("您的评价：5 分")
    shot(page, "6-letter-rated")
    assert Letter.objects.get(pk=letter.pk).rating == 5
    page.goto("/mailbox/mine/")
    mine = page.get_by_role("row").filter(has_text=number)
    expect(mine).to_contain_text("已答复")
    expect(mine).to_contain_text("已公开")
    assert Message.objects.filter(recipient=w.writer, template="letter_answered").count() == 1

    # ── Anyone reads the letter and the reply on the mailbox's page, without the name. ──
    visitor = new_page()
    visitor.goto("/mailbox/")
    visitor.get_by_role("link", name=w.mailbox.name).click()
    published = visitor.get_by_role("article").filter(has_text=SUBJECT)
    expect(published).to_have_count(1)
    expect(published).to_contain_text(BODY)
    expect(published).to_contain_text(REPLY)
    expect(visitor.locator("main")).not_to_contain_text(WRITER_NAME)
    expect(visitor.locator("main")).not_to_contain_text(number)
    expect(visitor.get_by_role("link", name="登录后写信")).to_be_visible()
    shot(visitor, "7-public-mailbox")


def test_another_residents_letter_is_not_found_in_the_browser(page: Page, ui):
    w = mailbox_world()
    theirs = services.letter_write(
        writer=w.neighbour, mailbox=w.mailbox, subject="邻居的来信", body=BODY
    )
    ui.sign_in(page, w.writer.id_number)
    expect(page).to_have_url(ui.url("/me/"))
    response = page.goto(f"/mailbox/letters/{theirs.pk}/")
    assert response is not None and response.status == 404
    page.goto("/mailbox/track/")
    page.get_by_label("信件编号").fill(theirs.tracking_number)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("alert")).to_contain_text("没有找到这个编号的来信")
    expect(page.locator("main")).not_to_contain_text("邻居的来信")


def test_an_overdue_letter_shows_on_the_supervision_page(page: Page, ui, shot):
    w = mailbox_world()
    late = services.letter_write(
        writer=w.writer,
        mailbox=w.mailbox,
        subject="逾期未答复的来信",
        body=BODY,
        now=timezone.now() - timedelta(days=30),
    )
    assert services.letter_sweep().overdue == 1
    ui.staff_sign_in(page, w.supervisor, f.totp_device(w.supervisor).bin_key)
    page.goto("/applications/supervision/")
    section = page.get_by_role("region", name=re.compile("领导信箱超期来信"))
    row = section.get_by_role("row").filter(has_text=late.tracking_number)
    expect(row).to_contain_text(w.unit.name)
    expect(row).to_contain_text(late.due_on.isoformat())
    shot(page, "8-supervision")
    page.goto("/inbox/")
    expect(
        page.get_by_role("link", name=re.compile(f"来信 {late.tracking_number} 已超期"))
    ).to_be_visible()
