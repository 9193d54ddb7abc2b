"""The data exchange (一网) in the browser: the human resources bureau's data steward asks the
police bureau for person-basic, the police bureau's steward approves it, the benefits system
reads a citizen's record over HTTP, the citizen sees that read on their who-looked page and
objects, the police bureau's steward answers, and the citizen reads the answer."""

import json
import re
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from cityhall.exchange.models import AccessGrant, AccessLogEntry, Objection
from cityhall.exchange.tests.city import exchange_city
from cityhall.exchange.vocab import GrantStatus, ObjectionStatus
from cityhall.identity import services as identity_services
from cityhall.identity.tests import factories as f
from cityhall.registry.tests import factories as rf
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

CASE = "SQ20261121000007"
OBJECTION = "我从未申请过失业保险金，为什么人社局要查询我的户籍信息？"
ANSWER = (
    "经核实，系您所在单位为您申报失业登记时依法核验身份，查询字段限于姓名、出生日期和人口状态。"
)


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Page, str], None]:
    """Keeps a full-page screenshot of a step under test-results/browser/."""
    folder = request.config.rootpath / SCREENSHOTS
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> None:
        page.screenshot(path=folder / f"exchange-{name}.png", full_page=True)

    return take


def _workspace_open(page: Page, entry: str) -> None:
    menu = page.get_by_role("navigation", name="工作台菜单")
    menu.get_by_role("link", name=re.compile(rf"^{entry}")).click()


def _flash(page: Page) -> Locator:
    return page.get_by_role("status").filter(has=page.locator("li"))


