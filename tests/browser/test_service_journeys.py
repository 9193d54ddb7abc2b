"""Services in the browser: a citizen applies online for unemployment benefit (RS-003), two
departments review it in parallel and the citizen gets, verifies and rates the e-certificate; a
street window takes an instant item (RS-001) in for a walk-in; an application without its
required uploads is refused and nothing is created."""

import csv
import re
from pathlib import Path

import pytest
from playwright.sync_api import FilePayload, Locator, Page, expect

from cityhall.applications.models import Application, Status
from cityhall.applications.tests import factories as af
from cityhall.identity.tests import factories as f

pytestmark = pytest.mark.browser

# 失业保险金申领: 区人社局 accepts, then 区人社局 and 市社保中心 review in parallel.
BENEFIT = "RS-003"
# 就业登记: instant, handled at a street window.
EMPLOYMENT = "RS-001"
# RS-003 asks for these uploads when the registry has nothing on the applicant.
BENEFIT_UPLOADS = ("居民身份证", "银行账户信息", "解除或终止劳动关系证明")
APPLICATION_NUMBER = re.compile(r"^[0-9A-Z]{21}$")
CATALOGUE = Path(af.__file__).parents[2] / "catalog" / "data" / "service_items.csv"


def _pdf(name: str) -> FilePayload:
    return {"name": name, "mimeType": "application/pdf", "buffer": af.PDF}


def _labelled(page: Page, name: str) -> Locator:
    """The control labelled exactly `name` (a required field's label ends with a "*" mark)."""
    return page.get_by_label(re.compile(rf"^{re.escape(name)}(\s*\*)?$"))


def _result_name(code: str) -> str:
    """The item's result (the certificate's title) as the catalogue's source file names it."""
    with CATALOGUE.open(encoding="utf-8", newline="") as source:
        return next(row["result_name"] for row in csv.DictReader(source) if row["code"] == code)


def _workspace_open(page: Page, entry: str) -> None:
    """Follows an entry of the staff workspace menu (its name is followed by a description)."""
    menu = page.get_by_role("navigation", name="工作台菜单")
    menu.get_by_role("link", name=re.compile(rf"^{entry}")).click()


