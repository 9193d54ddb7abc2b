"""Reads of the geo domain: divisions, grids, code-prefix scopes, and locating a point in a grid."""

import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from django.db.models import Count, Func, IntegerField, Max, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from shapely.geometry import shape

from cityhall.core.errors import NotFoundError
from cityhall.geo.geometry import lat_lng_check
from cityhall.geo.models import Division, DivisionLevel, Grid

CITY_CODE = "440100"
OUTSIDE_MESSAGE = gettext_noop("该位置不在本市网格范围内")


def scope_prefix(division: Division) -> str:
    """The code prefix that selects this division and everything under it (440100 → "4401")."""
    # A prefecture-level city's own code ends in "00", which its districts do not share; its
    # districts, streets, communities and grids all start with the first four digits.
    if division.level == DivisionLevel.CITY:
        return division.code[:4]
    return division.code


def division_get(code: str) -> Division:
    """One division with its parent chain loaded, or NotFoundError."""
    division = Division.objects.select_related("parent__parent__parent").filter(code=code).first()
    if division is None:
        raise NotFoundError(_("行政区划 %(code)s 不存在") % {"code": code})
    return division


def division_ancestors(division: Division) -> list[Division]:
    """The divisions above this one, from the top (the city) down to its parent."""
    chain = []
    parent = division.parent
    while parent is not None:
        chain.append(parent)
        parent = parent.parent
    return chain[::-1]


def division_children(division: Division) -> QuerySet[Division]:
    """The divisions directly under this one, ordered by code."""
    return Division.objects.filter(parent=division).order_by("code")


@dataclass(frozen=True, slots=True)
class DivisionCounts:
    """A division with the sizes of what lies under it."""

    division: Division
    child_count: int
    town_count: int  # children that are towns (镇) rather than sub-districts (街道)
    grid_count: int  # grids in it at any depth

    @property
    def subdistrict_count(self) -> int:
        return self.child_count - self.town_count


def division_children_counted(division: Division) -> list[DivisionCounts]:
    """Direct children with their own child, town and grid counts, in one query."""
    # A child's code is the prefix of every grid code under it (grids nest by code).
    grids_under = (
        Grid.objects.filter(code__startswith=OuterRef("code"))
        .order_by()
        .annotate(n=Func("pk", function="COUNT"))
        .values("n")[:1]
    )
    rows = division_children(division).annotate(
        n_children=Count("children", distinct=True),
        n_towns=Count("children", filter=Q(children__name__endswith="镇"), distinct=True),
        n_grids=Subquery(grids_under, output_field=IntegerField()),
    )
    return [
        DivisionCounts(
            division=row,
            child_count=row.n_children,
            town_count=row.n_towns,
            grid_count=row.n_grids,
        )
        for row in rows
    ]


def district_list(*, city_code: str = CITY_CODE) -> list[DivisionCounts]:
    """The city's districts, each with its counts of sub-districts (街道) and towns (镇)."""
    return [
        row
        for row in division_children_counted(division_get(city_code))
        if row.division.level == DivisionLevel.DISTRICT
    ]


def grids_of(division: Division) -> QuerySet[Grid]:
    """Every grid in this division, at any depth, ordered by code."""
    return (
        Grid.objects.filter(code__startswith=scope_prefix(division))
        .select_related("community")
        .order_by("code")
    )


# ---------------------------------------------------------------------------------------------
# Locate


@dataclass(frozen=True, slots=True)
class LocateResult:
    """Which grid a point falls in and the divisions above it; or that it is outside them all."""

    inside: bool
    grid_code: str | None = None
    grid_name: str | None = None
    community_code: str | None = None
    community_name: str | None = None
    street_code: str | None = None
    street_name: str | None = None
    district_code: str | None = None
    district_name: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class _Gazetteer:
    # name → divisions of that name, longest names first so "南华西街" beats "华西".
    districts: tuple[tuple[str, int], ...]
    streets: tuple[tuple[str, int, int], ...]  # (name, id, district id)
    communities: tuple[tuple[str, int, int], ...]  # (name, id, street id)


@dataclass(frozen=True, slots=True)
class _GridIndex:
    stamp: tuple[object, ...]
    tree: shapely.STRtree
    # Answers are built once per grid, so a hit costs a lookup, not a query.
    answers: tuple[LocateResult, ...]
    gazetteer: "_Gazetteer"


# The index lives in each process and is rebuilt when grids or divisions change. Services that
# write them call locate_index_invalidate(), which makes the change visible at once in this
# process; other processes (web workers, Celery) cannot be told, so each also compares a cheap
# database stamp (row counts and latest updated_at) at most every INDEX_RECHECK_SECONDS. That
# bounds staleness there to a few seconds while keeping the database off the per-call path.
INDEX_RECHECK_SECONDS = 5.0
_lock = threading.Lock()
_index: _GridIndex | None = None
_generation = 0
_checked_generation = -1
_checked_at = 0.0


