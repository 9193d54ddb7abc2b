from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cityhall.core.models import AuditEntry
from cityhall.identity import services
from cityhall.identity.models import Account
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f

pytestmark = pytest.mark.django_db

SIGNIN = reverse("identity:signin")
MFA = reverse("identity:mfa")


def _code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0 - offset_steps * device.step)
    return f"{value:06d}"


@pytest.fixture
def citizen() -> Account:
    return f.citizen(home=f.community("440105001"))


@pytest.fixture
def clerk() -> Account:
    return f.staff(unit=f.unit("440105001"), roles=[Role.WINDOW_CLERK], username="hz-clerk-t")


def test_citizen_signs_in_with_id_number(client, citizen):
    response = client.post(SIGNIN, {"identifier": citizen.id_number, "password": f.PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:my_page")
    assert client.session["_auth_user_id"] == str(citizen.pk)
    entry = AuditEntry.objects.filter(event="signin.succeeded").get()
    assert entry.actor_id == citizen.pk


def test_lower_case_x_in_id_number_is_accepted(client):
    services.citizen_register(id_number="11010519491231002X", real_name="王五", password=f.PASSWORD)
    response = client.post(SIGNIN, {"identifier": "11010519491231002x", "password": f.PASSWORD})
    assert response.status_code == 302


def test_wrong_password_is_refused_with_a_generic_message(client, citizen):
    response = client.post(SIGNIN, {"identifier": citizen.id_number, "password": "nope-nope-nope"})
    assert response.status_code == 400
    assert "账号或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session
    citizen.refresh_from_db()
    assert citizen.failed_signins == 1


def test_unknown_identifier_is_logged_masked(client):
    client.post(SIGNIN, {"identifier": "440105199001011234", "password": "whatever-123"})
    entry = AuditEntry.objects.get(event="signin.failed")
    assert entry.actor_label == "440105********1234"
    assert entry.detail["reason"] == "unknown_account"


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, citizen, settings):
    settings.SIGNIN_MAX_FAILURES = 3
    for _ in range(3):
        client.post(SIGNIN, {"identifier": citizen.id_number, "password": "bad-password-1"})
    citizen.refresh_from_db()
    assert citizen.is_locked()
    response = client.post(SIGNIN, {"identifier": citizen.id_number, "password": f.PASSWORD})
    assert response.status_code == 400
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(event="signin.failed").count() == 4
    locked = AuditEntry.objects.get(event="signin.locked")
    assert locked.subject_id == str(citizen.pk)


def test_lock_expires(client, citizen):
    Account.objects.filter(pk=citizen.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    response = client.post(SIGNIN, {"identifier": citizen.id_number, "password": f.PASSWORD})
    assert response.status_code == 302


def test_failures_outside_the_window_do_not_add_up(client, citizen, settings):
    settings.SIGNIN_MAX_FAILURES = 2
    client.post(SIGNIN, {"identifier": citizen.id_number, "password": "bad-password-1"})
    Account.objects.filter(pk=citizen.pk).update(
        first_failure_at=timezone.now()
        - timedelta(minutes=settings.SIGNIN_FAILURE_WINDOW_MINUTES + 1)
    )
    client.post(SIGNIN, {"identifier": citizen.id_number, "password": "bad-password-1"})
    citizen.refresh_from_db()
    assert not citizen.is_locked()
    assert citizen.failed_signins == 1


def test_staff_password_alone_does_not_sign_in(client, clerk):
    f.totp_device(clerk)
    response = client.post(SIGNIN, {"identifier": "hz-clerk-t", "password": f.PASSWORD})
    assert response["Location"] == MFA
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("portal:workspace")).status_code == 302  # still anonymous


def test_staff_signs_in_with_totp(client, clerk):
    device = f.totp_device(clerk)
    client.post(SIGNIN, {"identifier": "hz-clerk-t", "password": f.PASSWORD})
    response = client.post(MFA, {"token": _code(device)})
    assert response["Location"] == reverse("portal:workspace")
    assert client.get(reverse("portal:workspace")).status_code == 200
    entry = AuditEntry.objects.get(event="signin.succeeded")
    assert entry.detail == {"mfa": True}


def test_wrong_totp_counts_towards_lockout(client, clerk, settings):
    settings.SIGNIN_MAX_FAILURES = 2
    device = f.totp_device(clerk)
    client.post(SIGNIN, {"identifier": "hz-clerk-t", "password": f.PASSWORD})
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    first = client.post(MFA, {"token": wrong})
    assert first.status_code == 400
    second = client.post(MFA, {"token": wrong})
    assert second.status_code == 302  # back to the password step, now locked
    clerk.refresh_from_db()
    assert clerk.is_locked()
    assert client.post(MFA, {"token": _code(device)})["Location"] == SIGNIN


def test_first_staff_sign_in_enrols_an_authenticator(client, clerk):
    client.post(SIGNIN, {"identifier": "hz-clerk-t", "password": f.PASSWORD})
    page = client.get(MFA)
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    response = client.post(MFA, {"token": _code(device)})
    assert response["Location"] == reverse("portal:workspace")
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(event="mfa.enrolled", subject_id=str(clerk.pk)).exists()


def test_pending_mfa_expires(client, clerk):
    device = f.totp_device(clerk)
    client.post(SIGNIN, {"identifier": "hz-clerk-t", "password": f.PASSWORD})
    session = client.session
    pending = session["identity.pending_mfa"]
    pending["at"] = (timezone.now() - timedelta(minutes=6)).isoformat()
    session["identity.pending_mfa"] = pending
    session.save()
    response = client.post(MFA, {"token": _code(device)})
    assert response["Location"] == SIGNIN
    assert "_auth_user_id" not in client.session


def test_staff_session_without_verified_device_is_ended(client, clerk):
    client.force_login(clerk)  # a session that never passed the second factor
    response = client.get(reverse("portal:workspace"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_next_parameter_is_kept_but_only_for_this_site(client, citizen):
    response = client.post(
        SIGNIN,
        {"identifier": citizen.id_number, "password": f.PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("portal:my_page")


def test_signout_is_audited(client, citizen):
    f.signed_in(client, citizen)
    client.post(reverse("identity:signout"))
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(event="signout", actor=citizen).exists()


def test_admin_site_needs_a_verified_administrator(client):
    admin = f.staff(unit=f.unit("440100"), roles=[Role.ADMINISTRATOR])
    clerk = f.staff(unit=f.unit("440100"), roles=[Role.WINDOW_CLERK])
    assert f.signed_in(client, clerk).get("/admin/").status_code == 302
    client.logout()
    assert f.signed_in(client, admin).get("/admin/").status_code == 200
