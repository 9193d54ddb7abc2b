"""The 12345 hotline in the browser: a call taken at the city console travels through the
海珠 district centre and the 赤岗 street office to the grid inspector, who resolves it on a
phone with photos; a dissatisfied callback reopens it (重办). A citizen reports online with a
photo and a map pin, and the public tracking page shows the status but nobody's identity. A
point outside the city is refused at the console and nothing is written."""

import math
import re
import struct
import zlib
from collections.abc import Callable

import pytest
from playwright.sync_api import FilePayload, Locator, Page, ViewportSize, expect

from cityhall.geo.models import Division
from cityhall.hotline.models import (
    Callback,
    Channel,
    PhotoPhase,
    Satisfaction,
    Status,
    Ticket,
)
from cityhall.hotline.tests import factories as hf
from cityhall.identity.tests import factories as f
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

TRACKING_NUMBER = re.compile(r"^\d{16}[0-9X]$")
CALLER_PHONE = "13900001111"
COMPLAINT = "小区门口每天晚上有人占道经营摆摊卖烧烤，堵住人行道"
PHONE_VIEWPORT: ViewportSize = {"width": 390, "height": 844}


def _png(rgb: tuple[int, int, int], size: int = 24) -> bytes:
    """A real (decodable) PNG of one colour, so the pages show the photos they list."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _photo(name: str, rgb: tuple[int, int, int]) -> FilePayload:
    return {"name": name, "mimeType": "image/png", "buffer": _png(rgb)}


@pytest.fixture
def phone_page(new_page: Callable[..., Page]) -> Callable[[], Page]:
    """Like `new_page`, but a phone: 390×844, touch, mobile layout (the inspector's handheld)."""
    return lambda: new_page(
        viewport=PHONE_VIEWPORT, device_scale_factor=3, is_mobile=True, has_touch=True
    )


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Page, str], None]:
    """Keeps a full-page screenshot of a step under test-results/browser/."""
    folder = request.config.rootpath / SCREENSHOTS
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> None:
        page.screenshot(path=folder / f"hotline-{name}.png", full_page=True)

    return take


def _workspace_open(page: Page, entry: str) -> None:
    """Follows an entry of the staff workspace menu (its name is followed by a description)."""
    menu = page.get_by_role("navigation", name="工作台菜单")
    menu.get_by_role("link", name=re.compile(rf"^{entry}")).click()


def _back_to_workspace(page: Page, ui) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="工作台").click()
    expect(page).to_have_url(ui.url("/workspace/"))


def _flash(page: Page) -> Locator:
    return page.get_by_role("status").filter(has=page.locator("li"))


def _heading_status(page: Page) -> Locator:
    """The status printed next to the ticket's number in the staff page's heading."""
    return page.get_by_role("heading", level=1).locator("small")


def _fact(page: Page, name: str) -> Locator:
    """The value of one line of the ticket's facts (工单信息)."""
    facts = page.get_by_role("region", name="工单信息")
    return facts.locator(f"dt:text-is('{name}') + dd")


