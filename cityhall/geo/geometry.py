"""GeoJSON polygons in WGS84: parse and check them, write them back, measure their boxes."""

import math
from dataclasses import dataclass
from typing import Any

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.geometry.base import BaseGeometry

from cityhall.core.errors import DomainError

POLYGONAL_TYPES = ("Polygon", "MultiPolygon")


@dataclass(frozen=True, slots=True)
class BoundingBox:
    min_lat: float
    min_lng: float
    max_lat: float
    max_lng: float


def _is_number(value: object) -> bool:
    # bool is an int to Python but never a coordinate.
    return isinstance(value, int | float) and not isinstance(value, bool)


def lat_lng_check(*, lat: float, lng: float) -> None:
    """Raise DomainError unless (lat, lng) is a finite WGS84 position."""
    if not _is_number(lat) or not math.isfinite(lat) or not -90 <= lat <= 90:
        raise DomainError(_("纬度必须是 -90 到 90 之间的数字"), code="invalid_lat")
    if not _is_number(lng) or not math.isfinite(lng) or not -180 <= lng <= 180:
        raise DomainError(_("经度必须是 -180 到 180 之间的数字"), code="invalid_lng")


def _position(value: object) -> tuple[float, float]:
    if (
        not isinstance(value, list | tuple)
        or len(value) not in (2, 3)
        or not all(_is_number(v) for v in value)
    ):
        raise DomainError(_("坐标必须是 [经度, 纬度] 数字对"))
    lng, lat = float(value[0]), float(value[1])
    if not (math.isfinite(lng) and math.isfinite(lat) and -180 <= lng <= 180 and -90 <= lat <= 90):
        raise DomainError(_("坐标超出 WGS84 经纬度范围"))
    return lng, lat


def _ring(value: object) -> list[tuple[float, float]]:
    if not isinstance(value, list | tuple):
        raise DomainError(_("多边形的环必须是坐标数组"))
    points = [_position(p) for p in value]
    # RFC 7946 §3.1.6: a linear ring has at least four positions and ends where it starts.
    if len(points) < 4 or points[0] != points[-1]:
        raise DomainError(_("多边形的环至少要有 4 个坐标，且首尾相同"))
    return points


def _polygon(value: object) -> Polygon:
    if not isinstance(value, list | tuple) or not value:
        raise DomainError(_("多边形至少要有一个外环"))
    shell, *holes = (_ring(r) for r in value)
    return Polygon(shell, holes)


def geometry_from_geojson(data: object) -> BaseGeometry:
    """Parse a GeoJSON Polygon/MultiPolygon (WGS84) into a valid shapely geometry or raise."""
    if not isinstance(data, dict) or data.get("type") not in POLYGONAL_TYPES:
        raise DomainError(_("几何对象必须是 GeoJSON Polygon 或 MultiPolygon"))
    coordinates = data.get("coordinates")
    geometry: BaseGeometry
    if data["type"] == "Polygon":
        geometry = _polygon(coordinates)
    else:
        if not isinstance(coordinates, list | tuple) or not coordinates:
            raise DomainError(_("MultiPolygon 至少要有一个多边形"))
        geometry = MultiPolygon([_polygon(p) for p in coordinates])
    if not shapely.is_valid(geometry):
        raise DomainError(
            _("多边形无效：%(reason)s") % {"reason": shapely.is_valid_reason(geometry)}
        )
    # GEOS counts a ring without area (repeated or collinear points) as invalid, so a valid
    # geometry here always has an area.
    return geometry


def _lists(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_lists(v) for v in value]
    return value


def geometry_to_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    """A GeoJSON geometry dict (plain lists, 2D, RFC 7946 ring orientation) for a JSONField."""
    oriented = shapely.orient_polygons(shapely.force_2d(geometry))
    data = mapping(oriented)
    return {"type": data["type"], "coordinates": _lists(data["coordinates"])}


def bounding_box(geometry: BaseGeometry) -> BoundingBox:
    min_lng, min_lat, max_lng, max_lat = geometry.bounds
    return BoundingBox(min_lat=min_lat, min_lng=min_lng, max_lat=max_lat, max_lng=max_lng)
