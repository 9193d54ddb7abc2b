"""Fixtures of the exchange's tests.

- `open_catalogue`: every department of the identity demo and the catalogue loaded from
  data/resources.json (all resources published), as {code: DataResource}.
- `open_registry`: a small registry whose aggregates are known cell by cell (`OpenRegistry`):
  persons placed in two streets (with deceased persons and persons placed only at district level,
  who count nowhere), houses of two uses and legal persons of several industries and statuses.
"""

import itertools
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cityhall.core.identifiers import resident_id_make, uscc_make
from cityhall.exchange.models import DataResource
from cityhall.exchange.services.catalogue import catalogue_load
from cityhall.identity.demo import CITY, demo_units_build
from cityhall.registry.models import House, LegalPerson, Person
from cityhall.registry.services.facts import person_build
from cityhall.registry.tests import factories as rf
from cityhall.registry.validation import fingerprint, person_clean

STREET, OTHER_STREET = "440105001", "440106001"  # 赤岗街道 (海珠区), 五山街道 (天河区)
DISTRICT, OTHER_DISTRICT = STREET[:6], OTHER_STREET[:6]

_seq = itertools.count(1)


@pytest.fixture
def open_catalogue(db) -> dict[str, DataResource]:
    demo_units_build()
    catalogue_load(city_code=CITY)
    return {r.code: r for r in DataResource.objects.all()}


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def aged(age: int) -> date:
    """Born so as to have turned `age` 100 days ago."""
    return _years_before(timezone.localdate(), age) - timedelta(days=100)


def turning(age: int, *, in_days: int = 0) -> date:
    """Born so as to turn `age` today (or in `in_days` days)."""
    return _years_before(timezone.localdate() + timedelta(days=in_days), age)


def resident(
    *,
    gender: str,
    birth: date,
    house: House | None,
    hukou: str = DISTRICT,
    status: str = "alive",
) -> Person:
    """A person with a resident ID whose sex digit agrees with `gender`."""
    n = next(_seq)
    sequence = (2 * n + (1 if gender == "M" else 0)) % 1000
    values = person_clean(
        {
            "document_type": "resident_id",
            "document_number": resident_id_make(
                division_code=hukou[:6], birth_date=birth, sequence=sequence
            ),
            "name": "黄小华",
            "hukou_division_code": hukou,
            "status": status,
        }
    )
    person = person_build(values=values, house=house, household=None, source=rf.source())
    person.save()
    return person


def company(*, district: str, industry: str, kind: str = "company", status: str = "active"):
    n = next(_seq)
    uscc = uscc_make(
        authority="9", category="1", division_code=district, organisation_code=f"MA{n:07d}"
    )
    return LegalPerson.objects.create(
        uscc=uscc,
        name=f"广州测试{n}有限公司",
        kind=kind,
        registered_address="广州市测试路1号",
        division_code=district,
        industry=industry,
        status=status,
        established_on=date(2015, 1, 1),
        fingerprint=fingerprint(uscc),
        supplied_by=rf.source(),
        supplied_at=timezone.now(),
    )


def house_in(street: str, *, use: str = "residential", area: str = "88.50") -> House:
    house = rf.house(street_code=street)
    House.objects.filter(pk=house.pk).update(use=use, area=Decimal(area))
    house.refresh_from_db()
    return house


FORMULA_INDUSTRY = '=HYPERLINK("http://example.com","科技")'


@dataclass
class OpenRegistry:
    """What the aggregates must say: true counts per cell, before suppression."""

    population: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    legal_persons: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    houses: Counter[tuple[str, str]] = field(default_factory=Counter)
    floor_area: dict[tuple[str, str], Decimal] = field(default_factory=dict)


@pytest.fixture
def open_registry(db) -> OpenRegistry:
    expected = OpenRegistry()
    homes = [house_in(STREET) for _ in range(6)]
    shops = [house_in(STREET, use="commercial", area="120.25") for _ in range(2)]
    far = house_in(OTHER_STREET)
    expected.houses.update({(DISTRICT, "residential"): 6, (DISTRICT, "commercial"): 2})
    expected.houses[(OTHER_DISTRICT, "residential")] = 1
    expected.floor_area = {
        (DISTRICT, "residential"): Decimal("531.00"),
        (DISTRICT, "commercial"): Decimal("240.50"),
        (OTHER_DISTRICT, "residential"): Decimal("88.50"),
    }

    def living(street: str, band: str, gender: str, births: list[date], house: House) -> None:
        for birth in births:
            resident(gender=gender, birth=birth, house=house)
        expected.population[(street, band, gender)] += len(births)

    living(STREET, "25-44", "M", [aged(30)] * 6, homes[0])
    living(STREET, "25-44", "F", [aged(44)] * 2, homes[1])  # 44: the band's last year
    living(STREET, "75+", "F", [turning(75)] + [aged(90)] * 4, homes[2])
    # The 15th birthday tomorrow: still 0-14.
    living(STREET, "0-14", "M", [turning(15, in_days=1)] + [aged(8)] * 3, homes[3])
    living(OTHER_STREET, "15-24", "F", [turning(15)], far)
    living(STREET, "45-59", "M", [aged(50)], shops[0])
    # Counted nowhere: the deceased, and the living placed only at district level.
    for _ in range(3):
        resident(gender="M", birth=aged(30), house=homes[4], status="deceased")
    resident(gender="F", birth=aged(30), house=None, hukou=DISTRICT)

    def registered(district: str, industry: str, kind: str, n: int, status: str = "active"):
        for _ in range(n):
            company(district=district, industry=industry, kind=kind, status=status)
        if status == "active":
            expected.legal_persons[(district, industry, kind)] += n

    registered(DISTRICT, "科技", "company", 5)
    registered(DISTRICT, "餐饮管理", "individual_business", 2)
    registered(OTHER_DISTRICT, "科技", "company", 7)
    registered(OTHER_DISTRICT, "科技", "company", 3, status="cancelled")
    registered(OTHER_DISTRICT, FORMULA_INDUSTRY, "company", 5)
    return expected
