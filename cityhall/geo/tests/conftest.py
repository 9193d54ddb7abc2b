from pathlib import Path

import pytest
import shapely
from django.core.management import call_command
from django.utils.translation.reloader import translation_file_changed
from shapely.geometry import shape

from cityhall.geo import services
from cityhall.geo.layout import Layout, layout_plan
from cityhall.geo.models import Grid
from cityhall.geo.selectors import locate_index_invalidate
from cityhall.geo.services import demo_layout_build

_plans: dict[tuple, Layout] = {}


@pytest.fixture(autouse=True)
def _layout_plan_once(monkeypatch):
    # The plan is pure geometry and costs more than writing it; computing it once per set of
    # arguments keeps the suite fast. Its determinism is tested on layout_plan itself.
    def plan_once(**kwargs):
        key = tuple(
            (
                name,
                tuple(sorted(value.items()))
                if isinstance(value, dict)
                else tuple(value)
                if isinstance(value, list)
                else value,
            )
            for name, value in sorted(kwargs.items())
        )
        if key not in _plans:
            _plans[key] = layout_plan(**kwargs)
        return _plans[key]

    monkeypatch.setattr(services, "layout_plan", plan_once)


@pytest.fixture(autouse=True)
def _fresh_locate_index():
    # The locate index is cached per process, but each test rolls its database back; without
    # this a test could see the grids of the one before.
    locate_index_invalidate()
    yield
    locate_index_invalidate()


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


@pytest.fixture(scope="session")
def english_catalogue():
    """Compiled .mo files (they are build output, not in git) and a fresh translation cache."""
    call_command("translations_compile", verbosity=0)
    translation_file_changed(sender=None, file_path=Path("django.mo"))
