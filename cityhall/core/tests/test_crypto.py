import pytest
from django.core.management import call_command
from django.db import connection

from cityhall.core import crypto
from cityhall.identity.models import Account
from cityhall.identity.tests import factories as f


def test_round_trip_and_randomised_ciphertext():
    a = crypto.encrypt("440105199001011234", context="t.col")
    b = crypto.encrypt("440105199001011234", context="t.col")
    assert a != b and a.startswith("dev1$")
    assert crypto.decrypt(a, context="t.col") == "440105199001011234"


def test_ciphertext_is_bound_to_its_column():
    token = crypto.encrypt("13800138000", context="identity.Account.phone")
    with pytest.raises(ValueError, match="authentication"):
        crypto.decrypt(token, context="identity.Account.id_number")


def test_tampering_is_detected():
    token = crypto.encrypt("13800138000", context="c")
    key_id, body = token.split("$")
    flipped = body[:-3] + ("A" if body[-3] != "A" else "B") + body[-2:]
    with pytest.raises(ValueError):
        crypto.decrypt(f"{key_id}${flipped}", context="c")


def test_blind_index_is_keyed_normalised_and_purpose_bound(settings):
    a = crypto.blind_index("11010519491231002x", purpose="resident_id")
    assert a == crypto.blind_index(" 11010519491231002X", purpose="resident_id")
    assert a != crypto.blind_index("11010519491231002X", purpose="phone")
    settings.BLIND_INDEX_KEY = "another-key"
    assert a != crypto.blind_index("11010519491231002X", purpose="resident_id")


def test_masks():
    assert crypto.mask_id_number("440105199001011234") == "440105********1234"
    assert crypto.mask_phone("13800138000") == "138****8000"


@pytest.mark.django_db
def test_values_are_encrypted_in_the_database():
    resident = f.citizen(home=f.community("440105001"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM identity_account WHERE id = %s", [resident.pk])
        raw_id, raw_phone = cursor.fetchone()
    assert resident.id_number not in raw_id and raw_id.startswith("dev1$")
    assert "13800138000" not in raw_phone


@pytest.mark.django_db
def test_key_rotation(settings):
    resident = f.citizen(home=f.community("440105001"))
    number = resident.id_number
    settings.FIELD_ENCRYPTION_KEYS = [("k2", "a-brand-new-key"), *settings.FIELD_ENCRYPTION_KEYS]
    assert Account.objects.get(pk=resident.pk).id_number == number  # old key still opens it
    call_command("crypto_rotate")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM identity_account WHERE id = %s", [resident.pk])
        assert cursor.fetchone()[0].startswith("k2$")
    settings.FIELD_ENCRYPTION_KEYS = [("k2", "a-brand-new-key")]  # old key retired
    assert Account.objects.get(pk=resident.pk).id_number == number
