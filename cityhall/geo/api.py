"""Public JSON API of the geo domain (mounted at /api/v1/geo/): locate a point, browse divisions."""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from cityhall.geo.models import Division, DivisionLevel
from cityhall.geo.selectors import (
    division_ancestors,
    division_children_counted,
    division_get,
    grids_of,
    locate,
)

router = Router()

GRIDS_PAGE_MAX = 1000
GRIDS_PAGE_DEFAULT = 500

LevelCode = Literal["city", "district", "street", "community"]
DIVISION_CODE = Path(
    description="Division code: 440100 (the city), a 6-digit district, 9-digit street or "
    "12-digit community code."
)


class GeoErrorOut(Schema):
    code: str = Field(description="Machine-readable error code, e.g. `not_found`, `invalid_lat`.")
    message: str = Field(description="Human-readable message in the request's language.")


class LocateQuery(Schema):
    lat: float = Field(description="Latitude, WGS84 decimal degrees (-90 to 90).")
    lng: float = Field(description="Longitude, WGS84 decimal degrees (-180 to 180).")


class LocateOut(Schema):
    lat: float = Field(description="The latitude asked about.")
    lng: float = Field(description="The longitude asked about.")
    inside: bool = Field(
        description="True when the point lies in one of the city's grids (edges included; on a "
        "shared edge the grid with the smallest code wins)."
    )
    grid_code: str | None = Field(description="15-character grid code (网格编码).")
    grid_name: str | None = Field(description="Grid name.")
    community_code: str | None = Field(description="12-digit community code (社区/村).")
    community_name: str | None = Field(description="Community name.")
    street_code: str | None = Field(description="9-digit street or town code (街道/镇).")
    street_name: str | None = Field(description="Street or town name.")
    district_code: str | None = Field(description="6-digit GB/T 2260 district code (区).")
    district_name: str | None = Field(description="District name.")
    message: str | None = Field(
        description="Set only when `inside` is false: why no grid was found."
    )


_RESULT_FIELDS = tuple(name for name in LocateOut.model_fields if name not in ("lat", "lng"))


class DivisionRefOut(Schema):
    code: str = Field(description="Division code: 6 digits (city, district), 9 (street), 12.")
    name: str = Field(description="Official name.")
    level: LevelCode = Field(description="Administrative level.")
    level_label: str = Field(description="Level in words, in the request's language.")


class DivisionChildOut(DivisionRefOut):
    child_count: int = Field(description="How many divisions this child has directly under it.")
    grid_count: int = Field(description="How many grids lie in this child, at any depth.")


class DivisionOut(DivisionRefOut):
    centre_lat: float | None = Field(description="Latitude of the division's centre, if known.")
    centre_lng: float | None = Field(description="Longitude of the division's centre, if known.")
    source: str = Field(description="Where the division's code and name come from.")
    boundary_source: str = Field(
        description="Where its boundary comes from (a demo layout is marked as synthetic)."
    )
    boundary: dict[str, Any] | None = Field(
        description="GeoJSON Polygon or MultiPolygon in WGS84, if a boundary is known."
    )
    ancestors: list[DivisionRefOut] = Field(
        description="Divisions above this one, from the city down to its parent."
    )
    children: list[DivisionChildOut] = Field(description="Divisions directly under this one.")
    grid_count: int = Field(description="How many grids lie in this division, at any depth.")


class GridPropertiesOut(Schema):
    code: str = Field(description="Grid code: the community code plus three digits.")
    name: str = Field(description="Grid name.")
    community_code: str = Field(description="Code of the community the grid belongs to.")
    community_name: str = Field(description="Name of that community.")
    source: str = Field(description="Where the grid's boundary comes from.")


class GridFeatureOut(Schema):
    type: Literal["Feature"] = "Feature"
    id: str = Field(description="The grid code.")
    geometry: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon in WGS84.")
    properties: GridPropertiesOut


class GridCollectionOut(Schema):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[GridFeatureOut] = Field(description="One page of grids, ordered by code.")
    numberMatched: int = Field(description="How many grids the division has in all.")
    numberReturned: int = Field(description="How many grids this page holds.")
    offset: int = Field(description="Index of this page's first grid among all of them.")
    limit: int = Field(description="The page size asked for.")


class GridPageQuery(Schema):
    offset: int = Field(0, ge=0, description="How many grids to skip (ordered by code).")
    limit: int = Field(
        GRIDS_PAGE_DEFAULT,
        ge=1,
        le=GRIDS_PAGE_MAX,
        description=f"Page size, at most {GRIDS_PAGE_MAX}.",
    )


def _ref(division: Division) -> dict[str, Any]:
    return {
        "code": division.code,
        "name": division.name,
        "level": division.level,
        "level_label": str(DivisionLevel(division.level).label),
    }


@router.get(
    "/locate",
    response={200: LocateOut, 400: GeoErrorOut},
    summary="Locate a point: grid → community → street → district",
)
def locate_point(request: HttpRequest, query: Query[LocateQuery]) -> dict[str, Any]:
    """Which responsibility grid a WGS84 point falls in. A point outside every grid is not an
    error: the answer is 200 with `inside` false and a message."""
    result = locate(lat=query.lat, lng=query.lng)
    return {"lat": query.lat, "lng": query.lng, **{f: getattr(result, f) for f in _RESULT_FIELDS}}


@router.get(
    "/divisions/{code}",
    response={200: DivisionOut, 404: GeoErrorOut},
    summary="A division with its parent chain and children",
)
def division_detail(request: HttpRequest, code: str = DIVISION_CODE) -> dict[str, Any]:
    division = division_get(code)
    children = [
        {**_ref(c.division), "child_count": c.child_count, "grid_count": c.grid_count}
        for c in division_children_counted(division)
    ]
    return {
        **_ref(division),
        "centre_lat": division.centre_lat,
        "centre_lng": division.centre_lng,
        "source": division.source,
        "boundary_source": division.boundary_source,
        "boundary": division.boundary,
        "ancestors": [_ref(a) for a in division_ancestors(division)],
        "children": children,
        "grid_count": grids_of(division).count(),
    }


@router.get(
    "/divisions/{code}/grids",
    response={200: GridCollectionOut, 404: GeoErrorOut},
    summary="The grids in a division as a GeoJSON FeatureCollection (paged)",
)
def division_grids(
    request: HttpRequest, page: Query[GridPageQuery], code: str = DIVISION_CODE
) -> dict[str, Any]:
    """Grids at any depth under the division, ordered by code, `limit` at a time."""
    grids = grids_of(division_get(code))
    total = grids.count()
    rows = list(grids[page.offset : page.offset + page.limit])
    features = [
        {
            "type": "Feature",
            "id": grid.code,
            "geometry": grid.boundary,
            "properties": {
                "code": grid.code,
                "name": grid.name,
                "community_code": grid.community.code,
                "community_name": grid.community.name,
                "source": grid.source,
            },
        }
        for grid in rows
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": total,
        "numberReturned": len(features),
        "offset": page.offset,
        "limit": page.limit,
    }
