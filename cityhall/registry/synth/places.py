"""Places of the synthetic city: its districts and their grids (read from the database), and
the buildings whose houses are handed out one by one."""

from cityhall.core.errors import DomainError
from cityhall.geo.models import Grid
from cityhall.registry.synth.tables import (
    _DISTRICT_POPULATION,
    _ROAD_SUFFIXES,
    _BuildingKind,
    _mix_for,
    _table,
)


class _Building:
    """A building whose houses are handed out one by one."""

    __slots__ = (
        "built_day",
        "code",
        "kind",
        "per_floor",
        "per_unit",
        "position",
        "row_prefix",
        "shop_floors",
        "stride",
        "total",
    )

    def __init__(
        self,
        *,
        kind: _BuildingKind,
        code: str,
        row_prefix: str,
        built_day: int,
        units: int,
        floors: int,
        per_floor: int,
        shop_floors: int,
    ) -> None:
        self.kind = kind
        self.code = code
        self.row_prefix = row_prefix  # the building's columns of a houses.csv row
        self.built_day = built_day
        self.per_floor = per_floor
        self.per_unit = floors * per_floor
        self.total = units * self.per_unit
        self.shop_floors = shop_floors
        self.position = 0
        # Houses are handed out in a strided order, so that a building only partly filled at
        # the end of a run is a fair sample of its floors, not its ground-floor shops.
        self.stride = next(p for p in (97, 89, 83) if self.total % p)


class _Place:
    """One grid, with the building of each kind being filled in it."""

    __slots__ = (
        "buildings",
        "district",
        "estate",
        "grid_code",
        "road",
        "started",
        "stem",
        "street_code",
        "street_name",
    )

    def __init__(
        self, *, grid_code: str, district: "_District", street_code: str, street_name: str
    ) -> None:
        self.grid_code = grid_code
        self.district = district
        self.street_code = street_code
        self.street_name = street_name
        self.stem = street_name.removesuffix("街道").removesuffix("镇").removesuffix("街")
        self.road = ""
        self.estate = ""
        self.started = 0  # buildings started here: numbers the codes and the street numbers
        self.buildings: dict[str, _Building] = {}


class _District:
    __slots__ = ("code", "id_index", "kinds", "name", "places")

    def __init__(self, *, code: str, name: str) -> None:
        self.code = code
        self.name = name
        self.id_index = 0  # of its code among the ID division codes
        self.places: list[_Place] = []
        self.kinds = _table(_mix_for(code))


def _districts_load() -> list[_District]:
    """The city's districts that have grids, with their grids, from the database."""
    rows = (
        Grid.objects.filter(code__startswith="4401")
        .order_by("code")
        .values_list(
            "code",
            "community__parent__code",
            "community__parent__name",
            "community__parent__parent__code",
            "community__parent__parent__name",
        )
    )
    districts: dict[str, _District] = {}
    for grid_code, street_code, street_name, district_code, district_name in rows:
        if district_code not in _DISTRICT_POPULATION:
            continue  # not under a district of the city: nowhere to count its people
        district = districts.get(district_code)
        if district is None:
            district = districts[district_code] = _District(code=district_code, name=district_name)
        district.places.append(
            _Place(
                grid_code=grid_code,
                district=district,
                street_code=street_code,
                street_name=street_name,
            )
        )
    if not districts:
        raise DomainError(
            "There are no grids in the database, and synthetic houses are placed in grids. "
            "Run `manage.py seed_demo` (or `manage.py geo_demo_layout`) first.",
            code="no_grids",
        )
    ordered = [districts[code] for code in sorted(districts)]
    for index, district in enumerate(ordered):
        district.id_index = index
        # Neighbouring grids of a street get different roads, so addresses rarely repeat.
        per_street: dict[str, int] = {}
        for place in district.places:
            k = per_street.get(place.street_code, 0)
            per_street[place.street_code] = k + 1
            rounds, suffix = divmod(k, len(_ROAD_SUFFIXES))
            prefix = "新东西南北"[(rounds - 1) % 5] if rounds else ""
            place.road = f"{place.stem}{prefix}{_ROAD_SUFFIXES[suffix]}"
    return ordered