def _post(url: str, data: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """What a department's system sends: plain HTTP, no browser, no session."""
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the live server
        assert response.status == 200
        return json.loads(response.read())


def test_a_grant_asked_and_approved_in_the_browser_lets_a_system_read_and_the_citizen_objects(
    new_page, live_server, ui, shot
):
    city = exchange_city()
    person = rf.person(name="黄小华", house=rf.house())
    resident = identity_services.citizen_register(
        id_number=person.document_number,
        real_name="黄小华",
        password=f.PASSWORD,
        home_division=f.community("440105001"),
    )
    rs_steward, ga_steward = city.stewards["RS"], city.stewards["GA"]
    keys = {s: f.totp_device(city.stewards[s]).bin_key for s in ("RS", "GA")}

    # ── The RS steward finds person-basic in the catalogue and asks for three fields. ──
    rs = new_page()
    ui.staff_sign_in(rs, rs_steward, keys["RS"])
    _workspace_open(rs, "数据资源目录")
    expect(rs).to_have_url(ui.url("/exchange/"))
    rs.get_by_label("提供部门").select_option(label="广州市公安局")
    rs.get_by_role("button", name="筛选").click()
    catalogue = rs.get_by_role("table")
    expect(catalogue.locator("caption")).to_have_text("共 2 项数据资源")
    catalogue.get_by_role("link", name="人口基本信息").click()
    expect(rs).to_have_url(ui.url("/exchange/resources/person-basic/"))
    fields = rs.get_by_role("region", name="资源字段")
    expect(fields.get_by_role("row").filter(has_text="手机号码")).to_contain_text("敏感个人信息")

    request = rs.get_by_role("region", name="申请共享")
    for label in (
        "姓名（个人信息）",
        "出生日期（个人信息）",
        "人口状态（正常/死亡/迁出）（个人信息）",
    ):
        request.get_by_label(label).check()
    request.get_by_label("用途").select_option(label="社会救助与待遇资格审核")
    request.get_by_label("法律依据").fill("《失业保险条例》第十五条")
    request.get_by_label("限定接入系统").select_option(city.client_id)
    shot(rs, "1-request")
    request.get_by_role("button", name="提交申请").click()

    expect(rs).to_have_url(ui.url("/exchange/steward/requests/"))
    grant = AccessGrant.objects.get(requester=rs_steward.unit, resource__code="person-basic")
    assert grant.fields == ["name", "birth_date", "status"]
    expect(_flash(rs)).to_contain_text(f"已提交共享申请 {grant.number}（待审批）")
    expect(rs.get_by_role("row").filter(has_text=grant.number)).to_contain_text("待审批")

    # ── The GA steward approves it in the steward workspace. ──
    ga = new_page()
    ui.staff_sign_in(ga, ga_steward, keys["GA"])
    _workspace_open(ga, "数据管理")
    expect(ga).to_have_url(ui.url("/exchange/steward/"))
    pending = ga.get_by_role("region", name="待审批的共享申请")
    row = pending.get_by_role("row").filter(has_text=grant.number)
    expect(row).to_contain_text("广州市人力资源和社会保障局")
    expect(row).to_contain_text("人口状态（正常/死亡/迁出）")
    row.get_by_label(f"{grant.number} 的审批意见（驳回时必填）").fill(
        "符合共享条件，限待遇审核使用"
    )
    shot(ga, "2-approve")
    row.get_by_role("button", name="批准").click()
    expect(_flash(ga)).to_contain_text(f"申请 {grant.number}：已批准")
    decided = ga.get_by_role("region", name="已处理的申请")
    expect(decided.get_by_role("row").filter(has_text=grant.number)).to_contain_text("已批准")
    grant.refresh_from_db()
    assert grant.status == GrantStatus.APPROVED

    # ── The benefits system gets a token and looks the citizen up, over plain HTTP. ──
    token = _post(
        f"{live_server.url}/exchange/v1/token",
        urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": city.client_id,
                "client_secret": city.secret,
            }
        ).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )["access_token"]
    answer = _post(
        f"{live_server.url}/exchange/v1/resources/person-basic/lookup",
        json.dumps(
            {
                "key": person.document_number,
                "purpose": "benefit_eligibility",
                "case": CASE,
                "staff_user": "rs-chen",
            }
        ).encode(),
        {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    assert answer["found"] is True and answer["record"]["name"] == "黄小华"
    assert set(answer["record"]) == {"name", "birth_date", "status"}
    entry = AccessLogEntry.objects.get(seq=answer["log_seq"])
    assert entry.subject_key == resident.id_number_index

    # ── The citizen sees the read on 我的主页 and on the who-looked page, and objects. ──
    citizen = new_page()
    ui.sign_in(citizen, resident.id_number)
    expect(citizen).to_have_url(ui.url("/me/"))
    summary = citizen.get_by_role("region", name="谁查看了我的信息")
    expect(summary.get_by_role("row").filter(has_text="人口基本信息")).to_contain_text(
        "广州市人力资源和社会保障局"
    )
    summary.get_by_role("link", name="查看全部记录，对查看提出异议").click()
    expect(citizen).to_have_url(ui.url("/exchange/my-data-access/"))
    expect(citizen.get_by_role("heading", level=1)).to_have_text("谁查看了我的信息")
    read = citizen.get_by_role("row").filter(has_text=CASE)
    expect(read).to_have_count(1)
    for text in (
        "广州市人力资源和社会保障局",
        city.client_id,
        "rs-chen",
        "人口基本信息：姓名、出生日期、人口状态（正常/死亡/迁出）",
        "社会救助与待遇资格审核",
        "查得",
    ):
        expect(read).to_contain_text(text)
    assert resident.id_number not in citizen.content()
    shot(citizen, "3-who-looked")
    read.get_by_text("提出异议", exact=True).click()  # a <details>: no script needed
    read.get_by_role("textbox").fill(OBJECTION)
    read.get_by_role("button", name="提交异议").click()

    expect(citizen).to_have_url(re.compile(r"/exchange/my-data-access/"))
    objection = Objection.objects.get(account=resident)
    expect(_flash(citizen)).to_contain_text(f"已提出异议 {objection.number}")
    mine = citizen.get_by_role("region", name="我的异议")
    expect(mine.get_by_role("row").filter(has_text=objection.number)).to_contain_text("待答复")
    expect(citizen.get_by_role("row").filter(has_text=CASE)).to_contain_text(
        f"已提出异议 {objection.number}，待答复"
    )

    # ── The GA steward (the data's owner) answers the objection. ──
    ga.get_by_role("navigation", name="数据管理栏目").get_by_role("link", name="异议答复").click()
    expect(ga).to_have_url(ui.url("/exchange/steward/objections/"))
    card = ga.locator(f"#objection-{objection.number}")
    expect(card).to_contain_text(OBJECTION)
    expect(card).to_contain_text(entry.subject_label)
    card.get_by_label("答复").fill(ANSWER)
    shot(ga, "4-answer")
    card.get_by_role("button", name=f"答复 {objection.number}").click()
    expect(_flash(ga)).to_contain_text(f"已答复异议 {objection.number}")
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.ANSWERED

    # ── The citizen finds the answer in their messages and on the who-looked page. ──
    citizen.goto("/me/")
    citizen.get_by_role("navigation", name="主导航").get_by_role(
        "link", name=re.compile(r"^消息")
    ).click()
    citizen.get_by_role("link", name=re.compile(f"异议 {objection.number} 已答复")).click()
    expect(citizen.get_by_role("article")).to_contain_text(ANSWER)
    citizen.get_by_role("link", name="查看详情").click()
    expect(citizen).to_have_url(ui.url("/exchange/my-data-access/"))
    answered = (
        citizen.get_by_role("region", name="我的异议")
        .get_by_role("row")
        .filter(has_text=objection.number)
    )
    expect(answered).to_contain_text("已答复")
    expect(answered).to_contain_text(ANSWER)
    shot(citizen, "5-answered")
