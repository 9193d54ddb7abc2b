"""A citizen in the browser: sign-in with the ID number, language, elder mode, lockout."""

import re

import pytest
from playwright.sync_api import Page, expect

from cityhall.core.crypto import mask_id_number
from cityhall.identity.tests import factories as f

pytestmark = pytest.mark.browser


def test_citizen_signs_in_sees_masked_id_switches_language_and_elder_mode_and_signs_out(
    page: Page, ui
):
    resident = f.citizen(home=f.community("440105001"), name="陈小明")

    page.goto("/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="登录").click()
    expect(page).to_have_url(ui.url("/accounts/signin/"))
    page.get_by_label("身份证号或登录名").fill(resident.id_number)
    page.get_by_label("密码").fill(f.PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()

    # 我的主页, with the ID number masked and never sent in full.
    expect(page).to_have_url(ui.url("/me/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("陈小明 的主页")
    profile = page.get_by_role("region", name="我的实名信息")
    shown = profile.get_by_role("definition").filter(has=page.locator("code")).first
    expect(shown).to_have_text(mask_id_number(resident.id_number))
    assert resident.id_number[6:14] not in shown.inner_text()  # the birth date is hidden
    assert resident.id_number not in page.content()
    reads = page.get_by_role("region", name="谁查看了我的信息")
    expect(reads).to_contain_text("暂无工作人员查看您的信息。")

    # English: the same page, in English, navigation included.
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(ui.url("/me/"))
    nav = page.get_by_role("navigation", name="Main navigation")
    for label in ("Home", "Divisions and grids", "My page", "Messages"):
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(nav.get_by_role("button", name=re.compile(r"^Sign out"))).to_be_visible()
    expect(page.get_by_role("heading", name="Who viewed my information")).to_be_visible()
    expect(page.get_by_role("button", name="简体中文")).to_be_visible()

    # Elder mode: the whole page grows, the link offers the way back and says which mode is on.
    root_font = "getComputedStyle(document.documentElement).fontSize"
    standard_px = float(page.evaluate(root_font).removesuffix("px"))
    page.get_by_role("link", name="Elder mode", exact=True).click()
    expect(page.locator("html")).to_have_class(re.compile(r"\belder\b"))
    back = page.get_by_role("link", name="Standard", exact=True)
    expect(back).to_be_visible()
    expect(back).to_have_accessible_description("Elder mode is on")
    # Measured once the new page's stylesheet applies (the class is in the HTML before that).
    page.wait_for_load_state("load")
    assert float(page.evaluate(root_font).removesuffix("px")) >= 1.3 * standard_px
    expect(page).to_have_url(ui.url("/me/"))
    back.click()
    expect(page.locator("html")).not_to_have_class(re.compile(r"\belder\b"))
    expect(page.get_by_role("link", name="Elder mode", exact=True)).to_be_visible()

    # Sign out: back home, signed out, and the private page asks for a sign-in again.
    page.get_by_role("button", name=re.compile(r"^Sign out")).click()
    expect(page).to_have_url(ui.url("/"))
    expect(page.get_by_role("status")).to_contain_text("You have signed out securely.")
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    expect(nav.get_by_role("link", name="My page")).to_have_count(0)
    page.goto("/me/")
    expect(page).to_have_url(ui.url("/accounts/signin/?next=/me/"))


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(page: Page, ui):
    resident = f.citizen(home=f.community("440105001"), name="林小红")
    page.goto("/accounts/signin/")
    error = page.locator("#signin-error")
    for attempt in range(1, 6):
        page.get_by_label("身份证号或登录名").fill(resident.id_number)
        page.get_by_label("密码").fill(f"wrong-password-{attempt}")
        page.get_by_role("button", name="登录", exact=True).click()
        # The refused form comes back with the password emptied: the answer has arrived.
        expect(page.get_by_label("密码")).to_have_value("")
        if attempt < 5:
            expect(error).to_have_text("账号或密码不正确。")
        else:
            expect(error).to_contain_text("锁定")

    page.get_by_label("身份证号或登录名").fill(resident.id_number)
    page.get_by_label("密码").fill(f.PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_label("密码")).to_have_value("")
    expect(error).to_contain_text("锁定")
    expect(page).to_have_url(ui.url("/accounts/signin/"))
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="登录")).to_be_visible()
    expect(nav.get_by_role("link", name="我的主页")).to_have_count(0)
    page.goto("/me/")
    expect(page).to_have_url(ui.url("/accounts/signin/?next=/me/"))
