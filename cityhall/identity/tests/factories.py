"""Builders for identity tests: communities, units, staff and citizens with valid ID numbers."""

import itertools
from datetime import date

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cityhall.core.identifiers import resident_id_make
from cityhall.geo.models import Division, DivisionLevel
from cityhall.identity import cards, services
from cityhall.identity.models import Account, OrgUnit, SocialSecurityCard, UnitKind, UnitLevel

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def community(street_code: str, n: int = 1) -> Division:
    street = Division.objects.get(code=street_code)
    div, _created = Division.objects.get_or_create(
        code=f"{street_code}{n:03d}",
        defaults={
            "name": f"{street.name}第{n}社区",
            "level": DivisionLevel.COMMUNITY,
            "parent": street,
        },
    )
    return div


def unit(division_code: str, *, kind: str | None = None) -> OrgUnit:
    division = Division.objects.get(code=division_code)
    level = {
        DivisionLevel.CITY: UnitLevel.CITY,
        DivisionLevel.DISTRICT: UnitLevel.DISTRICT,
        DivisionLevel.STREET: UnitLevel.STREET,
    }[DivisionLevel(division.level)]
    default_kind = {
        UnitLevel.CITY: UnitKind.DEPARTMENT,
        UnitLevel.DISTRICT: UnitKind.DEPARTMENT_BRANCH,
        UnitLevel.STREET: UnitKind.STREET_OFFICE,
    }[level]
    obj, _created = OrgUnit.objects.get_or_create(
        code=f"{division_code}-T{kind or ''}",
        defaults={
            "name": f"{division.name}测试单位",
            "kind": kind or default_kind,
            "level": level,
            "division": division,
        },
    )
    return obj


def staff(*, unit: OrgUnit, roles: list[str], username: str | None = None) -> Account:
    return services.staff_create(
        username=username or f"staff{next(_seq)}",
        real_name="测试人员",
        unit=unit,
        roles=roles,
        password=PASSWORD,
    )


def citizen(*, home: Division, name: str = "陈小明", birth: date = date(1990, 5, 17)) -> Account:
    assert home.parent is not None and home.parent.parent is not None
    number = resident_id_make(
        division_code=home.parent.parent.code, birth_date=birth, sequence=next(_seq) % 1000
    )
    return services.citizen_register(
        id_number=number, real_name=name, password=PASSWORD, phone="13800138000", home_division=home
    )


def totp_device(account: Account) -> TOTPDevice:
    device, _created = TOTPDevice.objects.get_or_create(
        user=account, name="test", defaults={"confirmed": True}
    )
    return device


def signed_in(client: Client, account: Account) -> Client:
    """A client signed in as the account; staff sessions carry a verified TOTP device."""
    client.force_login(account)
    if account.is_staff_member:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device(account).persistent_id
        session.save()
    return client


CARD_PIN = "246810"


def card(
    *, holder: Account, clerk: Account | None = None, pin: str = CARD_PIN
) -> SocialSecurityCard:
    """An active social security card for the holder, issued by a window clerk."""
    issuer = clerk or staff(unit=unit("440105001"), roles=["window_clerk"])
    return cards.card_issue(
        holder=holder,
        by=issuer,
        pin=pin,
        bank_account="6222020200112233446",
        bank_name="工商银行",
    )
