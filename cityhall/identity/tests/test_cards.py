"""Social security cards: issue, lose, reset, and sign in by card + PIN (kiosk and window)."""

import pytest
from django.contrib.auth.hashers import get_hasher, identify_hasher
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from cityhall.core.errors import DomainError
from cityhall.core.models import AuditEntry
from cityhall.identity import cards
from cityhall.identity.models import Account, CardStatus, SocialSecurityCard
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f
from config.settings import base

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen() -> Account:
    return f.citizen(home=f.community("440105001"))


@pytest.fixture
def clerk() -> Account:
    return f.staff(unit=f.unit("440105001"), roles=[Role.WINDOW_CLERK])


def _events(card_number: str) -> list[str]:
    return [
        e.event
        for e in AuditEntry.objects.order_by("seq")
        if (e.detail or {}).get("card") == card_number
    ]


def test_issue_stores_only_a_slow_pin_hash_and_a_sealed_bank_account(citizen, clerk):
    card = f.card(holder=citizen, clerk=clerk)
    assert cards.CARD_NUMBER.match(card.number)
    assert f.CARD_PIN not in card.pin_hash
    # The site's password hasher (the tests swap in a fast one; production keeps Django's PBKDF2).
    assert identify_hasher(card.pin_hash).algorithm == get_hasher("default").algorithm
    assert card.bank_account_last4 == "3446"
    with connection.cursor() as cursor:
        table = SocialSecurityCard._meta.db_table
        cursor.execute(f"SELECT bank_account FROM {table} WHERE id = %s", [card.pk])
        raw = cursor.fetchone()[0]
    assert "6222020200112233446" not in raw  # encrypted at rest
    assert card.bank_account == "6222020200112233446"
    assert _events(card.number) == ["card.issued"]


@pytest.mark.parametrize(
    ("pin", "code"),
    [
        ("12345", "pin_malformed"),
        ("12a456", "pin_malformed"),
        ("111111", "pin_weak"),
        ("123456", "pin_weak"),
        ("987654", "pin_weak"),
        ("890123", "pin_weak"),
    ],
)
def test_weak_or_malformed_pins_are_refused(citizen, clerk, pin, code):
    with pytest.raises(DomainError) as error:
        cards.card_issue(holder=citizen, by=clerk, pin=pin)
    assert error.value.code == code
    assert not SocialSecurityCard.objects.exists()


def test_bank_account_must_pass_luhn(citizen, clerk):
    with pytest.raises(DomainError) as error:
        cards.card_issue(holder=citizen, by=clerk, pin="246810", bank_account="6222020200112233445")
    assert error.value.code == "bank_account_checksum"
    assert not SocialSecurityCard.objects.exists()


def test_only_window_clerks_issue_and_one_active_card_per_person(citizen, clerk):
    reviewer = f.staff(unit=f.unit("440105001"), roles=[Role.DEPARTMENT_REVIEWER])
    with pytest.raises(DomainError):
        cards.card_issue(holder=citizen, by=reviewer, pin="246810")
    first = f.card(holder=citizen, clerk=clerk)
    with pytest.raises(DomainError) as error:
        f.card(holder=citizen, clerk=clerk)
    assert error.value.code == "card_exists"
    cards.card_report_lost(card=first, by=citizen)
    second = f.card(holder=citizen, clerk=clerk)  # a replacement cancels the lost card
    first.refresh_from_db()
    assert first.status == CardStatus.CANCELLED
    assert second.status == CardStatus.ACTIVE


def test_sign_in_with_the_right_pin_returns_the_card_and_is_audited(citizen, clerk):
    card = f.card(holder=citizen, clerk=clerk)
    found = cards.card_authenticate(number=card.number.lower(), pin=f.CARD_PIN, channel="kiosk")
    assert found.holder == citizen
    assert _events(card.number)[-1] == "card.signin_succeeded"


def test_three_wrong_pins_lock_the_card_until_a_clerk_resets_it(citizen, clerk):
    card = f.card(holder=citizen, clerk=clerk)
    messages = []
    for _ in range(3):
        with pytest.raises(DomainError) as error:
            cards.card_authenticate(number=card.number, pin="135790", channel="kiosk")
        messages.append((error.value.code, error.value.message))
    assert [code for code, _m in messages] == ["pin_wrong", "pin_wrong", "card_locked"]
    assert "2" in messages[0][1] and "1" in messages[1][1]
    # Locked: even the right PIN is refused now.
    with pytest.raises(DomainError) as error:
        cards.card_authenticate(number=card.number, pin=f.CARD_PIN, channel="kiosk")
    assert error.value.code == "card_locked"
    card.refresh_from_db()
    assert card.locked_at is not None and card.failed_pins == 3
    assert _events(card.number).count("card.signin_failed") == 4
    assert _events(card.number).count("card.locked") == 1
    # The holder cannot unlock their own card; a clerk resets the PIN.
    with pytest.raises(DomainError):
        cards.card_pin_reset(card=card, by=citizen, new_pin="357913")
    cards.card_pin_reset(card=card, by=clerk, new_pin="357913")
    assert cards.card_authenticate(number=card.number, pin="357913", channel="kiosk").pk == card.pk


