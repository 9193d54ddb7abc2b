"""Builders for registry tests: a grid, houses in it, persons with valid documents."""

import itertools
from datetime import date
from decimal import Decimal

from django.utils import timezone

from cityhall.core.identifiers import resident_id_make
from cityhall.geo.models import Grid
from cityhall.identity.models import OrgUnit
from cityhall.identity.tests import factories as idf
from cityhall.registry.models import Benefit, Building, BuildingUnit, House, Person
from cityhall.registry.services.facts import person_build
from cityhall.registry.validation import person_clean

_seq = itertools.count(1)


def source() -> OrgUnit:
    return idf.unit("440100")


def grid(street_code: str = "440105001") -> Grid:
    community = idf.community(street_code)
    code = f"{community.code}001"
    square = [[113.3, 23.1], [113.31, 23.1], [113.31, 23.11], [113.3, 23.11], [113.3, 23.1]]
    obj, _created = Grid.objects.get_or_create(
        code=code,
        defaults={
            "name": f"{community.name}第1网格",
            "community": community,
            "boundary": {"type": "Polygon", "coordinates": [square]},
            "min_lat": 23.1,
            "min_lng": 113.3,
            "max_lat": 23.11,
            "max_lng": 113.31,
        },
    )
    return obj


def house(*, street_code: str = "440105001", number: str | None = None) -> House:
    g = grid(street_code)
    now = timezone.now()
    building, _created = Building.objects.get_or_create(
        code=f"B{g.code}",
        defaults={
            "name": "1栋",
            "address": f"{g.community.parent.name}测试路1号",  # type: ignore[union-attr]
            "grid": g,
            "floors": 20,
            "supplied_by": source(),
            "supplied_at": now,
        },
    )
    unit, _created = BuildingUnit.objects.get_or_create(
        building=building, number="1", defaults={"supplied_by": source(), "supplied_at": now}
    )
    number = number or f"{next(_seq):04d}"
    return House.objects.create(
        code=f"{building.code}-1-{number}",
        unit=unit,
        number=number,
        floor=5,
        use="residential",
        area=Decimal("88.50"),
        area_code=g.code,
        supplied_by=source(),
        supplied_at=now,
    )


def person(
    *,
    name: str = "黄小华",
    house: House | None = None,
    birth: date = date(1985, 3, 9),
    district: str = "440105",
    phone: str = "13912345678",
) -> Person:
    number = resident_id_make(division_code=district, birth_date=birth, sequence=next(_seq) % 1000)
    values = person_clean(
        {
            "document_type": "resident_id",
            "document_number": number,
            "name": name,
            "hukou_division_code": district,
            "phone": phone,
        }
    )
    built = person_build(values=values, house=house, household=None, source=source())
    built.save()
    return built


def benefit(
    *,
    person: Person,
    kind: str = "pension",
    amount: str = "3456.70",
    since: date = date(2020, 5, 1),
    until: date | None = None,
) -> Benefit:
    return Benefit.objects.create(
        person=person,
        kind=kind,
        monthly_amount=Decimal(amount),
        since=since,
        until=until,
        supplied_by=source(),
        supplied_at=timezone.now(),
    )