def locate_index_invalidate() -> None:
    """Make the next locate() compare the database with the cached grid index."""
    global _generation
    _generation += 1


def _index_stamp() -> tuple[object, ...]:
    grids = Grid.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    divisions = Division.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    return (grids["n"], grids["last"], divisions["n"], divisions["last"])


def _index_build(stamp: tuple[object, ...]) -> _GridIndex:
    rows = Grid.objects.order_by("code").values_list(
        "code",
        "name",
        "boundary",
        "community__code",
        "community__name",
        "community__parent__code",
        "community__parent__name",
        "community__parent__level",
        "community__parent__parent__code",
        "community__parent__parent__name",
        "community__parent__parent__level",
    )
    geometries = []
    answers = []
    for row in rows:
        code, name, boundary, c_code, c_name, s_code, s_name, s_level, d_code, d_name, d_level = row
        geometries.append(shape(boundary))
        is_street = s_level == DivisionLevel.STREET
        is_district = is_street and d_level == DivisionLevel.DISTRICT
        answers.append(
            LocateResult(
                inside=True,
                grid_code=code,
                grid_name=name,
                community_code=c_code,
                community_name=c_name,
                street_code=s_code if is_street else None,
                street_name=s_name if is_street else None,
                district_code=d_code if is_district else None,
                district_name=d_name if is_district else None,
            )
        )
    polygons = np.asarray(geometries, dtype=object)
    shapely.prepare(polygons)
    return _GridIndex(
        stamp=stamp,
        tree=shapely.STRtree(polygons),
        answers=tuple(answers),
        gazetteer=_gazetteer_build(),
    )


def _grid_index() -> _GridIndex:
    global _index, _checked_generation, _checked_at
    index = _index
    if (
        index is not None
        and _checked_generation == _generation
        and time.monotonic() - _checked_at < INDEX_RECHECK_SECONDS
    ):
        return index
    with _lock:
        # An invalidation that arrives while this check runs bumps _generation again, so it
        # is not lost: the next call checks once more.
        generation = _generation
        stamp = _index_stamp()
        if _index is None or _index.stamp != stamp:
            _index = _index_build(stamp)
        _checked_generation, _checked_at = generation, time.monotonic()
        return _index


def locate(*, lat: float, lng: float) -> LocateResult:
    """The grid → community → street → district at a WGS84 point, or an 'outside' answer."""
    lat_lng_check(lat=lat, lng=lng)
    index = _grid_index()
    hits = index.tree.query(shapely.Point(lng, lat), predicate="intersects")
    if len(hits) == 0:
        return LocateResult(inside=False, message=_(OUTSIDE_MESSAGE))
    # A point on a shared edge touches several grids; the tree holds them in code order, so
    # the lowest index is the grid with the smallest code, every time.
    return index.answers[int(hits.min())]


# ---------------------------------------------------------------------------------------------
# Address → division


def _gazetteer_build() -> _Gazetteer:
    rows = list(Division.objects.values_list("id", "name", "level", "parent_id"))
    by_length = sorted(rows, key=lambda r: -len(r[1]))

    def named(level: str) -> tuple[tuple[str, int, int], ...]:
        return tuple((r[1], r[0], r[3]) for r in by_length if r[2] == level)

    return _Gazetteer(
        districts=tuple((n, pk) for n, pk, _parent in named(DivisionLevel.DISTRICT)),
        streets=named(DivisionLevel.STREET),
        communities=named(DivisionLevel.COMMUNITY),
    )


def division_from_address(address: str) -> Division | None:
    """The most specific division an address names (community, street or district), or None.

    Street names are unique within a district and community names within a street, so a
    community only counts when its street is named (or is the only one of that name).
    """
    text = address.strip()
    if not text:
        return None
    # Division names live in the grid index: one cache, one stamp, one invalidation.
    gazetteer = _grid_index().gazetteer
    district = next((pk for name, pk in gazetteer.districts if name in text), None)
    streets = [
        (name, pk)
        for name, pk, parent in gazetteer.streets
        if name in text and (district is None or parent == district)
    ]
    street = streets[0][1] if streets else None
    if sum(1 for name, _pk in streets if name == streets[0][0]) > 1:
        street = None  # the same street name in two districts: ambiguous without the district
    if street is not None:
        community = next(
            (pk for name, pk, parent in gazetteer.communities if parent == street and name in text),
            None,
        )
        found = community or street
    elif district is not None:
        found = district
    else:
        return None
    return Division.objects.select_related("parent__parent").get(pk=found)