def _open_task(page: Page, number: str, task_name: str) -> None:
    """Opens, from the reviewer's inbox, the task of that name on that application."""
    expect(page.get_by_role("heading", level=1)).to_have_text("审批任务")
    row = page.get_by_role("row").filter(has_text=number).filter(has_text=task_name)
    expect(row).to_have_count(1)
    row.get_by_role("link", name=re.compile(rf"^签收办理 {number}$")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(task_name)


def _approve(page: Page) -> None:
    """Submits 同意 on the open task page; the reviewer is back in the inbox."""
    actions = page.get_by_role("region", name="办理")
    actions.get_by_label("同意", exact=True).check()
    actions.get_by_role("button", name="提交意见").click()
    expect(page.get_by_role("status")).to_contain_text("审查意见已提交")
    expect(page.get_by_role("heading", level=1)).to_have_text("审批任务")


def _fill_benefit_form(page: Page) -> None:
    page.get_by_label("银行账号").fill("6222020200112233445")
    page.get_by_label("离职原因").select_option("劳动合同期满终止")


def _status(page: Page) -> Locator:
    return page.locator(".status-line .status")


def test_citizen_applies_online_two_departments_approve_and_the_citizen_gets_the_certificate(
    page: Page, new_page, ui
):
    citizen = af.resident(name="陈小明")
    lead = af.reviewer(af.DISTRICT, "RS")  # 440105-RS: acceptance and the 区人社局 review
    fund = af.reviewer(af.CITY, "SB")  # 440100-SB: the 市社保中心 review
    lead_key = f.totp_device(lead).bin_key
    fund_key = f.totp_device(fund).bin_key
    result_name = _result_name(BENEFIT)

    # The citizen finds the item in the service guide and applies online.
    ui.sign_in(page, citizen.id_number)
    expect(page).to_have_url(ui.url("/me/"))
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="办事指南").click()
    expect(page).to_have_url(ui.url("/services/"))
    page.get_by_label("事项名称、编码、部门或结果").fill("失业保险金")
    page.get_by_role("button", name="搜索", exact=True).click()
    page.get_by_role("link", name="失业保险金申领", exact=True).click()
    expect(page).to_have_url(ui.url(f"/services/{BENEFIT}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("失业保险金申领")
    page.get_by_role("link", name="在线申请", exact=True).click()
    expect(page).to_have_url(ui.url(f"/applications/apply/{BENEFIT}/"))

    # What the city already knows is shown, not asked.
    prefill = page.get_by_role("region", name="已为您预填的信息（来自基础数据库）")
    expect(prefill).to_contain_text("陈小明")
    where = page.get_by_label("办理地（街道/镇）")
    expect(where).to_have_value(af.STREET)  # the applicant's own street is the default
    _fill_benefit_form(page)
    where.select_option(label="海珠区 赤岗街道")
    uploads = page.locator("input[type=file]")
    expect(uploads).to_have_count(len(BENEFIT_UPLOADS))
    for n, name in enumerate(BENEFIT_UPLOADS):
        _labelled(page, name).set_input_files(_pdf(f"material-{n}.pdf"))
    page.get_by_role("button", name="提交申请").click()

    # The application's page: its acceptance number and 待受理.
    expect(page).to_have_url(re.compile(r"/applications/[0-9A-Z]{21}/$"))
    number = page.locator(".status-line code.number").inner_text()
    assert APPLICATION_NUMBER.match(number)
    expect(page.get_by_role("status")).to_contain_text(f"申请已提交，受理编号 {number}")
    expect(_status(page)).to_have_text("待受理")
    application = Application.objects.get(number=number)
    assert application.applicant == citizen and application.division.code == af.STREET

    # Reviewer A (区人社局) claims the acceptance task and accepts.
    desk = new_page()
    ui.staff_sign_in(desk, lead, lead_key)
    _workspace_open(desk, "审批任务")
    expect(desk).to_have_url(ui.url("/applications/inbox/"))
    _open_task(desk, number, "受理审查")
    actions = desk.get_by_role("region", name="办理")
    actions.get_by_role("button", name="签收", exact=True).click()
    expect(desk.get_by_role("status")).to_contain_text("已签收")
    expect(actions.get_by_role("button", name="签收", exact=True)).to_have_count(0)
    _approve(desk)

    # Accepted: the two departments' review tasks are open in parallel.
    review_rs = "区人力资源和社会保障局审查"
    review_sb = "市社会保险基金管理中心审查"
    assert set(application.tasks.filter(status="open").values_list("name", flat=True)) == {
        review_rs,
        review_sb,
    }
    page.reload()
    expect(_status(page)).to_have_text("审查中")

    # Reviewer A approves the 区人社局 review; the other department has not decided yet.
    _open_task(desk, number, review_rs)
    _approve(desk)
    page.reload()
    expect(_status(page)).to_have_text("审查中")

    # Reviewer B (市社保中心), in their own browser, approves theirs.
    centre = new_page()
    ui.staff_sign_in(centre, fund, fund_key)
    _workspace_open(centre, "审批任务")
    _open_task(centre, number, review_sb)
    _approve(centre)
    expect(centre.get_by_role("row").filter(has_text=number)).to_have_count(0)

    # The citizen sees the application finished, with its e-certificate.
    page.reload()
    expect(_status(page)).to_have_text("已办结")
    results = page.get_by_role("region", name="办理结果（电子证照）")
    expect(results.get_by_role("row").filter(has_text=result_name)).to_have_count(1)

    # 我的证照: the certificate, downloadable as a PDF.
    page.get_by_role("link", name="← 我的办件").click()
    expect(page).to_have_url(ui.url("/applications/mine/"))
    page.get_by_role("link", name="我的证照", exact=True).click()
    expect(page).to_have_url(ui.url("/applications/documents/"))
    row = page.get_by_role("row").filter(has_text=result_name)
    expect(row).to_have_count(1)
    expect(row.get_by_role("rowheader")).to_have_text(result_name)
    expect(row).to_contain_text(number)
    download = row.get_by_role("link", name=f"下载“{result_name}”（PDF）")
    response = page.request.get(ui.url(download.get_attribute("href") or ""))
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
    code = row.locator("code").last.inner_text()
    assert re.fullmatch(r"[0-9A-Z]{16}", code)

    # Anyone can verify it without signing in; a forged code is refused plainly.
    public = new_page()
    public.goto(f"/applications/verify/?code={code}")
    expect(public.get_by_role("heading", level=2, name="核验通过：证照真实有效")).to_be_visible()
    verified = public.get_by_role("region", name="核验通过：证照真实有效")
    expect(verified).to_contain_text(result_name)
    assert "陈小明" not in verified.inner_text()  # the holder's name is partly hidden
    forged = code[:-1] + ("0" if code[-1] != "0" else "1")
    public.get_by_label("核验码").fill(forged)
    public.get_by_role("button", name="核验", exact=True).click()
    expect(public.get_by_role("alert")).to_have_text("查无此证：核验码不存在，该证照可能是伪造的")
    expect(public.get_by_role("heading", name=re.compile("^核验通过"))).to_have_count(0)

    # The citizen rates the service: thanks, and the form is gone.
    row.get_by_role("link", name=number).click()
    expect(page).to_have_url(ui.url(f"/applications/{number}/"))
    rating = page.get_by_role("region", name="评价本次服务（好差评）")
    rating.get_by_label("非常满意", exact=True).check()
    rating.get_by_role("button", name="提交评价").click()
    expect(page.get_by_role("status")).to_contain_text("感谢您的评价")
    expect(page.get_by_role("region", name="评价本次服务（好差评）")).to_have_count(0)
    expect(page.get_by_role("region", name="我的评价")).to_contain_text("非常满意")


def test_window_clerk_takes_an_instant_item_in_and_the_citizen_sees_it_finished(
    page: Page, new_page, ui
):
    clerk = af.clerk()  # 440105001-FW, window_clerk
    key = f.totp_device(clerk).bin_key
    af.department_unit(af.DISTRICT, "RS")  # the item's lead department for 赤岗街道
    citizen = af.resident(name="王芳")
    result_name = _result_name(EMPLOYMENT)

    ui.staff_sign_in(page, clerk, key)
    _workspace_open(page, "窗口受理")
    expect(page).to_have_url(ui.url("/applications/window/"))
    page.get_by_label("居民身份证号码").fill(citizen.id_number)
    page.get_by_role("button", name="核验身份").click()
    expect(page.get_by_role("region", name="申请人")).to_contain_text("王芳")

    page.get_by_label("事项名称、编码或部门").fill("就业登记")
    page.get_by_role("button", name="查找", exact=True).click()
    items = page.get_by_role("table")
    expect(items.locator("caption")).to_contain_text("“就业登记”的查找结果")
    items.get_by_role("link", name="就业登记", exact=True).click()
    expect(page).to_have_url(ui.url(f"/applications/window/apply/{EMPLOYMENT}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("就业登记")

    page.get_by_label("入职日期").fill("2026-03-02")
    originals = page.get_by_role("checkbox", name=re.compile(r"^已核验“.+”原件$"))
    expect(originals).to_have_count(2)
    for n in range(originals.count()):
        originals.nth(n).check()
    page.get_by_role("button", name="受理", exact=True).click()

    # The receipt: acceptance number, finished on the spot, the certificate issued.
    expect(page).to_have_url(re.compile(r"/applications/window/receipt/[0-9A-Z]{21}/$"))
    receipt = page.locator("article.receipt")
    number = receipt.locator(".receipt-number code").inner_text()
    assert APPLICATION_NUMBER.match(number)
    expect(receipt.get_by_role("heading", level=1)).to_have_text("办结通知")
    expect(receipt.get_by_role("definition").filter(has_text="已办结")).to_have_count(1)
    expect(receipt.get_by_role("row").filter(has_text=result_name)).to_have_count(1)
    application = Application.objects.get(number=number)
    assert application.status == Status.APPROVED and application.applicant == citizen

    # The citizen, in their own browser, finds it finished among their applications.
    own = new_page()
    ui.sign_in(own, citizen.id_number)
    expect(own).to_have_url(ui.url("/me/"))
    own.get_by_role("region", name="我的办件").get_by_role("link", name="全部办件").click()
    expect(own).to_have_url(ui.url("/applications/mine/"))
    row = own.get_by_role("row").filter(has_text=number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("就业登记")
    expect(row.locator(".status")).to_have_text("已办结")


def test_application_without_the_required_uploads_is_refused_and_nothing_is_created(page: Page, ui):
    citizen = af.resident(name="李娜")
    af.reviewer(af.DISTRICT, "RS")

    ui.sign_in(page, citizen.id_number)
    expect(page).to_have_url(ui.url("/me/"))
    page.goto(f"/applications/apply/{BENEFIT}/")
    _fill_benefit_form(page)
    page.get_by_role("button", name="提交申请").click()

    expect(page).to_have_url(ui.url(f"/applications/apply/{BENEFIT}/"))
    expect(page.locator(".error-box")).to_have_text("提交未成功，请更正下面标出的内容。")
    for name in BENEFIT_UPLOADS:
        upload = _labelled(page, name)
        expect(upload).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field.has-error")).to_have_count(len(BENEFIT_UPLOADS))
    # What was typed is kept for the next try.
    expect(page.get_by_label("银行账号")).to_have_value("6222020200112233445")
    assert Application.objects.count() == 0
