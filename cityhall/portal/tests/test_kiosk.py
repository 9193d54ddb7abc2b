"""自助终端 (kiosk) through the client: card + PIN sign-in, what a card session opens, sign-out."""

import re

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.utils import timezone

from cityhall.applications.models import Application, Certificate, Channel, Status
from cityhall.applications.services.intake import Intake, application_submit, plan_for
from cityhall.applications.tests import factories as af
from cityhall.hotline.models import Channel as TicketChannel
from cityhall.hotline.services.intake import ticket_create
from cityhall.hotline.tests import factories as hf
from cityhall.identity import cards, services
from cityhall.identity.models import Account, SocialSecurityCard
from cityhall.identity.tests import factories as f
from cityhall.registry.tests import factories as rf

pytestmark = pytest.mark.django_db

ALLOWED = ("/kiosk/", "/static/", "/i18n/")


def resident(name: str = "陈小明") -> Account:
    """A citizen of 赤岗街道 who is also in the base registry (so the city holds their ID)."""
    person = rf.person(name=name)
    return services.citizen_register(
        id_number=person.document_number,
        real_name=name,
        password=f.PASSWORD,
        phone="13800138000",
        home_division=f.community(af.STREET),
    )


@pytest.fixture
def holder() -> Account:
    return resident()


@pytest.fixture
def card(holder: Account) -> SocialSecurityCard:
    return f.card(holder=holder)


def _sign_in(client: Client, number: str, pin: str = f.CARD_PIN):
    return client.post("/kiosk/", {"card_number": number, "pin": pin})


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _certificate_for(citizen: Account, key: str) -> Certificate:
    """就业登记 (RS-001) decided on the spot at a window: the citizen gets its e-certificate."""
    af.reviewer(af.DISTRICT, "RS")
    plan = plan_for(item_code="RS-001")
    application = application_submit(
        Intake(
            applicant=citizen,
            idempotency_key=key,
            item_code="RS-001",
            channel=Channel.WINDOW,
            clerk=af.clerk(),
            checked_at_window=frozenset(m.pk for m in plan.materials),
            form=af.form_values(plan.fields),
        )
    )
    assert application.status == Status.APPROVED
    return application.certificates.get()


def test_sign_in_by_card_and_pin_opens_the_menu_for_this_session_only(client, holder, card):
    home = client.get("/kiosk/")
    body = home.content.decode()
    assert home.status_code == 200 and "请插入社会保障卡" in body
    assert 'data-idle-seconds="120"' in body and "data-keypad" in body

    response = _sign_in(client, card.number.lower())  # as typed: case and spaces do not matter
    assert response.status_code == 302 and response["Location"] == "/kiosk/menu/"
    assert client.session[cards.CARD_SESSION_KEY]["card"] == card.number
    assert client.session.get_expire_at_browser_close()
    menu = client.get("/kiosk/menu/").content.decode()
    for tile in ("我的证照", "办件进度", "诉求进度", "即办事项", "退出"):
        assert tile in menu
    assert holder.real_name in menu
    # Signed in, the kiosk's start page goes straight to the menu.
    assert client.get("/kiosk/")["Location"] == "/kiosk/menu/"


def test_wrong_pins_say_how_many_tries_are_left_then_lock_the_card(client, card):
    answers = []
    for _attempt in range(3):
        response = _sign_in(client, card.number, "135790")
        assert response.status_code == 200 and not _signed_in(client)
        body = response.content.decode()
        found = re.search(r'id="kiosk-error">([^<]+)<', body)
        assert found is not None
        answers.append(found.group(1))
        # Nothing else changes: the card number stays, the PIN is never sent back.
        assert f'value="{card.number}"' in body and "135790" not in body
    assert "还可以再试 2 次" in answers[0] and "还可以再试 1 次" in answers[1]
    assert "已锁定" in answers[2]
    # Locked: the right PIN is refused as well.
    body = _sign_in(client, card.number).content.decode()
    assert "已锁定" in body and not _signed_in(client)
    card.refresh_from_db()
    assert card.is_locked


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("Z99999999", "未找到这张社会保障卡"),
        ("A1234", "1 位字母加 8 位数字"),
    ],
)
def test_unknown_or_malformed_card_numbers_are_refused_clearly(client, card, number, message):
    body = _sign_in(client, number).content.decode()
    assert message in body and 'role="alert"' in body and not _signed_in(client)


