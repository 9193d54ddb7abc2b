import pytest
from django.apps import apps
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from cityhall.core.identifiers import resident_id_parse, uscc_parse
from cityhall.identity.models import Account, AccountKind, EnterpriseMandate, StaffRole
from cityhall.identity.roles import Role

pytestmark = pytest.mark.django_db

SMALL = {
    "citizens": 60,
    "enterprises": 10,
    "communities_per_street": 1,
    "grids_per_community": 1,
    "quiet_accounts": True,
    "force": True,
}


def _snapshot() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_seed_demo_is_idempotent_and_valid(capsys):
    call_command("seed_demo", **SMALL)
    first = _snapshot()
    call_command("seed_demo", **SMALL)
    assert _snapshot() == first

    citizens = Account.objects.filter(kind=AccountKind.CITIZEN).select_related(
        "home_division__parent__parent"
    )
    assert citizens.count() == 60
    for citizen in citizens:
        parsed = resident_id_parse(citizen.id_number)
        assert parsed.birth_date == citizen.birth_date
        assert parsed.division_code == citizen.home_division.parent.parent.code  # type: ignore[union-attr]
        assert parsed.gender == citizen.gender
    for mandate in EnterpriseMandate.objects.all():
        assert uscc_parse(mandate.uscc).code == mandate.uscc
    assert EnterpriseMandate.objects.count() == 10

    # Every role in at least two districts (and the city), each with a confirmed authenticator.
    for role in Role.values:
        districts = {
            r.account.unit.division.code[:6]  # type: ignore[union-attr]
            for r in StaffRole.objects.filter(role=role).select_related("account__unit__division")
        }
        assert {"440105", "440106"} <= districts, role
    staff = Account.objects.filter(kind=AccountKind.STAFF)
    assert TOTPDevice.objects.filter(confirmed=True, user__in=staff).count() == staff.count()
