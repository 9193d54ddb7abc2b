import math

import pytest
from django.contrib import admin
from hypothesis import given
from hypothesis import strategies as st

from cityhall.core.errors import DomainError
from cityhall.geo.geometry import geometry_from_geojson, geometry_to_geojson, lat_lng_check
from cityhall.geo.models import Division, Grid

latitudes = st.floats(min_value=-90, max_value=90)
longitudes = st.floats(min_value=-180, max_value=180)


@given(latitudes, longitudes)
def test_every_wgs84_position_passes(lat, lng):
    lat_lng_check(lat=lat, lng=lng)


@given(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).filter(
            lambda v: not (math.isfinite(v) and -90 <= v <= 90)
        )
    ),
    longitudes,
)
def test_every_impossible_latitude_fails(lat, lng):
    with pytest.raises(DomainError):
        lat_lng_check(lat=lat, lng=lng)


@given(
    st.floats(min_value=-179, max_value=178),
    st.floats(min_value=-89, max_value=88),
    st.floats(min_value=1e-6, max_value=1),
    st.floats(min_value=1e-6, max_value=1),
)
def test_rectangles_survive_a_round_trip(x, y, width, height):
    ring = [[x, y], [x, y + height], [x + width, y + height], [x + width, y], [x, y]]
    geometry = geometry_from_geojson({"type": "Polygon", "coordinates": [ring]})
    again = geometry_from_geojson(geometry_to_geojson(geometry))
    assert again.equals(geometry)
    assert again.area == pytest.approx(width * height, rel=1e-6)


def test_multipolygon_with_a_hole():
    outer = [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]
    hole = [[1, 1], [1, 2], [2, 2], [2, 1], [1, 1]]
    second = [[5, 5], [6, 5], [6, 6], [5, 6], [5, 5]]
    geometry = geometry_from_geojson(
        {"type": "MultiPolygon", "coordinates": [[outer, hole], [second]]}
    )
    assert geometry.area == 16 - 1 + 1
    assert geometry_to_geojson(geometry)["type"] == "MultiPolygon"


def test_bool_is_not_a_coordinate():
    ring = [[0, 0], [1, 0], [1, True], [0, 0]]
    with pytest.raises(DomainError):
        geometry_from_geojson({"type": "Polygon", "coordinates": [ring]})


def test_models_are_in_the_admin():
    assert admin.site.is_registered(Division)
    assert admin.site.is_registered(Grid)
    division_admin = admin.site.get_model_admin(Division)
    assert "code" in division_admin.search_fields
