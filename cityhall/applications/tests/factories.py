"""Builders for application tests: the units an item's lanes route to, reviewers, a clerk, a
citizen living in 赤岗街道 (440105001), and small valid uploads."""

from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from cityhall.core.identifiers import resident_id_make
from cityhall.geo.models import Division
from cityhall.identity.models import Account, OrgUnit, UnitKind, UnitLevel
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as people

STREET = "440105001"
DISTRICT = "440105"
CITY = "440100"
PDF = b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def department_unit(division_code: str, suffix: str) -> OrgUnit:
    """The unit `<division>-<suffix>` that a catalogue department routes to."""
    division = Division.objects.get(code=division_code)
    if division_code == CITY:
        level = UnitLevel.CITY
    elif len(division_code) == 6:
        level = UnitLevel.DISTRICT
    else:
        level = UnitLevel.STREET
    kind = {
        "FW": UnitKind.SERVICE_CENTRE,
        "JD": UnitKind.STREET_OFFICE,
        "ZS": UnitKind.DEPARTMENT,
    }.get(suffix, UnitKind.DEPARTMENT if level == UnitLevel.CITY else UnitKind.DEPARTMENT_BRANCH)
    unit, _created = OrgUnit.objects.get_or_create(
        code=f"{division_code}-{suffix}",
        defaults={
            "name": f"{division.name}{suffix}",
            "kind": kind,
            "level": level,
            "division": division,
        },
    )
    return unit


def reviewer(division_code: str, suffix: str) -> Account:
    return people.staff(
        unit=department_unit(division_code, suffix), roles=[Role.DEPARTMENT_REVIEWER]
    )


def clerk(division_code: str = STREET) -> Account:
    return people.staff(unit=department_unit(division_code, "FW"), roles=[Role.WINDOW_CLERK])


def supervisor(division_code: str = DISTRICT) -> Account:
    return people.staff(unit=department_unit(division_code, "ZS"), roles=[Role.SUPERVISOR])


def resident(name: str = "陈小明") -> Account:
    return people.citizen(home=people.community(STREET), name=name)


def pdf(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def form_values(fields: list[dict[str, Any]]) -> dict[str, str]:
    """A valid value for every field of an item's form."""
    values = {
        "text": "测试",
        "textarea": "测试说明",
        "number": "2",
        "date": "2026-11-02",
        "phone": "13800138000",
        "id_number": resident_id_make(
            division_code="440105", birth_date=date(1991, 3, 4), sequence=123
        ),
        "uscc": "91110000600037341L",
    }
    return {
        spec["key"]: spec["choices"][0] if spec["type"] == "choice" else values[spec["type"]]
        for spec in fields
    }
