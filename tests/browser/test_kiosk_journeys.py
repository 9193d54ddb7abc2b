"""自助终端 (kiosk) on a touch screen: card + PIN on the on-screen keypad, a certificate to print,
an application's progress, the idle warning and the automatic sign-out; a card locked by PINs."""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from cityhall.applications.models import Certificate
from cityhall.applications.services.intake import Intake, application_submit, plan_for
from cityhall.applications.tests import factories as af
from cityhall.identity import services
from cityhall.identity.models import Account, SocialSecurityCard
from cityhall.identity.tests import factories as f
from cityhall.registry.tests import factories as rf
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

KIOSK_VIEWPORT: ViewportSize = {"width": 1080, "height": 1920}  # the hall's portrait screen
PHONE_VIEWPORT: ViewportSize = {"width": 390, "height": 844}
WRONG_PIN = "135790"
IDLE_SECONDS = 20  # short, so the test sees the warning and the sign-out; long enough that a
# slow step (a full-page screenshot on a loaded CI machine) never meets the limit by accident


@dataclass
class Holder:
    account: Account
    card: SocialSecurityCard


def _holder(name: str) -> Holder:
    """A citizen in the base registry (the city holds their ID) with a social security card."""
    person = rf.person(name=name)
    account = services.citizen_register(
        id_number=person.document_number,
        real_name=name,
        password=f.PASSWORD,
        phone="13800138000",
        home_division=f.community(af.STREET),
    )
    return Holder(account=account, card=f.card(holder=account))


def _certificate(citizen: Account) -> Certificate:
    """就业登记 decided on the spot at a window: an e-certificate for the citizen."""
    plan = plan_for(item_code="RS-001")
    application = application_submit(
        Intake(
            applicant=citizen,
            idempotency_key="window-1",
            item_code="RS-001",
            channel="window",
            clerk=af.clerk(),
            checked_at_window=frozenset(m.pk for m in plan.materials),
            form=af.form_values(plan.fields),
        )
    )
    return application.certificates.get()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Page, str], None]:
    """Keeps a full-page screenshot of a kiosk page under test-results/browser/pages/."""
    folder = request.config.rootpath / SCREENSHOTS / "pages"
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> None:
        page.screenshot(path=folder / f"kiosk-{name}.png", full_page=True)

    return take


def _keypad(page: Page, digits: str) -> None:
    keypad = page.get_by_role("group", name="数字键盘")
    for digit in digits:
        keypad.get_by_role("button", name=digit, exact=True).tap()


def _insert_card(page: Page, number: str) -> None:
    """The card reader types the number and presses Enter: the PIN is next, nothing is sent."""
    card_field = page.get_by_label("社会保障卡卡号", exact=True)
    card_field.press_sequentially(number)
    card_field.press("Enter")
    expect(page.get_by_label("密码", exact=True)).to_be_focused()
    expect(page.get_by_text("正在输入：密码")).to_be_visible()


def test_citizen_signs_in_on_the_keypad_prints_a_certificate_and_is_signed_out_when_idle(
    new_page: Callable[..., Page], ui, settings, shot
):
    settings.CITYHALL_KIOSK_IDLE_SECONDS = IDLE_SECONDS
    af.reviewer(af.DISTRICT, "RS")
    holder = _holder("陈小明")
    certificate = _certificate(holder.account)
    pending = application_submit(
        Intake(
            applicant=holder.account,
            idempotency_key="online-1",
            item_code="RS-007",
            form={"employment_status": "就业"},
        )
    )
    page = new_page(viewport=KIOSK_VIEWPORT, has_touch=True)

    page.goto("/kiosk/")
    expect(page.get_by_role("heading", level=1)).to_have_text("请插入社会保障卡")
    assert page.evaluate("document.body.dataset.idleSeconds") == str(IDLE_SECONDS)
    shot(page, "signin")

    # A wrong PIN on the keypad: the field shows dots, the answer says how many tries are left.
    _insert_card(page, holder.card.number)
    _keypad(page, WRONG_PIN)
    pin = page.get_by_label("密码", exact=True)
    expect(pin).to_have_attribute("type", "password")
    expect(pin).to_have_value(WRONG_PIN)
    page.get_by_role("button", name="登录", exact=True).tap()
    expect(page.get_by_role("alert")).to_have_text("密码不正确，还可以再试 2 次。")
    expect(page.get_by_label("社会保障卡卡号", exact=True)).to_have_value(holder.card.number)
    expect(pin).to_have_value("")
    shot(page, "wrong-pin")

    # The right PIN: the keypad now types into the PIN, the card number is kept.
    _keypad(page, "24681")
    page.get_by_role("button", name="退格（删除一位）").tap()
    _keypad(page, "10")
    page.get_by_role("button", name="登录", exact=True).tap()
    expect(page).to_have_url(ui.url("/kiosk/menu/"))
    expect(page.get_by_role("navigation", name="自助终端导航")).to_contain_text("陈小明，您好")
    shot(page, "menu")

    # 我的证照 → the print view, with everything a checker needs, and 打印.
    page.get_by_role("link", name="我的证照").tap()
    page.get_by_role("link", name=certificate.title).tap()
    expect(page).to_have_url(ui.url(f"/kiosk/certificates/{certificate.number}/"))
    sheet = page.get_by_role("article", name=certificate.title)
    for fact in (certificate.number, certificate.holder_name, certificate.issuer):
        expect(sheet).to_contain_text(fact)
    expect(sheet).to_contain_text(certificate.verification_code)
    expect(sheet.locator("svg")).to_be_visible()  # the QR code of the verify page
    page.evaluate("window.print = () => { window.__printed = true; }")  # no printer here
    page.get_by_role("button", name="打印").tap()
    assert page.evaluate("window.__printed === true")
    shot(page, "certificate")

    # 办件进度: the pending application and its status.
    page.get_by_role("link", name="主菜单").tap()
    page.get_by_role("link", name="办件进度").tap()
    row = page.get_by_role("link", name=pending.number)
    expect(row).to_contain_text("待受理")
    row.tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("就业创业证申领")
    expect(page.get_by_text("当前状态")).to_contain_text("待受理")
    shot(page, "application")

    # Left alone: a warning first (announced, with 继续使用), which holds the session ...
    warning = page.get_by_role("alertdialog", name="即将自动退出")
    expect(warning).to_be_visible(timeout=IDLE_SECONDS * 1000)
    expect(page.locator("#kiosk-announce")).to_contain_text("秒后将自动退出")
    expect(warning.get_by_role("button", name="继续使用")).to_be_focused()
    shot(page, "idle-warning")
    warning.get_by_role("button", name="继续使用").tap()
    expect(warning).to_be_hidden()
    expect(page).to_have_url(ui.url(f"/kiosk/applications/{pending.number}/"))

    # ... then, still alone, the sign-out and the message why.
    expect(page).to_have_url(ui.url("/kiosk/?timeout=1"), timeout=(IDLE_SECONDS + 5) * 1000)
    expect(page.get_by_role("status")).to_have_text("因长时间未操作，已自动退出。请重新插卡登录。")
    shot(page, "timeout")
    page.goto("/kiosk/menu/")
    expect(page).to_have_url(ui.url("/kiosk/"))


