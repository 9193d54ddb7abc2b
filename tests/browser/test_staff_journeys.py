"""Staff in the browser: first sign-in with enrolment, a resident lookup with an audited reveal,
the audit chain check."""

import re

import pytest
from django.db.models import F
from playwright.sync_api import Page, expect

from cityhall.core.crypto import mask_id_number
from cityhall.core.models import AuditChainHead, AuditEntry
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f

pytestmark = pytest.mark.browser

CHIGANG = "440105001"  # 赤岗街道, 海珠区
WUSHAN = "440106001"  # 五山街道, 天河区


def test_clerk_enrols_finds_a_resident_reveals_the_id_and_the_resident_sees_the_read(
    page: Page, new_page, ui
):
    office = f.unit(CHIGANG)
    clerk = f.staff(unit=office, roles=[Role.WINDOW_CLERK], username="chigang-clerk")
    home = f.community(CHIGANG)
    resident = f.citizen(home=home, name="李秀英")
    f.citizen(home=f.community(WUSHAN), name="李秀英")  # same name, another street: out of scope
    purpose = "办理居住证，核对身份"

    # First sign-in: password, then enrolment with the secret shown beside the QR code.
    ui.sign_in(page, clerk.username)
    expect(page).to_have_url(ui.url("/accounts/signin/mfa/"))
    expect(page.get_by_role("heading", name="首次登录：绑定身份验证器")).to_be_visible()
    expect(page.locator("figure.qr svg")).to_be_visible()
    secret = page.locator("#totp-secret")
    expect(secret).to_have_text(re.compile(r"^[A-Z2-7]{16,}=*$"))
    key = ui.key_from_secret(secret.inner_text())
    page.get_by_label("6 位验证码").fill(ui.totp_code(key))
    page.get_by_role("button", name="验证", exact=True).click()

    # The workspace offers resident lookup to a window clerk.
    expect(page).to_have_url(ui.url("/workspace/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("工作台")
    menu = page.get_by_role("navigation", name="工作台菜单")
    expect(menu.get_by_role("link", name=re.compile("^居民查询"))).to_be_visible()
    expect(menu.get_by_role("link", name=re.compile("^管理后台"))).to_have_count(0)
    menu.get_by_role("link", name=re.compile("^居民查询")).click()

    # Search by name: only the resident of the clerk's own street, ID masked.
    expect(page).to_have_url(ui.url("/accounts/staff/residents/"))
    page.get_by_label("姓名或完整身份证号").fill("李秀英")
    page.get_by_role("button", name="查询", exact=True).click()
    results = page.get_by_role("table")
    expect(results.locator("caption")).to_have_text("共 1 位居民")
    row = results.get_by_role("row").filter(has_text="李秀英")
    masked = mask_id_number(resident.id_number)
    assert resident.id_number[6:14] not in masked  # the birth date is hidden
    expect(row).to_contain_text(masked)
    expect(row).to_contain_text(home.name)
    row.get_by_role("link", name="李秀英").click()

    # The detail page masks the ID until a purpose is given; then the full number shows.
    expect(page).to_have_url(ui.url(f"/accounts/staff/residents/{resident.pk}/"))
    id_number = page.locator("#id-number")
    expect(id_number).to_have_text(masked)
    assert resident.id_number not in page.content()
    page.get_by_label("查看事由").fill(purpose)
    page.get_by_role("button", name="查看", exact=True).click()
    expect(id_number).to_have_text(resident.id_number)
    expect(page.get_by_role("status")).to_have_text("本次查看已记入审计日志。")

    # The resident, in their own browser, sees who read their data and why.
    own = new_page()
    ui.sign_in(own, resident.id_number)
    expect(own).to_have_url(ui.url("/me/"))
    reads = own.get_by_role("region", name="谁查看了我的信息")
    read = reads.get_by_role("row").filter(has_text=purpose)
    expect(read).to_have_count(1)
    expect(read).to_contain_text(office.name)


def test_supervisor_verifies_the_audit_chain_and_sees_it_break(page: Page, ui):
    supervisor = f.staff(unit=f.unit("440100"), roles=[Role.SUPERVISOR], username="city-super")
    device = f.totp_device(supervisor)

    ui.staff_sign_in(page, supervisor, device.bin_key)
    menu = page.get_by_role("navigation", name="工作台菜单")
    menu.get_by_role("link", name=re.compile("^审计日志")).click()
    expect(page).to_have_url(ui.url("/workspace/audit/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("审计日志")
    # The supervisor's own sign-in is on the log.
    own_signin = page.get_by_role("row").filter(has_text="signin.succeeded")
    expect(own_signin.filter(has_text="city-super")).to_have_count(1)

    page.get_by_role("button", name="校验哈希链").click()
    report = page.locator("#chain-report")
    entries = AuditEntry.objects.count()
    expect(report).to_have_text(f"哈希链完整：已校验 {entries} 条记录。")
    expect(report).to_have_attribute("role", "status")

    # The check is real: a chain head that claims one entry more than exists is reported.
    AuditChainHead.objects.filter(id=1).update(seq=F("seq") + 1)
    page.get_by_role("button", name="校验哈希链").click()
    expect(report).to_have_text(re.compile(rf"^哈希链在第 {entries + 1} 条处断裂"))
    expect(report).to_have_attribute("role", "alert")
