import math

import pytest
import shapely
from shapely.geometry import shape

from cityhall.core.errors import DomainError, NotFoundError
from cityhall.geo.models import Division, Grid
from cityhall.geo.selectors import (
    district_list,
    division_ancestors,
    division_children_counted,
    division_get,
    grids_of,
    locate,
    scope_prefix,
)
from cityhall.geo.services import boundaries_import


@pytest.mark.django_db
def test_locate_inside_returns_the_whole_chain(inside_point):
    lat, lng, grid = inside_point
    result = locate(lat=lat, lng=lng)
    street = grid.community.parent
    district = street.parent
    assert result.inside
    assert (result.grid_code, result.grid_name) == (grid.code, grid.name)
    assert (result.community_code, result.community_name) == (
        grid.community.code,
        grid.community.name,
    )
    assert (result.street_code, result.street_name) == (street.code, street.name)
    assert (result.district_code, result.district_name) == ("440105", "海珠区")
    assert district.code == "440105"
    assert result.message is None


@pytest.mark.django_db
def test_locate_agrees_with_point_in_polygon_for_every_grid_of_a_district(small_layout):
    for grid in Grid.objects.filter(code__startswith="440104"):
        point = shapely.point_on_surface(shape(grid.boundary))
        assert locate(lat=point.y, lng=point.x).grid_code == grid.code


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lat", "lng"),
    [
        (39.9042, 116.4074),  # Beijing
        (22.60, 113.00),  # inside the city's bounding box, outside its outline
        (0.0, 0.0),
    ],
)
def test_locate_outside_the_city_is_an_answer_not_an_error(small_layout, lat, lng):
    result = locate(lat=lat, lng=lng)
    assert not result.inside
    assert result.grid_code is None and result.district_code is None
    assert result.message == "该位置不在本市网格范围内"


@pytest.mark.django_db
def test_locate_without_any_grid_is_outside():
    assert not locate(lat=23.13, lng=113.26).inside


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lat", "lng", "code"),
    [
        (math.nan, 113.3, "invalid_lat"),
        (23.1, math.nan, "invalid_lng"),
        (math.inf, 113.3, "invalid_lat"),
        (90.5, 113.3, "invalid_lat"),
        (-91, 113.3, "invalid_lat"),
        (23.1, 180.01, "invalid_lng"),
        (23.1, -math.inf, "invalid_lng"),
    ],
)
def test_locate_rejects_invalid_coordinates(lat, lng, code):
    with pytest.raises(DomainError) as excinfo:
        locate(lat=lat, lng=lng)
    assert excinfo.value.code == code


def _square(x0: float, y0: float, size: float = 0.01) -> dict:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def four_squares(db):
    """Four grids of one community in a 2 × 2 block, numbered from the north-east anticlockwise."""
    boundaries_import(
        feature_collection={
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": "440105001901", "name": "测试社区"},
                    "geometry": _square(113.30, 23.10, 0.02),
                }
            ],
        },
        level="community",
    )
    corners = {"004": (113.30, 23.10), "003": (113.31, 23.10), "001": (113.31, 23.11)}
    corners["002"] = (113.30, 23.11)
    boundaries_import(
        feature_collection={
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": f"440105001901{n}", "name": f"测试网格{n}"},
                    "geometry": _square(x, y),
                }
                for n, (x, y) in sorted(corners.items())
            ],
        },
        level="grid",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lat", "lng", "expected"),
    [
        (23.105, 113.31, "440105001901003"),  # edge between 003 and 004
        (23.115, 113.31, "440105001901001"),  # edge between 001 and 002
        (23.11, 113.305, "440105001901002"),  # edge between 002 and 004
        (23.11, 113.31, "440105001901001"),  # the corner all four share
        (23.12, 113.32, "440105001901001"),  # the block's outer corner counts as inside
    ],
)
def test_a_point_on_shared_edges_goes_to_the_smallest_code(four_squares, lat, lng, expected):
    for _ in range(3):
        assert locate(lat=lat, lng=lng).grid_code == expected


@pytest.mark.django_db
def test_points_just_off_an_edge_go_to_their_own_side(four_squares):
    assert locate(lat=23.105, lng=113.31 - 1e-9).grid_code == "440105001901004"
    assert locate(lat=23.105, lng=113.31 + 1e-9).grid_code == "440105001901003"
    assert not locate(lat=23.1, lng=113.30 - 1e-9).inside


@pytest.mark.django_db
def test_locate_sees_grids_written_by_a_service(small_layout):
    beijing = {"lat": 39.9042, "lng": 116.4074}
    assert not locate(**beijing).inside  # builds and caches the index
    community = Division.objects.filter(code__startswith="440105001").get(level="community")
    ring = [[116.40, 39.90], [116.41, 39.90], [116.41, 39.91], [116.40, 39.91], [116.40, 39.90]]
    boundaries_import(
        feature_collection={
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": community.code + "900", "name": "飞地网格"},
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            ],
        },
        level="grid",
    )
    result = locate(**beijing)
    assert result.inside and result.grid_code == community.code + "900"
    assert result.district_code == "440105"


@pytest.mark.django_db
def test_scope_prefix():
    assert scope_prefix(division_get("440100")) == "4401"
    assert scope_prefix(division_get("440105")) == "440105"
    assert scope_prefix(division_get("440105001")) == "440105001"


@pytest.mark.django_db
def test_scope_prefix_selects_the_division_and_everything_under_it(small_layout):
    haizhu = division_get("440105")
    prefix = scope_prefix(haizhu)
    under = Division.objects.filter(code__startswith=prefix)
    assert under.filter(level="street").count() == 18
    assert under.filter(level="community").count() == 18
    assert not under.exclude(code__startswith="440105").exists()
    assert Division.objects.filter(
        code__startswith=scope_prefix(division_get("440100"))
    ).count() == (Division.objects.count())


@pytest.mark.django_db
def test_readers(small_layout):
    community = Division.objects.filter(code__startswith="440111002", level="community").get()
    chain = division_ancestors(division_get(community.code))
    assert [d.code for d in chain] == ["440100", "440111", "440111002"]
    assert grids_of(division_get("440105")).count() == 36
    assert all(g.code.startswith("440105") for g in grids_of(division_get("440105")))
    assert [g.code for g in grids_of(community)] == [community.code + "001", community.code + "002"]
    baiyun = {row.division.code: row for row in division_children_counted(division_get("440100"))}[
        "440111"
    ]
    assert (baiyun.child_count, baiyun.town_count, baiyun.subdistrict_count) == (24, 4, 20)
    assert baiyun.grid_count == 24 * 2
    districts = district_list()
    assert len(districts) == 11
    assert sum(d.town_count for d in districts) == 34


@pytest.mark.django_db
def test_division_get_unknown_code():
    with pytest.raises(NotFoundError):
        division_get("440199")