def test_three_wrong_pins_on_a_phone_sized_touch_screen_lock_the_card(
    new_page: Callable[..., Page], ui, shot
):
    holder = _holder("林小红")
    page = new_page(viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True)
    page.goto("/kiosk/")
    _insert_card(page, holder.card.number)
    answers = ["密码不正确，还可以再试 2 次。", "密码不正确，还可以再试 1 次。"]
    for answer in answers:
        _keypad(page, WRONG_PIN)
        page.get_by_role("button", name="登录", exact=True).tap()
        expect(page.get_by_role("alert")).to_have_text(answer)
    _keypad(page, WRONG_PIN)
    page.get_by_role("button", name="登录", exact=True).tap()
    locked = "密码连续输错次数过多，此卡已锁定。请持本人身份证到服务窗口重置密码。"
    expect(page.get_by_role("alert")).to_have_text(locked)
    shot(page, "locked")
    # Locked means locked: the right PIN changes nothing.
    _keypad(page, f.CARD_PIN)
    page.get_by_role("button", name="登录", exact=True).tap()
    expect(page.get_by_role("alert")).to_have_text(locked)
    expect(page).to_have_url(ui.url("/kiosk/"))
    holder.card.refresh_from_db()
    assert holder.card.is_locked


def test_citizen_applies_at_the_kiosk_for_an_instant_item_without_papers(
    new_page: Callable[..., Page], ui, shot
):
    af.reviewer(af.DISTRICT, "RS")
    holder = _holder("黄小华")
    page = new_page(viewport=KIOSK_VIEWPORT, has_touch=True)
    page.goto("/kiosk/")
    _insert_card(page, holder.card.number)
    _keypad(page, f.CARD_PIN)
    page.get_by_role("button", name="登录", exact=True).tap()
    expect(page).to_have_url(ui.url("/kiosk/menu/"))

    page.get_by_role("link", name="诉求进度").tap()
    expect(page.get_by_text("暂无诉求。")).to_be_visible()
    shot(page, "tickets")
    page.get_by_role("link", name="主菜单").tap()

    # 即办事项: what can be done here, and what needs papers at a window or online.
    page.get_by_role("link", name="即办事项").tap()
    elsewhere = page.get_by_role("region", name="需要提交材料的即办事项")
    expect(elsewhere).to_contain_text("请到窗口或网上办理")
    shot(page, "services")
    page.get_by_role("link", name="就业创业证申领").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("就业创业证申领")
    expect(page.get_by_role("listitem").filter(has_text="居民身份证")).to_be_visible()
    page.get_by_role("button", name="提交申请").tap()
    expect(page.get_by_role("alert").first).to_be_visible()  # the form says what is missing
    page.get_by_role("group", name="申领时就业状态").get_by_text("灵活就业").tap()
    shot(page, "apply")
    page.get_by_role("button", name="提交申请").tap()

    expect(page).to_have_url(re.compile(re.escape(ui.url("/kiosk/applications/")) + r"\w+/$"))
    expect(page.get_by_role("status")).to_contain_text("申请已提交")
    expect(page.get_by_text("当前状态")).to_contain_text("待受理")
    page.get_by_role("button", name="退出").first.tap()
    expect(page).to_have_url(ui.url("/kiosk/?signedout=1"))
    expect(page.get_by_role("status")).to_contain_text("您已安全退出")
