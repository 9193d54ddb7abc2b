import numpy as np
import pytest
import shapely
from django.core.management import CommandError, call_command
from shapely.geometry import shape

from cityhall.core.errors import DomainError
from cityhall.geo.layout import DistrictSeed, layout_plan
from cityhall.geo.models import Division, DivisionLevel, Grid
from cityhall.geo.services import DEMO_SOURCE, boundaries_import, demo_layout_build

# Neighbours share their edges, computed in floating point; an "overlap" below this many square
# degrees (about 0.01 m² at Guangzhou's latitude) is rounding, not geometry.
AREA_TOLERANCE = 1e-12


def _geometries(rows):
    return np.array([shape(boundary) for boundary in rows], dtype=object)


def _snapshot():
    fields = ("code", "name", "boundary", "updated_at")
    return {
        "grids": list(Grid.objects.order_by("code").values_list(*fields)),
        "divisions": list(Division.objects.order_by("code").values_list(*fields)),
    }


@pytest.mark.django_db
def test_layout_creates_communities_and_grids_with_nested_codes(small_layout):
    assert small_layout.communities_created == 177
    assert small_layout.grids_created == 354
    assert small_layout.divisions_updated == 1 + 11 + 177
    for community in Division.objects.filter(level=DivisionLevel.COMMUNITY).select_related(
        "parent"
    ):
        street = community.parent
        assert street is not None and street.level == DivisionLevel.STREET
        assert len(community.code) == 12 and community.code.startswith(street.code)
        assert community.name.endswith("村" if street.is_town else "社区")
        assert community.source == DEMO_SOURCE
    for grid in Grid.objects.select_related("community"):
        assert len(grid.code) == 15 and grid.code.startswith(grid.community.code)
        assert grid.code[-3:].isdigit()
        assert grid.source == DEMO_SOURCE


@pytest.mark.django_db
def test_grids_are_valid_do_not_overlap_and_cover_the_city(small_layout):
    grids = list(Grid.objects.order_by("code"))
    polygons = _geometries(g.boundary for g in grids)
    assert shapely.is_valid(polygons).all()
    assert (shapely.area(polygons) > 0).all()
    left, right = shapely.STRtree(polygons).query(polygons, predicate="intersects")
    pairs = left < right
    assert pairs.any()  # neighbours exist, so the check below has something to check
    overlaps = shapely.area(shapely.intersection(polygons[left[pairs]], polygons[right[pairs]]))
    assert overlaps.max() < AREA_TOLERANCE
    city = shape(Division.objects.get(code="440100").boundary)
    assert shapely.union_all(polygons).symmetric_difference(city).area < AREA_TOLERANCE * 10


@pytest.mark.django_db
def test_every_area_lies_within_its_parent(small_layout):
    boundaries = {
        code: shape(boundary)
        for code, boundary in Division.objects.exclude(boundary=None).values_list(
            "code", "boundary"
        )
    }
    streets = Division.objects.filter(level=DivisionLevel.STREET).select_related("parent")
    for street in streets:
        assert street.parent is not None
        outside = boundaries[street.code].difference(boundaries[street.parent.code])
        assert outside.area < AREA_TOLERANCE
    for grid in Grid.objects.select_related("community__parent"):
        polygon = shape(grid.boundary)
        assert grid.community.parent is not None
        assert polygon.difference(boundaries[grid.community.code]).area < AREA_TOLERANCE
        assert polygon.difference(boundaries[grid.community.parent.code]).area < AREA_TOLERANCE
        assert polygon.area > 1000 * AREA_TOLERANCE


@pytest.mark.django_db
def test_layout_is_idempotent(small_layout):
    before = _snapshot()
    again = demo_layout_build(communities_per_street=1, grids_per_community=2)
    assert not again.changed
    assert _snapshot() == before


@pytest.mark.django_db
def test_layout_depends_on_its_seed(small_layout):
    before = dict(Grid.objects.values_list("code", "boundary"))
    other = demo_layout_build(communities_per_street=1, grids_per_community=2, seed=7)
    assert other.grids_updated > 0
    assert dict(Grid.objects.values_list("code", "boundary")) != before
    demo_layout_build(communities_per_street=1, grids_per_community=2)
    assert dict(Grid.objects.values_list("code", "boundary")) == before


def test_the_plan_is_deterministic_and_seeded():
    seeds = [
        DistrictSeed("440103", 23.1259, 113.2440, ("440103001", "440103002")),
        DistrictSeed("440106", 23.1250, 113.3610, ("440106001",)),
        DistrictSeed("440117", 23.5480, 113.5860, ("440117100", "440117101", "440117102")),
    ]
    names = {code: "某街道" for seed in seeds for code in seed.street_codes}
    names["440117102"] = "某镇"

    def plan(seed):
        return layout_plan(
            districts=seeds,
            street_names=names,
            communities_per_street=3,
            grids_per_community=4,
            seed=seed,
        )

    first, second, other = plan(1), plan(1), plan(2)
    assert len(first.grids) == 6 * 3 * 4
    assert [(g.code, g.name, g.geometry.wkb) for g in first.grids] == [
        (g.code, g.name, g.geometry.wkb) for g in second.grids
    ]
    assert [g.geometry.wkb for g in first.grids] != [g.geometry.wkb for g in other.grids]
    # Districts not listed leave the city outline to these three, which still tile it.
    total = sum(shape_area for shape_area in shapely.area(list(first.districts.values())))
    assert total == pytest.approx(first.city.area)
    assert [c.name[-1] for c in first.communities if c.parent_code == "440117102"] == ["村"] * 3


@pytest.mark.django_db
def test_a_smaller_layout_replaces_a_bigger_one(db):
    demo_layout_build(communities_per_street=2, grids_per_community=2)
    report = demo_layout_build(communities_per_street=1, grids_per_community=2)
    assert report.communities_deleted == 177
    assert report.grids_deleted == 177 * 2
    assert Grid.objects.count() == 354
    assert Division.objects.filter(level=DivisionLevel.COMMUNITY).count() == 177


@pytest.mark.django_db
@pytest.mark.parametrize(("communities", "grids"), [(0, 2), (2, 0), (1000, 1)])
def test_layout_rejects_impossible_sizes(communities, grids):
    with pytest.raises(DomainError):
        demo_layout_build(communities_per_street=communities, grids_per_community=grids)
    assert not Grid.objects.exists()


@pytest.mark.django_db
def test_layout_refuses_to_overwrite_imported_boundaries():
    square = [[[113.30, 23.10], [113.31, 23.10], [113.31, 23.11], [113.30, 23.11], [113.30, 23.10]]]
    boundaries_import(
        feature_collection={
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"code": "440105001", "name": "赤岗街道"},
                    "geometry": {"type": "Polygon", "coordinates": square},
                }
            ],
        },
        level="street",
        source="测绘成果",
    )
    with pytest.raises(DomainError) as excinfo:
        demo_layout_build(communities_per_street=1, grids_per_community=1)
    assert excinfo.value.code == "real_data_present"
    assert not Grid.objects.exists()
    assert Division.objects.get(code="440105001").boundary_source == "测绘成果"


@pytest.mark.django_db
def test_demo_layout_command(capsys):
    args = ["geo_demo_layout", "--communities-per-street", "1", "--grids-per-community", "2"]
    call_command(*args)
    assert "grids +354" in capsys.readouterr().out
    call_command(*args)
    assert "grids +0 ~0 -0" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("geo_demo_layout", "--grids-per-community", "0")
    assert Grid.objects.count() == 354