def test_a_right_pin_clears_the_count_of_wrong_ones(citizen, clerk):
    card = f.card(holder=citizen, clerk=clerk)
    for _ in range(2):
        with pytest.raises(DomainError):
            cards.card_authenticate(number=card.number, pin="135790", channel="kiosk")
    cards.card_authenticate(number=card.number, pin=f.CARD_PIN, channel="kiosk")
    with pytest.raises(DomainError) as error:
        cards.card_authenticate(number=card.number, pin="135790", channel="kiosk")
    assert error.value.code == "pin_wrong"  # counting starts again: not locked


def test_a_lost_card_is_blocked_at_once(citizen, clerk):
    card = f.card(holder=citizen, clerk=clerk)
    cards.card_report_lost(card=card, by=citizen)
    with pytest.raises(DomainError) as error:
        cards.card_authenticate(number=card.number, pin=f.CARD_PIN, channel="kiosk")
    assert error.value.code == "card_lost"
    with pytest.raises(DomainError):
        cards.card_report_lost(card=card, by=citizen)  # already lost
    assert _events(card.number)[-1] == "card.signin_failed"


def test_no_one_else_reports_my_card_lost(citizen, clerk):
    card = f.card(holder=citizen, clerk=clerk)
    other = f.citizen(home=f.community("440105001"), name="李四")
    with pytest.raises(DomainError):
        cards.card_report_lost(card=card, by=other)
    card.refresh_from_db()
    assert card.status == CardStatus.ACTIVE


def test_unknown_and_malformed_numbers_are_refused_clearly(citizen):
    with pytest.raises(DomainError) as error:
        cards.card_authenticate(number="A1234", pin="246810", channel="kiosk")
    assert error.value.code == "card_malformed"
    with pytest.raises(DomainError) as error:
        cards.card_authenticate(number="Z99999999", pin="246810", channel="kiosk")
    assert error.value.code == "card_unknown"
    assert AuditEntry.objects.filter(event="card.signin_failed").count() == 1


def test_card_session_is_kiosk_only_and_ends_when_idle(settings, citizen, clerk):
    card = f.card(holder=citizen, clerk=clerk)
    client = Client()
    # Sign in through the service on a real session, then use it from the test client.
    request = RequestFactory().post("/kiosk/signin/")
    request.session = SessionStore()
    request.user = Account()
    cards.card_signin(request=request, number=card.number, pin=f.CARD_PIN)
    request.session.save()
    client.cookies["sessionid"] = request.session.session_key or ""
    assert request.session.get_expire_at_browser_close()

    # The full citizen page is not for a card session: back to the kiosk.
    response = client.get("/me/")
    assert response.status_code == 302 and response["Location"] == "/kiosk/"
    # Idle longer than allowed: signed out on the next request.
    stored = SessionStore(session_key=request.session.session_key)
    stored[cards.CARD_SESSION_KEY] = {
        **stored[cards.CARD_SESSION_KEY],
        "last_seen": timezone.now().timestamp() - settings.CITYHALL_KIOSK_IDLE_SECONDS - 1,
    }
    stored.save()
    response = client.get("/kiosk/")
    assert response.status_code == 302 and response["Location"] == "/kiosk/?timeout=1"
    assert "_auth_user_id" not in SessionStore(session_key=request.session.session_key).load()
    assert AuditEntry.objects.filter(event="signout", detail__reason="idle").exists()


def test_production_settings_hash_pins_slowly():
    assert not hasattr(base, "PASSWORD_HASHERS")  # Django's default: PBKDF2 first


def test_clerk_issues_resets_and_reports_lost_from_the_residents_page(client, citizen, clerk):
    f.signed_in(client, clerk)
    url = reverse("identity:citizen_card", args=[citizen.pk])
    mismatch = {"action": "issue", "issue-pin": "246810", "issue-pin_again": "246811"}
    page = client.post(url, mismatch, follow=True).content.decode()
    assert "两次输入的密码不一致" in page and not SocialSecurityCard.objects.exists()
    client.post(url, {"action": "issue", "issue-pin": "246810", "issue-pin_again": "246810"})
    card = SocialSecurityCard.objects.get(holder=citizen)
    for _ in range(3):
        with pytest.raises(DomainError):
            cards.card_authenticate(number=card.number, pin="135790", channel="window")
    page = client.get(reverse("identity:citizen_detail", args=[citizen.pk])).content.decode()
    assert card.number in page and "密码已锁定" in page
    reset = {"action": "reset", "card": card.number, "pin-pin": "357913", "pin-pin_again": "357913"}
    client.post(url, reset)
    assert cards.card_authenticate(number=card.number, pin="357913", channel="window")
    client.post(url, {"action": "lost", "card": card.number})
    card.refresh_from_db()
    assert card.status == CardStatus.LOST
    # Someone else's card number through this resident's page: not found.
    other = f.card(holder=f.citizen(home=f.community("440105001"), name="李四"), clerk=clerk)
    response = client.post(url, {"action": "lost", "card": other.number})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == CardStatus.ACTIVE


def test_only_card_service_staff_use_the_card_actions(client, citizen):
    reviewer = f.staff(unit=f.unit("440105001"), roles=[Role.DEPARTMENT_REVIEWER])
    f.signed_in(client, reviewer)
    url = reverse("identity:citizen_card", args=[citizen.pk])
    assert client.post(url, {"action": "issue"}).status_code == 403
    assert not SocialSecurityCard.objects.exists()
