"""Builders for exchange tests, on top of the test city (cityhall.exchange.tests.city):
registry facts that cross-checks read (companies, jobs, contributions, benefits) and the
cross-check systems of the social insurance fund centre (SB) and civil affairs (MZ)."""

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from cityhall.core.identifiers import uscc_make
from cityhall.exchange.models import AccessGrant, ClientSystem
from cityhall.exchange.services import clients
from cityhall.exchange.tests.city import ExchangeCity, department, grant_approved
from cityhall.exchange.vocab import Purpose
from cityhall.identity.models import OrgUnit
from cityhall.registry.models import Benefit, Contribution, Employment, LegalPerson, Person
from cityhall.registry.tests import factories as rf

_seq = itertools.count(1)


# Registry facts ------------------------------------------------------------------------------


def company(*, name: str = "", status: str = "active") -> LegalPerson:
    n = next(_seq)
    return LegalPerson.objects.create(
        uscc=uscc_make(
            authority="9", category="1", division_code="440105", organisation_code=f"{n:09d}"
        ),
        name=name or f"广州测试{n}号有限公司",
        kind="company",
        registered_address="海珠区测试路1号",
        division_code="440105",
        industry="软件和信息技术服务业",
        status=status,
        established_on=date(2015, 6, 1),
        fingerprint=f"test-company-{n}",
        supplied_by=rf.source(),
        supplied_at=timezone.now(),
    )


def person(*, name: str = "黄小华", status: str = "alive") -> Person:
    found = rf.person(name=name)
    if status != found.status:
        found.status = status
        found.save(update_fields=["status"])
    return found


def job(
    person: Person,
    employer: LegalPerson,
    *,
    since: date = date(2024, 1, 1),
    until: date | None = None,
    wage_band: str = "5000_10000",
) -> Employment:
    return Employment.objects.create(
        person=person,
        employer=employer,
        since=since,
        until=until,
        wage_band=wage_band,
        supplied_by=department("RS"),
        supplied_at=timezone.now(),
    )


def contribution(
    person: Person,
    month: date,
    *,
    employer: LegalPerson | None = None,
    status: str = "paid",
    base: Decimal | int = 6000,
) -> Contribution:
    return Contribution.objects.create(
        person=person,
        month=month,
        employer=employer,
        status=status,
        base=Decimal(base),
        supplied_by=department("SB"),
        supplied_at=timezone.now(),
    )


def benefit(
    person: Person,
    *,
    kind: str = "unemployment",
    since: date = date(2026, 5, 1),
    until: date | None = None,
    amount: Decimal | int = 1980,
    paid_by: OrgUnit | None = None,
) -> Benefit:
    return Benefit.objects.create(
        person=person,
        kind=kind,
        monthly_amount=Decimal(amount),
        since=since,
        until=until,
        supplied_by=paid_by or department("SB"),
        supplied_at=timezone.now(),
    )


# Cross-check systems -------------------------------------------------------------------------

SB_CLIENT = "440100-sb-crosscheck"
MZ_CLIENT = "440100-mz-crosscheck"

# What each system's department must be granted (its own resources need no grant).
CROSSCHECK_GRANTS: dict[str, list[tuple[str, list[str]]]] = {
    "SB": [
        ("person-benefits", ["benefits", "amounts"]),
        ("person-employment", ["employed", "employer_name", "employer_uscc", "since", "wage_band"]),
        ("company-basic", ["name", "status"]),
    ],
    "MZ": [("person-basic", ["name", "status"])],
}


@dataclass
class CrosscheckSystems:
    sb: ClientSystem
    mz: ClientSystem
    grants: dict[str, AccessGrant]  # by "<department suffix>:<resource code>"


def crosscheck_systems(city: ExchangeCity, *, without: tuple[str, ...] = ()) -> CrosscheckSystems:
    """The SB and MZ cross-check systems with their grants for the purpose cross_check, except
    those named in `without` ("SB:person-employment")."""
    systems = {
        suffix: clients.client_register(
            actor=city.stewards[suffix], client_id=client_id, name=f"{suffix} 跨部门数据比对系统"
        ).client
        for suffix, client_id in (("SB", SB_CLIENT), ("MZ", MZ_CLIENT))
    }
    grants = {
        f"{suffix}:{resource}": grant_approved(
            city,
            resource=resource,
            fields=fields,
            purpose=Purpose.CROSS_CHECK,
            requester=suffix,
        )
        for suffix, needs in CROSSCHECK_GRANTS.items()
        for resource, fields in needs
        if f"{suffix}:{resource}" not in without
    }
    return CrosscheckSystems(systems["SB"], systems["MZ"], grants)
