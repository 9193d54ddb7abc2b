"""The registry in the browser: the housing bureau's filing desk files a sale on a house, is
refused a second filing and a filing on a mortgaged house, and a clerk finds a person."""

import pytest
from playwright.sync_api import Page, expect

from cityhall.core.crypto import mask_id_number
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f
from cityhall.registry.models import SaleFiling
from cityhall.registry.tests import factories as rf

pytestmark = pytest.mark.browser


def test_filing_desk_files_a_sale_and_the_database_refuses_a_double_sale(page: Page, ui):
    desk = f.staff(unit=f.unit("440105"), roles=[Role.DEPARTMENT_REVIEWER], username="hz-desk")
    key = f.totp_device(desk).bin_key
    house = rf.house()
    other = rf.house()
    buyer = rf.person(name="周嘉怡", house=house)

    ui.staff_sign_in(page, desk, key)
    page.get_by_role("link", name="基础数据库").click()
    page.get_by_label("查询").fill(house.code)
    page.get_by_label("房屋（地址或房屋编码）").check()
    page.get_by_role("button", name="查找").nth(1).click()
    page.get_by_role("link", name=house.code).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("测试路1号")

    filing = page.get_by_role("region", name="网签备案").last
    filing.get_by_label("合同编号").fill("WQ2026-HZ-0001")
    filing.get_by_label("买受人身份证号").fill(buyer.document_number)
    filing.get_by_label("成交价（元）").fill("3680000")
    filing.get_by_role("button", name="提交备案").click()
    expect(page.get_by_role("status").or_(page.locator(".flash"))).to_contain_text("网签备案成功")
    expect(page.get_by_role("cell", name="WQ2026-HZ-0001")).to_be_visible()

    # A second filing on the same house: refused by the database, told plainly.
    filing = page.get_by_role("region", name="网签备案").last
    filing.get_by_label("合同编号").fill("WQ2026-HZ-0002")
    filing.get_by_label("买受人身份证号").fill(buyer.document_number)
    filing.get_by_label("成交价（元）").fill("3700000")
    filing.get_by_role("button", name="提交备案").click()
    expect(page.locator(".flash")).to_contain_text("不能重复备案")
    assert SaleFiling.objects.filter(house=house).count() == 1

    # Another house with a mortgage cannot be filed until it is released.
    page.goto(f"/registry/houses/{other.pk}/")
    mortgage = page.get_by_role("region", name="抵押登记").last
    mortgage.get_by_label("登记证明号").fill("DY2026-0007")
    mortgage.get_by_label("抵押权人").fill("中国建设银行广州分行")
    mortgage.get_by_label("债权数额（元）").fill("1200000")
    mortgage.get_by_role("button", name="提交登记").click()
    expect(page.locator(".flash")).to_contain_text("抵押登记成功")
    filing = page.get_by_role("region", name="网签备案").last
    filing.get_by_label("合同编号").fill("WQ2026-HZ-0003")
    filing.get_by_label("买受人身份证号").fill(buyer.document_number)
    filing.get_by_label("成交价（元）").fill("2100000")
    filing.get_by_role("button", name="提交备案").click()
    expect(page.locator(".flash")).to_contain_text("须先注销抵押")
    assert not SaleFiling.objects.filter(house=other).exists()


def test_clerk_finds_a_person_by_exact_id_and_sees_it_masked(page: Page, ui):
    clerk = f.staff(unit=f.unit("440105001"), roles=[Role.WINDOW_CLERK], username="hz-window")
    key = f.totp_device(clerk).bin_key
    person = rf.person(name="欧阳晓明", house=rf.house())

    ui.staff_sign_in(page, clerk, key)
    page.goto("/registry/")
    page.get_by_label("证件号码（精确）").fill(person.document_number)
    page.get_by_role("button", name="查找").first.click()
    row = page.get_by_role("row").filter(has_text="欧阳晓明")
    expect(row).to_contain_text(mask_id_number(person.document_number))
    assert person.document_number not in page.locator("table").inner_text()
    row.get_by_role("link", name="欧阳晓明").click()
    expect(page.locator("#document-number")).to_have_text(mask_id_number(person.document_number))
    page.get_by_label("原因").fill("窗口办理业务核验身份")
    page.get_by_role("button", name="查看完整证件号码（留痕）").click()
    expect(page.locator("#document-number")).to_have_text(person.document_number)