def test_a_call_goes_from_the_console_to_a_grid_inspector_and_a_dissatisfied_callback_reopens_it(
    page: Page, new_page, phone_page, ui, shot
):
    hc = hf.hotline_city()
    keys = {
        who: f.totp_device(getattr(hc, who)).bin_key
        for who in ("city_operator", "district_dispatcher", "street_officer", "inspector")
    }
    street = Division.objects.get(code=hf.STREET)
    lat, lng = hf.point_in()

    # ── The city operator takes the call at 热线受理, keyboard first. ──
    ui.staff_sign_in(page, hc.city_operator, keys["city_operator"])
    _workspace_open(page, "热线受理")
    expect(page).to_have_url(ui.url("/hotline/console/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("热线受理")
    page.get_by_label("来电号码", exact=True).press_sequentially(CALLER_PHONE)
    page.get_by_label("来电人", exact=True).press_sequentially("王大明")
    page.get_by_label("诉求内容", exact=True).press_sequentially(COMPLAINT)
    page.get_by_label("地址", exact=True).press_sequentially(f"海珠区{street.name}新港西路18号门口")
    # The caller gave the spot precisely; the console keeps it in its hidden lat/lng fields.
    form = page.locator("#console-form")
    form.locator("input[name=lat]").evaluate("(el, v) => { el.value = v; }", str(lat))
    form.locator("input[name=lng]").evaluate("(el, v) => { el.value = v; }", str(lng))

    # The assistant panel suggests the category and names the place as the operator types.
    assist = page.get_by_role("complementary", name="受理辅助")
    pick = assist.get_by_role("button", name=re.compile(r"^CG01 占道经营"))
    expect(pick).to_be_visible()
    expect(assist.locator("[data-place]")).to_have_text(f"海珠区{street.name}（{street.code}）")
    shot(page, "1-console")
    pick.click()
    expect(page.get_by_label("分类", exact=True)).to_have_value("CG01")
    expect(page.get_by_label("诉求类型", exact=True)).to_have_value("complaint")
    expect(page.get_by_label("按派单规则立即派出")).to_be_checked()
    page.get_by_label("诉求内容", exact=True).press("Control+Enter")  # the console's shortcut

    # The ticket's page: its number, sent on to the 海珠 district centre.
    expect(page).to_have_url(re.compile(r"/hotline/t/\d{16}[0-9X]/$"))
    number = page.get_by_role("heading", level=1).locator("code").inner_text()
    assert TRACKING_NUMBER.match(number)
    expect(_flash(page)).to_contain_text(f"已受理，工单编号 {number}（已派单：海珠区热线分中心）")
    expect(_heading_status(page)).to_have_text("已派单")
    expect(_fact(page, "当前所在单位")).to_have_text("海珠区热线分中心")
    expect(_fact(page, "建议承办单位")).to_have_text("赤岗街道办事处")
    expect(_fact(page, "分类")).to_contain_text("CG01")
    expect(_fact(page, "反映人")).to_contain_text("139****1111")  # masked, even for the operator
    expect(_fact(page, "反映人")).not_to_contain_text(CALLER_PHONE)
    shot(page, "2-ticket-received")
    ticket = Ticket.objects.get(tracking_number=number)
    assert ticket.holder == hc.district_centre and ticket.status == Status.DISPATCHED
    assert ticket.channel == Channel.PHONE and ticket.received_by == hc.city_operator
    assert ticket.grid_code.startswith(hf.STREET) and ticket.street == street

    # ── The district dispatcher sends it on along the suggestion, from the queue. ──
    district = new_page()
    ui.staff_sign_in(district, hc.district_dispatcher, keys["district_dispatcher"])
    _workspace_open(district, "热线工单")
    expect(district).to_have_url(ui.url("/hotline/queue/"))
    row = district.get_by_role("row").filter(has_text=number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("已派单")
    expect(row).to_contain_text("赤岗街道办事处")  # 建议派往
    row.get_by_role("checkbox", name=f"选择工单 {number}").check()
    shot(district, "3-district-queue")
    district.get_by_role("button", name="按建议批量派单").click()
    expect(_flash(district)).to_contain_text("已处理 1 件")
    expect(district.get_by_role("row").filter(has_text=number)).to_have_count(0)

    # ── The street officer signs for it and assigns the grid's inspector. ──
    office = new_page()
    ui.staff_sign_in(office, hc.street_officer, keys["street_officer"])
    _workspace_open(office, "热线工单")
    expect(office).to_have_url(ui.url("/hotline/queue/"))
    office.get_by_role("row").filter(has_text=number).get_by_role("link", name=number).click()
    expect(office).to_have_url(ui.url(f"/hotline/t/{number}/"))
    expect(_heading_status(office)).to_have_text("已派单")
    actions = office.get_by_role("region", name="办理")
    actions.get_by_role("button", name="签收", exact=True).click()
    expect(_flash(office)).to_contain_text("已签收")
    expect(_heading_status(office)).to_have_text("已签收")
    inspector_choice = actions.get_by_label("网格员", exact=True)
    # The inspector who walks the ticket's grid is proposed.
    expect(inspector_choice).to_have_value(str(hc.inspector.pk))
    expect(inspector_choice.locator("option:checked")).to_contain_text("本网格")
    shot(office, "4-street-accepted")
    actions.get_by_role("button", name="指派", exact=True).click()
    expect(_flash(office)).to_contain_text("已指派网格员")
    expect(_fact(office, "当前所在单位")).to_have_text(
        f"赤岗街道办事处 · 网格员 {hc.inspector.real_name}"
    )

    # ── The grid inspector, on a phone, handles it on the spot. ──
    phone = phone_page()
    ui.staff_sign_in(phone, hc.inspector, keys["inspector"])
    phone.goto("/hotline/inspector/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("我的网格任务")
    task = phone.get_by_role("link", name=f"占道经营 · {number}")
    expect(task).to_be_visible()
    shot(phone, "5-inspector-tasks")
    task.tap()
    expect(phone).to_have_url(ui.url(f"/hotline/inspector/{number}/"))
    expect(phone.get_by_role("heading", level=1)).to_contain_text("已签收")
    expect(phone.get_by_role("link", name="导航到现场")).to_have_attribute(
        "href", re.compile(r"^geo:")
    )
    phone.get_by_role("button", name="开始处置").tap()
    expect(_flash(phone)).to_contain_text("已开始办理")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("办理中")
    expect(phone.get_by_role("button", name="开始处置")).to_have_count(0)

    before = phone.get_by_role("group", name="上传现场照片")
    expect(before.get_by_label("阶段")).to_have_value("before")
    before.locator("input[type=file]").set_input_files(_photo("before.png", (200, 60, 40)))
    before.get_by_role("button", name="上传").tap()
    expect(_flash(phone)).to_contain_text("照片已上传")
    expect(phone.get_by_role("img", name="处置前照片")).to_have_count(1)

    done = phone.get_by_role("group", name="处置完成")
    done.get_by_label("办理结果").fill("已劝离摊贩，现场已清理，人行道恢复通行")
    # The resolve form's file input, found through its own fieldset (see the report: its
    # label's for= points at the upload form's input, both have id="id_photos").
    done.locator("input[type=file]").set_input_files(_photo("after.png", (40, 160, 80)))
    shot(phone, "6-inspector-task")
    done.get_by_role("button", name="办结").tap()
    expect(_flash(phone)).to_contain_text("已办结")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("已办结")
    expect(phone.get_by_role("img", name="处置前照片")).to_have_count(1)
    expect(phone.get_by_role("img", name="处置后照片")).to_have_count(1)
    expect(phone.get_by_role("group", name="处置完成")).to_have_count(0)
    # The handheld page fits the phone: nothing wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    shot(phone, "7-inspector-resolved")

    # ── The operator calls back: 不满意, with the reason; the ticket is reopened. ──
    _back_to_workspace(page, ui)
    _workspace_open(page, "回访归档")
    expect(page).to_have_url(ui.url("/hotline/callbacks/"))
    row = page.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("已劝离摊贩")
    expect(row.get_by_role("link", name=CALLER_PHONE)).to_have_attribute(
        "href", f"tel:{CALLER_PHONE}"
    )  # the number to call, shown in full for the callback
    callback = row.get_by_role("group", name=f"回访 {number}")
    callback.get_by_label("不满意", exact=True).check()
    callback.get_by_label("原因", exact=True).fill("摊贩晚上又回来了，问题没有解决")
    shot(page, "8-callbacks")
    callback.get_by_role("button", name="记录回访").click()
    expect(page).to_have_url(ui.url("/hotline/callbacks/"))
    expect(_flash(page)).to_contain_text("回访已记录")
    expect(page.get_by_role("row").filter(has_text=number)).to_have_count(0)

    page.goto(f"/hotline/t/{number}/")
    expect(_heading_status(page)).to_have_text("重办")
    expect(_fact(page, "满意度")).to_have_text("不满意")
    expect(_fact(page, "当前所在单位")).to_contain_text("赤岗街道办事处")
    expect(page.get_by_role("region", name="回访记录")).to_contain_text(
        "不满意（电话）：摊贩晚上又回来了，问题没有解决"
    )
    timeline = page.get_by_role("table", name="流转记录")
    expect(timeline.get_by_role("row").filter(has_text="重办")).to_have_count(1)
    expect(page.get_by_role("img", name="处置后照片")).to_have_count(1)
    shot(page, "9-ticket-reopened")

    # The street office finds it back in its queue, marked 重办, with its inspector.
    office.goto("/hotline/queue/")
    row = office.get_by_role("row").filter(has_text=number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("重办")
    expect(row).to_contain_text(hc.inspector.real_name)
    shot(office, "10-street-queue-reopened")

    # What the database holds at the end.
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED and ticket.reopen_count == 1
    assert ticket.holder == hc.street_office and ticket.inspector == hc.inspector
    assert ticket.dispatched_by_unit == hc.district_centre
    assert ticket.satisfaction == Satisfaction.DISSATISFIED
    assert ticket.result == "已劝离摊贩，现场已清理，人行道恢复通行"
    assert ticket.resolved_at is None  # open again
    photos = {(p.phase, p.added_by_id, p.content_type) for p in ticket.photos.all()}
    assert photos == {
        (PhotoPhase.BEFORE, hc.inspector.pk, "image/png"),
        (PhotoPhase.AFTER, hc.inspector.pk, "image/png"),
    }
    (answer,) = Callback.objects.filter(ticket=ticket)
    assert answer.satisfaction == Satisfaction.DISSATISFIED and answer.by == hc.city_operator
    assert answer.channel == Channel.PHONE and answer.reason == "摊贩晚上又回来了，问题没有解决"
    assert list(ticket.events.order_by("at", "id").values_list("action", flat=True)) == [
        "receive",
        "dispatch",  # city centre → 海珠区热线分中心
        "dispatch",  # → 赤岗街道办事处
        "accept",
        "assign",
        "start",
        "photo",
        "photo",
        "resolve",
        "callback",
        "reopen",
    ]


def test_citizen_reports_with_a_photo_and_a_map_pin_and_tracks_it_publicly(
    page: Page, new_page, shot, ui
):
    hc = hf.hotline_city()
    citizen = hc.citizen
    lat, lng = hf.point_in()

    ui.sign_in(page, citizen.id_number)
    expect(page).to_have_url(ui.url("/me/"))
    page.goto("/hotline/report/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("我要反映")
    page.get_by_label("您要反映的问题").fill("楼下烧烤店油烟太大，熏得家里没法开窗")
    expect(page.get_by_label("联系电话")).to_have_value(citizen.phone)  # from the account
    page.get_by_label(re.compile(r"^照片")).set_input_files(_photo("smoke.png", (90, 90, 90)))

    # A click on the street's map at the spot puts the pin there and fills the hidden lat/lng.
    figure = page.locator("figure[data-pin-map]")
    pin_map = figure.get_by_role("img", name="点击地图标记问题位置")
    expect(pin_map).to_be_visible()
    x, y = _map_position(figure, pin_map, lat=lat, lng=lng)
    pin_map.click(position={"x": x, "y": y})
    form = page.locator("form[data-location-form]")
    picked_lat = form.locator("input[name=lat]").input_value()
    picked_lng = form.locator("input[name=lng]").input_value()
    assert picked_lat and picked_lng
    assert abs(float(picked_lat) - lat) < 2e-4 and abs(float(picked_lng) - lng) < 2e-4
    expect(figure.locator("[data-pin-label]")).to_have_text(f"{picked_lat}, {picked_lng}")
    expect(figure.locator("[data-pin]")).not_to_have_attribute("cx", "-20")
    shot(page, "citizen-report")
    page.get_by_role("button", name="提交", exact=True).click()

    expect(page).to_have_url(re.compile(r"/hotline/track/\d{16}[0-9X]/$"))
    number = page.get_by_role("heading", level=1).locator("code").inner_text()
    assert TRACKING_NUMBER.match(number)
    expect(_flash(page)).to_contain_text(f"已受理，工单编号 {number}")
    ticket = Ticket.objects.get(tracking_number=number)
    assert ticket.reporter == citizen and ticket.channel == Channel.WEB
    assert ticket.grid_code.startswith(hf.STREET)
    assert ticket.lat == pytest.approx(float(picked_lat))
    assert ticket.lng == pytest.approx(float(picked_lng))
    assert list(ticket.photos.values_list("phase", flat=True)) == [PhotoPhase.REPORT]
    assert ticket.reporter_name == citizen.real_name  # stored for the staff, never shown here

    # Anyone with the number sees where it stands, but not who reported it.
    public = new_page()
    public.goto(f"/hotline/track/?number={number}")
    expect(public).to_have_url(ui.url(f"/hotline/track/{number}/"))
    facts = public.locator("dl.facts")
    expect(facts.locator("dt:text-is('状态') + dd")).to_have_text(ticket.get_status_display())
    expect(facts.locator("dt:text-is('所在区域') + dd")).to_contain_text("赤岗街道")
    shot(public, "public-track")
    shown = public.content()
    masked = f"{citizen.phone[:3]}****{citizen.phone[-4:]}"
    for secret in (citizen.real_name, citizen.phone, masked, citizen.id_number):
        assert secret not in shown
    # The reporter's own view of it shows no more of them in the page's body either.
    mine = page.locator("main").inner_text()
    assert citizen.phone not in mine and masked not in mine


def _map_position(figure: Locator, svg: Locator, *, lat: float, lng: float) -> tuple[float, float]:
    """Where (lat, lng) is drawn on the pin map, in CSS pixels from the map's top left: the
    server's projection (plate carrée scaled by cos(latitude)) into the viewBox, then the
    viewBox fitted into the drawn box as SVG does it (xMidYMid meet)."""
    min_lng, min_lat, max_lng, max_lat = (
        float(v) for v in (figure.get_attribute("data-bounds") or "").split(",")
    )
    width = float(figure.get_attribute("data-width") or 0)
    height = float(figure.get_attribute("data-height") or 0)
    x_factor = math.cos(math.radians((min_lat + max_lat) / 2))
    scale = width / ((max_lng - min_lng) * x_factor)
    x, y = (lng - min_lng) * x_factor * scale, (max_lat - lat) * scale
    box = svg.bounding_box()
    assert box is not None
    fit = min(box["width"] / width, box["height"] / height)
    left = (box["width"] - width * fit) / 2
    top = (box["height"] - height * fit) / 2
    return left + x * fit, top + y * fit


def test_a_location_outside_the_city_is_refused_at_the_console_and_nothing_is_written(
    page: Page, shot, ui
):
    hc = hf.hotline_city()
    key = f.totp_device(hc.city_operator).bin_key

    ui.staff_sign_in(page, hc.city_operator, key)
    page.goto("/hotline/console/")
    page.get_by_label("来电号码", exact=True).fill(CALLER_PHONE)
    page.get_by_label("诉求内容", exact=True).fill(COMPLAINT)
    page.get_by_label("分类", exact=True).select_option("CG01")
    form = page.locator("#console-form")
    form.locator("input[name=lat]").evaluate("el => { el.value = '39.9'; }")
    form.locator("input[name=lng]").evaluate("el => { el.value = '116.4'; }")
    page.get_by_role("button", name="受理", exact=True).click()

    expect(page).to_have_url(ui.url("/hotline/console/"))
    expect(page.get_by_role("alert").first).to_contain_text("不在本市")
    # What was typed is kept for the next try.
    expect(page.get_by_label("诉求内容", exact=True)).to_have_value(COMPLAINT)
    expect(page.get_by_label("来电号码", exact=True)).to_have_value(CALLER_PHONE)
    shot(page, "console-outside-city")
    assert Ticket.objects.count() == 0