def test_a_lost_card_is_refused_even_with_the_right_pin(client, holder, card):
    cards.card_report_lost(card=card, by=holder)
    body = _sign_in(client, card.number).content.decode()
    assert "此卡已挂失" in body and not _signed_in(client)


def test_empty_fields_are_asked_for_and_count_as_no_attempt(client, card):
    body = _sign_in(client, card.number, "").content.decode()
    assert "请输入 6 位密码" in body
    card.refresh_from_db()
    assert card.failed_pins == 0


def test_a_card_session_stays_in_the_kiosk_and_sees_only_its_own_records(client, holder, card):
    mine = _certificate_for(holder, "mine")
    stranger = resident("王五")
    theirs = _certificate_for(stranger, "theirs")
    _sign_in(client, card.number)

    # Not the full citizen page, nor any other part of the site: back to the kiosk.
    for path in ("/me/", "/applications/mine/", f"/applications/documents/{mine.number}.pdf"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/kiosk/", path

    # Someone else's certificate and application are simply not found.
    for path in (
        f"/kiosk/certificates/{theirs.number}/",
        f"/kiosk/certificates/{theirs.number}/pdf/",
        f"/kiosk/certificates/{theirs.number}.pdf",
        f"/kiosk/applications/{theirs.application.number}/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "未找到" in response.content.decode()

    # One's own: listed, printable, and the PDF only under /kiosk/.
    listing = client.get("/kiosk/certificates/").content.decode()
    assert mine.number in listing and theirs.number not in listing
    sheet = client.get(f"/kiosk/certificates/{mine.number}/").content.decode()
    for fact in (mine.number, mine.title, mine.holder_name, mine.issuer, mine.verification_code):
        assert fact in sheet
    assert "<svg" in sheet and "data-print" in sheet and "打印" in sheet
    pdf = client.get(f"/kiosk/certificates/{mine.number}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert pdf["X-Frame-Options"] == "SAMEORIGIN"  # shown inside the kiosk's own page
    framed = client.get(f"/kiosk/certificates/{mine.number}/pdf/").content.decode()
    assert f'src="/kiosk/certificates/{mine.number}.pdf"' in framed

    applications = client.get("/kiosk/applications/").content.decode()
    assert mine.application.number in applications
    assert theirs.application.number not in applications
    detail = client.get(f"/kiosk/applications/{mine.application.number}/").content.decode()
    assert "已办结" in detail and mine.application.due_date.isoformat() in detail


def test_tickets_page_lists_only_the_holders_own_tickets(client):
    hc = hf.hotline_city()  # first: it lays out the demo grids, which needs an empty map
    holder = resident()
    card = f.card(holder=holder)

    def web_ticket(reporter: Account) -> str:
        draft = hf.draft(
            hc,
            channel=TicketChannel.WEB,
            reporter=reporter,
            reporter_name="",
            reporter_phone="",
            received_by=None,
        )
        return str(ticket_create(draft=draft).tracking_number)

    own, other = web_ticket(holder), web_ticket(hc.citizen)
    _sign_in(client, card.number)
    body = client.get("/kiosk/tickets/").content.decode()
    assert own in body and other not in body
    assert "办理时限" in body


def test_kiosk_pages_have_no_way_out_of_the_kiosk(client, holder, card):
    certificate = _certificate_for(holder, "links")
    anonymous = ["/kiosk/", "/kiosk/?timeout=1", "/kiosk/?signedout=1"]
    bodies = [client.get(path).content.decode() for path in anonymous]
    _sign_in(client, card.number)
    pages = [
        "/kiosk/menu/",
        "/kiosk/certificates/",
        f"/kiosk/certificates/{certificate.number}/",
        f"/kiosk/certificates/{certificate.number}/pdf/",
        "/kiosk/applications/",
        f"/kiosk/applications/{certificate.application.number}/",
        "/kiosk/tickets/",
        "/kiosk/services/",
        "/kiosk/services/RS-007/",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        bodies.append(response.content.decode())
    for path, body in zip(anonymous + pages, bodies, strict=True):
        targets = re.findall(r'(?:href|action|src)="([^"]*)"', body)
        assert targets, path
        for target in targets:
            assert target.startswith(ALLOWED), (path, target)
        assert "site-header" not in body and "site-footer" not in body  # not the site's layout


def test_holder_applies_for_an_instant_item_whose_papers_the_city_holds(client, holder, card):
    af.reviewer(af.DISTRICT, "RS")
    _sign_in(client, card.number)
    listing = client.get("/kiosk/services/").content.decode()
    here, _sep, elsewhere = listing.partition("需要提交材料的即办事项")
    assert "/kiosk/services/RS-007/" in here  # 就业创业证申领: only the ID card, held by the city
    assert "中小学毕业学历证明书出具" in elsewhere and "请到窗口或网上办理" in elsewhere
    assert "单位参保登记" not in listing  # an item for companies

    form = client.get("/kiosk/services/RS-007/").content.decode()
    assert "居民身份证" in form and 'type="radio"' in form and 'type="file"' not in form
    response = client.post(
        "/kiosk/services/RS-007/", {"idempotency_key": "kiosk-1", "f_employment_status": "就业"}
    )
    application = Application.objects.get(applicant=holder)
    assert response.status_code == 302
    assert response["Location"] == f"/kiosk/applications/{application.number}/"
    assert application.title == "就业创业证申领" and application.status == Status.SUBMITTED
    assert application.channel == "kiosk"
    page = client.get(response["Location"]).content.decode()
    assert application.number in page and "申请已提交" in page

    # An item that needs an upload cannot be applied for here.
    refused = client.get("/kiosk/services/JY-005/").content.decode()
    assert (
        "请到窗口或网上办理" in refused and '<form method="post" class="kiosk-form"' not in refused
    )


def test_missing_answers_are_shown_and_nothing_is_submitted(client, card):
    af.reviewer(af.DISTRICT, "RS")
    _sign_in(client, card.number)
    response = client.post("/kiosk/services/RS-007/", {"idempotency_key": "kiosk-2"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert not Application.objects.exists()


def test_sign_out_ends_the_session(client, card):
    _sign_in(client, card.number)
    response = client.post("/kiosk/signout/")
    assert response.status_code == 302 and response["Location"] == "/kiosk/?signedout=1"
    assert not _signed_in(client)
    assert "您已安全退出" in client.get(response["Location"]).content.decode()
    assert client.get("/kiosk/menu/")["Location"] == "/kiosk/"

    # The page's idle timer signs out with reason=timeout and lands on the timeout message.
    _sign_in(client, card.number)
    response = client.post("/kiosk/signout/", {"reason": "timeout"})
    assert response["Location"] == "/kiosk/?timeout=1" and not _signed_in(client)
    assert "因长时间未操作，已自动退出" in client.get(response["Location"]).content.decode()
    assert client.get("/kiosk/signout/").status_code == 405


def test_the_server_ends_an_idle_card_session_and_keep_alive_restarts_the_clock(
    client, settings, card
):
    _sign_in(client, card.number)
    assert client.get("/kiosk/alive/").status_code == 204
    session = SessionStore(session_key=client.session.session_key)
    session[cards.CARD_SESSION_KEY] = {
        **session[cards.CARD_SESSION_KEY],
        "last_seen": timezone.now().timestamp() - settings.CITYHALL_KIOSK_IDLE_SECONDS - 1,
    }
    session.save()
    response = client.get("/kiosk/alive/")
    assert response.status_code == 302 and response["Location"] == "/kiosk/?timeout=1"
    assert not _signed_in(client)


def test_the_page_gets_the_servers_idle_limit(client, settings, card):
    settings.CITYHALL_KIOSK_IDLE_SECONDS = 9
    _sign_in(client, card.number)
    body = client.get("/kiosk/menu/").content.decode()
    assert 'data-idle-seconds="9"' in body and 'data-warn-seconds="3"' in body
    assert 'data-alive-url="/kiosk/alive/"' in body and 'role="alertdialog"' in body


def test_other_sessions_are_sent_back_to_the_kiosk_start(client, holder):
    # A citizen signed in with a password is not a card session: the kiosk pages are not theirs.
    f.signed_in(client, holder)
    for path in ("/kiosk/menu/", "/kiosk/certificates/", "/kiosk/alive/"):
        assert client.get(path)["Location"] == "/kiosk/", path
    client.logout()
    assert client.get("/kiosk/tickets/")["Location"] == "/kiosk/"


def test_english_kiosk(client, card):
    body = client.get("/kiosk/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en"' in body and "Please insert your social security card" in body
