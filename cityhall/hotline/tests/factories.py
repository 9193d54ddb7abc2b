"""Builders for hotline tests: a small city (demo grids, hotline centres, the units categories
route to in 海珠区 440105 and its street 赤岗 440105001), its staff, and points inside grids."""

from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from shapely.geometry import shape

from cityhall.geo.models import Division, Grid
from cityhall.geo.services import demo_layout_build
from cityhall.hotline.models import Channel, InspectorGrid
from cityhall.hotline.services.intake import TicketDraft
from cityhall.identity.models import Account, OrgUnit, UnitKind, UnitLevel
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as people

CITY, DISTRICT, STREET, OTHER_STREET = "440100", "440105", "440105001", "440105002"
OTHER_DISTRICT = "440106"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def unit(code: str, *, kind: str, name: str = "") -> OrgUnit:
    """The unit `<division>-<suffix>` (e.g. 440105-CG, 440105001-JD, 440100-RX)."""
    division_code, _suffix = code.split("-", 1)
    division = Division.objects.get(code=division_code)
    level = {6: UnitLevel.DISTRICT, 9: UnitLevel.STREET}.get(len(division_code), UnitLevel.CITY)
    if division_code == CITY:
        level = UnitLevel.CITY
    found, _created = OrgUnit.objects.get_or_create(
        code=code,
        defaults={"name": name or code, "kind": kind, "level": level, "division": division},
    )
    return found


@dataclass
class HotlineCity:
    city_centre: OrgUnit
    district_centre: OrgUnit
    other_district_centre: OrgUnit
    street_office: OrgUnit
    other_street_office: OrgUnit
    district_cg: OrgUnit
    city_operator: Account
    city_dispatcher: Account
    district_dispatcher: Account
    other_district_dispatcher: Account
    street_officer: Account
    other_street_officer: Account
    district_officer: Account
    inspector: Account
    supervisor: Account
    citizen: Account


def hotline_city() -> HotlineCity:
    """Grids everywhere (one community per street, two grids each) and the hotline's units."""
    if not Grid.objects.exists():
        demo_layout_build(communities_per_street=1, grids_per_community=2)
    K = UnitKind
    city_centre = unit(f"{CITY}-RX", kind=K.HOTLINE_CENTRE, name="市12345热线中心")
    district_centre = unit(f"{DISTRICT}-RX", kind=K.HOTLINE_CENTRE, name="海珠区热线分中心")
    other_centre = unit(f"{OTHER_DISTRICT}-RX", kind=K.HOTLINE_CENTRE, name="天河区热线分中心")
    street_office = unit(f"{STREET}-JD", kind=K.STREET_OFFICE, name="赤岗街道办事处")
    other_street = unit(f"{OTHER_STREET}-JD", kind=K.STREET_OFFICE, name="新港街道办事处")
    district_cg = unit(f"{DISTRICT}-CG", kind=K.DEPARTMENT_BRANCH, name="海珠区城管局")
    for suffix in ("SW", "ZJ", "HB", "JJ", "SJ", "RS", "MZ"):
        unit(f"{DISTRICT}-{suffix}", kind=K.DEPARTMENT_BRANCH)
    for suffix in ("JT", "ZLS", "RQ", "GD"):
        unit(f"{CITY}-{suffix}", kind=K.UTILITY if suffix != "JT" else K.DEPARTMENT)
    inspector = people.staff(unit=street_office, roles=[Role.GRID_INSPECTOR])
    for grid in Grid.objects.filter(code__startswith=STREET):
        InspectorGrid.objects.get_or_create(inspector=inspector, grid=grid)
    return HotlineCity(
        city_centre=city_centre,
        district_centre=district_centre,
        other_district_centre=other_centre,
        street_office=street_office,
        other_street_office=other_street,
        district_cg=district_cg,
        city_operator=people.staff(unit=city_centre, roles=[Role.HOTLINE_OPERATOR]),
        city_dispatcher=people.staff(unit=city_centre, roles=[Role.DISPATCHER]),
        district_dispatcher=people.staff(unit=district_centre, roles=[Role.DISPATCHER]),
        other_district_dispatcher=people.staff(unit=other_centre, roles=[Role.DISPATCHER]),
        street_officer=people.staff(unit=street_office, roles=[Role.HANDLING_OFFICER]),
        other_street_officer=people.staff(unit=other_street, roles=[Role.HANDLING_OFFICER]),
        district_officer=people.staff(unit=district_cg, roles=[Role.HANDLING_OFFICER]),
        inspector=inspector,
        supervisor=people.staff(
            unit=unit(f"{DISTRICT}-ZS", kind=K.DEPARTMENT_BRANCH), roles=[Role.SUPERVISOR]
        ),
        citizen=people.citizen(home=people.community(STREET)),
    )


def point_in(street_code: str = STREET, n: int = 0) -> tuple[float, float]:
    """(lat, lng) strictly inside the n-th grid of a street."""
    grid = Grid.objects.filter(code__startswith=street_code).order_by("code")[n]
    point = shape(grid.boundary).representative_point()
    return point.y, point.x


VENDING = "小区门口每天晚上有人占道经营摆摊卖烧烤，堵住人行道"


def draft(hc: HotlineCity, **changes: object) -> TicketDraft:
    """A phone call about street vending inside a grid of 440105001, taken by the city operator."""
    lat, lng = point_in()
    values: dict[str, object] = {
        "description": VENDING,
        "channel": Channel.PHONE,
        "category_code": "CG01",
        "lat": lat,
        "lng": lng,
        "reporter_name": "王大明",
        "reporter_phone": "13900001111",
        "received_by": hc.city_operator,
    }
    values.update(changes)
    return TicketDraft(**values)  # type: ignore[arg-type]


def photo(name: str = "photo.png", content: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")
