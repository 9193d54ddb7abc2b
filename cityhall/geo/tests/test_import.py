import copy
import itertools
import json
import math

import pytest
from django.core.management import CommandError, call_command

from cityhall.core.errors import DomainError
from cityhall.geo.models import Division, DivisionLevel, Grid
from cityhall.geo.selectors import locate
from cityhall.geo.services import boundaries_import

STREET = "440105001"  # 海珠区 赤岗街道
COMMUNITY = STREET + "901"


def _ring(x0, y0, x1, y1):
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def _feature(code, name, ring, parent_code=None):
    properties = {"code": code, "name": name}
    if parent_code is not None:
        properties["parent_code"] = parent_code
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


COMMUNITY_FC = _collection(
    _feature(COMMUNITY, "滨江测试社区", _ring(113.26, 23.10, 113.28, 23.11), parent_code=STREET)
)
GRID_FC = _collection(
    _feature(COMMUNITY + "001", "第一网格", _ring(113.26, 23.10, 113.27, 23.11), COMMUNITY),
    _feature(COMMUNITY + "002", "第二网格", _ring(113.27, 23.10, 113.28, 23.11), COMMUNITY),
)


@pytest.fixture
def community(db):
    boundaries_import(feature_collection=COMMUNITY_FC, level="community", source="区测绘队 2025")
    return Division.objects.get(code=COMMUNITY)


@pytest.mark.django_db
def test_import_creates_a_community_under_its_street(community):
    assert community.level == DivisionLevel.COMMUNITY
    assert community.parent is not None and community.parent.code == STREET
    assert community.boundary_source == "区测绘队 2025"
    assert community.boundary["type"] == "Polygon"


@pytest.mark.django_db
def test_import_creates_then_updates_grids(community):
    report = boundaries_import(feature_collection=GRID_FC, level="grid", source="网格普查")
    assert report.created == (COMMUNITY + "001", COMMUNITY + "002")
    assert report.updated == ()
    grid = Grid.objects.get(code=COMMUNITY + "002")
    assert (grid.min_lng, grid.min_lat, grid.max_lng, grid.max_lat) == (
        113.27,
        23.10,
        113.28,
        23.11,
    )
    assert grid.community == community and grid.source == "网格普查"
    assert locate(lat=23.105, lng=113.275).grid_code == COMMUNITY + "002"

    changed = copy.deepcopy(GRID_FC)
    changed["features"][1]["properties"]["name"] = "第二网格（调整）"
    changed["features"][1]["geometry"]["coordinates"] = [_ring(113.27, 23.10, 113.29, 23.12)]
    report = boundaries_import(feature_collection=changed, level="grid")
    assert report.created == () and report.total == 2
    assert Grid.objects.count() == 2
    grid.refresh_from_db()
    assert grid.name == "第二网格（调整）" and grid.max_lng == 113.29
    assert locate(lat=23.115, lng=113.285).grid_code == COMMUNITY + "002"


@pytest.mark.django_db
def test_import_of_streets_updates_existing_streets(db):
    fc = _collection(_feature(STREET, "赤岗街道", _ring(113.25, 23.09, 113.29, 23.12)))
    report = boundaries_import(feature_collection=fc, level="street")
    assert report.updated == (STREET,) and report.created == ()
    street = Division.objects.get(code=STREET)
    assert street.boundary is not None and street.boundary_source == "GeoJSON 导入"
    assert street.source.startswith("民政部")  # the code table's provenance is kept


@pytest.mark.django_db
def test_imported_rings_follow_rfc7946_orientation(community):
    clockwise = list(reversed(_ring(113.26, 23.10, 113.27, 23.11)))
    fc = _collection(_feature(COMMUNITY + "003", "顺时针网格", clockwise, COMMUNITY))
    boundaries_import(feature_collection=fc, level="grid")
    stored = Grid.objects.get(code=COMMUNITY + "003").boundary["coordinates"][0]
    signed_area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(stored))
    assert signed_area > 0  # exterior ring counter-clockwise


def _bad(mutate):
    fc = copy.deepcopy(GRID_FC)
    mutate(fc["features"][1])
    return fc


def _set_ring(ring):
    def mutate(feature):
        feature["geometry"]["coordinates"] = [ring]

    return mutate


