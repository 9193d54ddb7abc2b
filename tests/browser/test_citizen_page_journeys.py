"""一页 in the browser: a resident subscribes to their street, a street publisher publishes a
notice and it arrives in the resident's inbox; the resident opens an issued certificate from
their page and reports an error in what the registry holds about them, which reaches the
supplying unit. Screenshots of the main citizen pages go to test-results/browser/pages/."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f
from cityhall.notify.models import Message
from cityhall.portal.tests.world import world
from cityhall.registry.models import CorrectionRequest
from cityhall.registry.tests import factories as rf

pytestmark = pytest.mark.browser

PAGES = Path("test-results") / "browser" / "pages"
STREET = "440105001"


def _shot(page: Page, name: str) -> None:
    PAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=PAGES / f"{name}.png", full_page=True)


def test_subscribe_receive_a_notice_open_a_certificate_and_report_a_data_error(
    page: Page, new_page, ui
):
    town = world()
    alice = town.alice
    # Start from a clean slate: no subscription, no report yet.
    alice.subscription.delete()
    alice.correction.delete()
    publisher = f.staff(unit=f.unit(STREET), roles=[Role.PUBLISHER])
    steward = f.staff(unit=rf.source(), roles=[Role.DATA_STEWARD])
    key = f.totp_device(publisher).bin_key

    ui.sign_in(page, alice.account.id_number)
    expect(page).to_have_url(ui.url("/me/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{alice.account.real_name} 的主页")
    todo = page.get_by_role("region", name="待办事项")
    expect(todo).to_contain_text("补正材料")
    expect(todo).to_contain_text(alice.supplement.number)
    _shot(page, "my-page")

    # Subscribe to the street where I live.
    page.get_by_role("link", name="管理订阅").click()
    page.get_by_label("区域").select_option(STREET)
    page.get_by_role("button", name="订阅", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("订阅成功")
    subscribed = page.get_by_role("region", name="已订阅")
    expect(subscribed).to_contain_text("全部主题")
    _shot(page, "subscriptions")

    # The street's publisher publishes a notice (in their own browser).
    staff = new_page()
    ui.staff_sign_in(staff, publisher, key)
    staff.goto("/information/publish/")
    staff.get_by_label("标题").fill("小区二次供水设施清洗通知")
    staff.get_by_label("主题").select_option("notice")
    staff.get_by_label("适用区域").select_option(STREET)
    staff.get_by_label("正文").fill("12月2日9:00—12:00清洗水箱，期间暂停供水。")
    staff.get_by_role("button", name="发布").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("小区二次供水设施清洗通知")

    # It is in my inbox, and the message leads to the notice and can unsubscribe me.
    page.goto("/inbox/")
    message = page.get_by_role("link", name=re.compile("小区二次供水设施清洗通知"))
    expect(message).to_be_visible()
    message.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("小区二次供水设施清洗通知")
    unsubscribe = page.get_by_role("link", name=re.compile(r"information.unsubscribe"))
    expect(unsubscribe).to_be_visible()
    unsubscribe_href = unsubscribe.get_attribute("href") or ""
    _shot(page, "inbox-message")
    page.get_by_role("link", name="查看详情").click()
    expect(page.get_by_role("article")).to_contain_text("期间暂停供水")
    assert Message.objects.filter(recipient=alice.account, template="publication_published")

    # My issued certificate: listed on my page and opened as a PDF.
    page.goto("/me/")
    certificate = page.get_by_role("link", name=alice.certificate.title).first
    expect(certificate).to_be_visible()
    href = certificate.get_attribute("href")
    assert href is not None
    pdf = page.request.get(ui.url(href))
    assert pdf.ok and pdf.body().startswith(b"%PDF-")

    # My data, and an error in it reported to the unit that supplied it.
    page.get_by_role("link", name="查看我的数据").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的数据")
    basic = page.get_by_role("region", name="基本信息")
    expect(basic).to_contain_text(rf.source().name)
    _shot(page, "my-data")
    basic.get_by_role("link", name="报告“基本信息”有误").click()
    page.get_by_label("有误的项目").select_option("姓名")
    page.get_by_label("应为").fill(f"{alice.account.real_name}（曾用名）")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("status")).to_contain_text(f"已提交给{rf.source().name}核实")
    expect(page.get_by_role("region", name="我的纠错申请")).to_contain_text("待核实")
    report = CorrectionRequest.objects.get(reporter=alice.account)
    assert report.unit == rf.source() and report.field == "姓名"
    assert Message.objects.filter(recipient=steward, template="registry_correction_new").exists()

    # The link in the message unsubscribes (it works without signing in: the public address in
    # the message is the site's, the path is the same here).
    page.context.clear_cookies()
    page.goto(re.sub(r"^https?://[^/]+", "", unsubscribe_href))
    page.get_by_role("button", name="确认退订").click()
    expect(page.get_by_role("status")).to_contain_text("已退订")
    assert not alice.account.subscriptions.exists()


def test_another_residents_things_are_not_found_in_the_browser(page: Page, ui):
    town = world()
    ui.sign_in(page, town.bob.account.id_number)
    expect(page).to_have_url(ui.url("/me/"))
    for path in (
        f"/applications/{town.alice.supplement.number}/",
        f"/applications/documents/{town.alice.certificate.number}.pdf",
        f"/cloud/{town.alice.file.pk}/",
        f"/inbox/{town.alice.message.pk}/",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 404, path
        expect(page.locator("body")).not_to_contain_text(town.alice.account.real_name)
