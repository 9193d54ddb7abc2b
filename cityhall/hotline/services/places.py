"""Where a ticket is (grid → community → street → district) and who should handle it there."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from cityhall.core.errors import DomainError
from cityhall.geo.models import DivisionLevel
from cityhall.geo.selectors import CITY_CODE, division_from_address, locate
from cityhall.hotline.models import Category, HandlerLevel
from cityhall.hotline.services import reference
from cityhall.identity.models import OrgUnit, UnitKind, UnitLevel


@dataclass(frozen=True)
class Place:
    """A resolved location; any part may be unknown (an address naming only a district)."""

    lat: float | None = None
    lng: float | None = None
    address: str = ""
    grid_code: str = ""
    community_id: int | None = None
    street_id: int | None = None
    district_id: int | None = None


def place_resolve(*, lat: float | None, lng: float | None, address: str = "") -> Place:
    """A point is located in its grid; an address alone is matched to the division it names.

    A point outside every grid of the city is refused: the hotline serves this city only.
    """
    address = address.strip()[:200]
    if (lat is None) != (lng is None):
        raise DomainError(_("位置须同时提供纬度和经度"), code="location_incomplete")
    if lat is not None and lng is not None:
        found = locate(lat=lat, lng=lng)
        if not found.inside:
            raise DomainError(found.message or _("该位置不在本市范围内"), code="outside_city")
        return Place(
            lat=lat,
            lng=lng,
            address=address,
            grid_code=found.grid_code or "",
            community_id=reference.division_id(found.community_code or ""),
            street_id=reference.division_id(found.street_code or ""),
            district_id=reference.division_id(found.district_code or ""),
        )
    division = division_from_address(address) if address else None
    if division is None:
        return Place(address=address)
    chain = {division.level: division}
    parent = division.parent
    while parent is not None:
        chain[parent.level] = parent
        parent = parent.parent
    community = chain.get(DivisionLevel.COMMUNITY)
    street = chain.get(DivisionLevel.STREET)
    district = chain.get(DivisionLevel.DISTRICT)
    return Place(
        address=address,
        community_id=community.pk if community else None,
        street_id=street.pk if street else None,
        district_id=district.pk if district else None,
    )


def _default_unit_code(category: Category, place: Place) -> str | None:
    level = category.handler_level
    if level in (HandlerLevel.STREET, HandlerLevel.DISTRICT_DEPT):
        division_id = place.street_id if level == HandlerLevel.STREET else place.district_id
        division = None if division_id is None else reference.division_code(division_id)
        return None if division is None else f"{division}-{category.unit_suffix}"
    return f"{CITY_CODE}-{category.unit_suffix}"


def route_unit(*, category: Category, place: Place) -> OrgUnit | None:
    """The handling unit for this category here: the most specific routing rule (street, then
    district, then citywide), else the category's default handler; None when the place is too
    vaguely known (a dispatcher decides)."""
    rules = reference.routes_of(category.pk)
    for pk in (place.street_id, place.district_id):
        if pk is not None and pk in rules:
            return reference.unit_by_pk(rules[pk])
    if None in rules:
        return reference.unit_by_pk(rules[None])
    code = _default_unit_code(category, place)
    return None if code is None else reference.unit_by_code(code)


def is_centre(unit: OrgUnit) -> bool:
    return unit.kind == UnitKind.HOTLINE_CENTRE


def district_centre(district_id: int) -> OrgUnit | None:
    return reference.district_centre_unit(district_id)


def city_centre() -> OrgUnit:
    centre = reference.city_centre_unit()
    if centre is None:
        raise DomainError(_("尚未设置市热线中心"), code="no_hotline_centre")
    return centre


def dispatch_targets_allowed(*, centre: OrgUnit, target: OrgUnit) -> bool:
    """Three-level dispatch (市区街三级调度): the city centre sends to district centres and city
    units; a district centre to its streets and its district's departments."""
    if not is_centre(centre) or target.pk == centre.pk or not target.is_active:
        return False
    if centre.level == UnitLevel.CITY:
        if is_centre(target):
            return target.level == UnitLevel.DISTRICT
        return target.level == UnitLevel.CITY and target.kind != UnitKind.SERVICE_CENTRE
    if centre.level == UnitLevel.DISTRICT:
        district = centre.division
        if is_centre(target) or target.kind == UnitKind.SERVICE_CENTRE:
            return False
        if target.level == UnitLevel.DISTRICT:
            return target.division_id == district.pk
        if target.level == UnitLevel.STREET:
            return target.division.parent_id == district.pk
    return False


def next_hop(*, centre: OrgUnit, routed: OrgUnit | None, district_id: int | None) -> OrgUnit | None:
    """Where the centre should send a ticket routed to `routed`: straight there when allowed,
    else through the district centre of the ticket's district."""
    if routed is None or is_centre(routed):
        return None  # unplaced, or the hotline answers it itself (热线直办)
    if dispatch_targets_allowed(centre=centre, target=routed):
        return routed
    if centre.level == UnitLevel.CITY and district_id is not None:
        return district_centre(district_id)
    return None