def _set(key, value, **more):
    def mutate(feature):
        feature["properties"].update({key: value, **more})

    return mutate


def _set_geometry(geometry):
    def mutate(feature):
        feature["geometry"] = geometry

    return mutate


BOWTIE = [[113.27, 23.10], [113.28, 23.11], [113.28, 23.10], [113.27, 23.11], [113.27, 23.10]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (_set_ring(_ring(113.27, 23.10, 113.28, 95.0)), "WGS84"),
        (_set_ring(_ring(113.27, 23.10, 200.0, 23.11)), "WGS84"),
        (_set_ring(_ring(113.27, 23.10, math.nan, 23.11)), "WGS84"),
        (_set_ring(BOWTIE), "多边形无效"),
        (_set_ring(_ring(113.27, 23.10, 113.28, 23.11)[:-1]), "首尾相同"),
        (_set_ring([[113.27, 23.10], [113.28, "23.1"], [113.28, 23.11], [113.27, 23.10]]), "数字"),
        (_set_ring(_ring(113.27, 23.10, 113.27, 23.11)), "多边形无效"),
        (_set_geometry({"type": "Point", "coordinates": [113.27, 23.10]}), "Polygon"),
        (_set_geometry(None), "Polygon"),
        (_set("code", COMMUNITY + "01"), "15 位数字"),
        (_set("code", COMMUNITY + "001"), "重复"),
        (_set("parent_code", STREET + "902"), "编码应以上级编码开头"),
        (_set("code", STREET + "902001", parent_code=""), "上级区划 440105001902 不存在"),
        (_set("name", "  "), "名称"),
        (_set("name", None), "名称"),
    ],
)
def test_a_bad_feature_is_named_and_nothing_is_imported(community, mutate, reason):
    before = list(Division.objects.values_list("code", "boundary", "updated_at"))
    with pytest.raises(DomainError) as excinfo:
        boundaries_import(feature_collection=_bad(mutate), level="grid")
    assert excinfo.value.message.startswith("第 2 个要素")
    assert reason in excinfo.value.message
    # The first feature was valid, but the file is all or nothing.
    assert not Grid.objects.exists()
    assert list(Division.objects.values_list("code", "boundary", "updated_at")) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [
        {"type": "Feature"},
        {"type": "FeatureCollection", "features": []},
        {"type": "FeatureCollection", "features": "nope"},
        [],
    ],
)
def test_a_file_that_is_not_a_feature_collection_is_refused(community, payload):
    with pytest.raises(DomainError):
        boundaries_import(feature_collection=payload, level="grid")
    assert not Grid.objects.exists()


@pytest.mark.django_db
def test_a_feature_without_properties_is_named_by_number(community):
    fc = _collection({"type": "Feature", "geometry": GRID_FC["features"][0]["geometry"]})
    with pytest.raises(DomainError, match="第 1 个要素：缺少 properties"):
        boundaries_import(feature_collection=fc, level="grid")


@pytest.mark.django_db
def test_unknown_level_is_refused(community):
    with pytest.raises(DomainError) as excinfo:
        boundaries_import(feature_collection=GRID_FC, level="district")
    assert excinfo.value.code == "invalid_level"


@pytest.mark.django_db
def test_a_street_code_is_not_accepted_as_a_community(community):
    fc = _collection(_feature(STREET, "赤岗街道", _ring(113.25, 23.09, 113.29, 23.12)))
    with pytest.raises(DomainError, match="12 位数字"):
        boundaries_import(feature_collection=fc, level="community")


@pytest.mark.django_db
def test_command_imports_a_file(community, tmp_path, capsys):
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(GRID_FC, ensure_ascii=False), encoding="utf-8")
    call_command("geo_import_boundaries", str(path), "--level", "grid")
    assert "2 created" in capsys.readouterr().out
    assert Grid.objects.filter(source="GeoJSON 导入：grids.geojson").count() == 2


@pytest.mark.django_db
def test_command_reports_a_bad_file_and_imports_nothing(community, tmp_path):
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(_bad(_set_ring(BOWTIE))), encoding="utf-8")
    with pytest.raises(CommandError, match="第 2 个要素"):
        call_command("geo_import_boundaries", str(path), "--level", "grid")
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not UTF-8 JSON"):
        call_command("geo_import_boundaries", str(path), "--level", "grid")
    assert not Grid.objects.exists()
