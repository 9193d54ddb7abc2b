"""Django admin in the browser: the city administrator gets in, a district clerk does not."""

import re

import pytest
from playwright.sync_api import Page, expect

from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f

pytestmark = pytest.mark.browser


def test_city_administrator_opens_the_admin_and_a_district_clerk_is_kept_out(
    page: Page, new_page, ui
):
    admin = f.staff(unit=f.unit("440100"), roles=[Role.ADMINISTRATOR], username="city-admin")
    clerk = f.staff(unit=f.unit("440105"), roles=[Role.WINDOW_CLERK], username="haizhu-clerk")

    ui.staff_sign_in(page, admin, f.totp_device(admin).bin_key)
    page.get_by_role("navigation", name="工作台菜单").get_by_role(
        "link", name=re.compile("^管理后台")
    ).click()
    expect(page).to_have_url(ui.url("/admin/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("系统管理")
    expect(page.locator("#site-name")).to_have_text("广州市民政务服务平台 · 管理后台")
    expect(page.locator("#content-main").get_by_role("link", name="账户")).to_be_visible()

    other = new_page()
    ui.staff_sign_in(other, clerk, f.totp_device(clerk).bin_key)
    menu = other.get_by_role("navigation", name="工作台菜单")
    expect(menu.get_by_role("link", name=re.compile("^居民查询"))).to_be_visible()
    expect(menu.get_by_role("link", name=re.compile("^管理后台"))).to_have_count(0)
    other.goto("/admin/")
    expect(other).not_to_have_url(re.compile(r"/admin/"))
    expect(other).to_have_url(ui.url("/workspace/"))
    expect(other.get_by_role("heading", level=1)).to_have_text("工作台")
    expect(other.get_by_text("系统管理")).to_have_count(0)
