import pytest
import shapely
from shapely.geometry import shape

from cityhall.geo import services
from cityhall.geo.layout import Layout, layout_plan
from cityhall.geo.models import Grid
from cityhall.geo.services import demo_layout_build

_plans: dict[tuple, Layout] = {}


@pytest.fixture(autouse=True)
def _layout_plan_once(monkeypatch):
    # The plan is pure geometry and costs more than writing it; computing it once per set of
    # arguments keeps the suite fast. Its determinism is tested on layout_plan itself.
    def plan_once(*, districts, street_names, **sizes_and_seed):
        key = (
            tuple(districts),
            tuple(sorted(street_names.items())),
            *sorted(sizes_and_seed.items()),
        )
        kwargs = {"districts": districts, "street_names": street_names, **sizes_and_seed}
        if key not in _plans:
            _plans[key] = layout_plan(**kwargs)
        return _plans[key]

    monkeypatch.setattr(services, "layout_plan", plan_once)


@pytest.fixture
def small_layout(db):
    """The demo layout at its smallest: one community of two grids per street (354 grids)."""
    return demo_layout_build(communities_per_street=1, grids_per_community=2)


@pytest.fixture
def inside_point(small_layout):
    """A point strictly inside one known grid of 海珠区, and that grid."""
    grid = Grid.objects.filter(code__startswith="440105").order_by("code").first()
    assert grid is not None
    point = shapely.point_on_surface(shape(grid.boundary))
    return point.y, point.x, grid
