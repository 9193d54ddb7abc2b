"""Server-side SVG maps of division and grid polygons, so a page shows a map without JavaScript."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

MAP_WIDTH = 640
# Soft fills that keep dark label text readable (contrast above 4.5:1 against #1f2937).
PALETTE = (
    "#cfe8d5",
    "#d6e4f5",
    "#f6e3c5",
    "#e9d8f0",
    "#f5d3d3",
    "#d4efee",
    "#ece8c8",
    "#dde3ea",
)
HIGHLIGHT_FILL = "#f2c14e"
LABEL_FONT_PX = 12


@dataclass(frozen=True, slots=True)
class MapArea:
    title: str
    geojson: dict[str, Any]
    href: str | None = None
    label: str | None = None
    highlight: bool = False


@dataclass(frozen=True, slots=True)
class MapShape:
    title: str
    path: str
    fill: str
    href: str | None
    label: str | None
    label_x: float
    label_y: float
    highlight: bool


@dataclass(frozen=True, slots=True)
class MapMarker:
    x: float
    y: float
    title: str


@dataclass(frozen=True, slots=True)
class SvgMap:
    width: int
    height: int
    shapes: tuple[MapShape, ...]
    marker: MapMarker | None
    # (min_lng, min_lat, max_lng, max_lat): lets a page turn a click back into coordinates.
    bounds: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


class _Projection:
    """Plate carrée scaled by cos(latitude), which keeps shapes true at a city's size."""

    def __init__(self, bounds: tuple[float, float, float, float], width: int) -> None:
        min_lng, min_lat, max_lng, max_lat = bounds
        self.min_lng, self.max_lat = min_lng, max_lat
        self.x_factor = math.cos(math.radians((min_lat + max_lat) / 2))
        span_x = max((max_lng - min_lng) * self.x_factor, 1e-9)
        self.scale = width / span_x
        self.height = max(1, round((max_lat - min_lat) * self.scale))

    def xy(self, lng: float, lat: float) -> tuple[float, float]:
        return (
            round((lng - self.min_lng) * self.x_factor * self.scale, 1),
            round((self.max_lat - lat) * self.scale, 1),
        )


def _path(geometry: BaseGeometry, projection: _Projection) -> str:
    commands = []
    for polygon in shapely.get_parts(geometry):
        for ring in (polygon.exterior, *polygon.interiors):
            points = [projection.xy(x, y) for x, y in ring.coords[:-1]]
            commands.append("M" + " L".join(f"{x:g},{y:g}" for x, y in points) + " Z")
    return " ".join(commands)


def svg_map(
    areas: Sequence[MapArea],
    *,
    marker: tuple[float, float, str] | None = None,
    width: int = MAP_WIDTH,
) -> SvgMap | None:
    """Project the areas (and an optional (lat, lng, title) marker) into one SVG frame."""
    geometries = [shape(a.geojson) for a in areas]
    if not geometries:
        return None
    min_lng, min_lat, max_lng, max_lat = (float(v) for v in shapely.total_bounds(geometries))
    projection = _Projection((min_lng, min_lat, max_lng, max_lat), width)
    shapes = []
    for number, (area, geometry) in enumerate(zip(areas, geometries, strict=True)):
        anchor = geometry.point_on_surface()
        label_x, label_y = projection.xy(anchor.x, anchor.y)
        min_x, _, max_x, _ = geometry.bounds
        room = (max_x - min_x) * projection.x_factor * projection.scale
        # A label wider than its area would spill over the neighbours; the title still names it.
        fits = area.label is not None and room >= LABEL_FONT_PX * (len(area.label) + 1)
        shapes.append(
            MapShape(
                title=area.title,
                path=_path(geometry, projection),
                fill=HIGHLIGHT_FILL if area.highlight else PALETTE[number % len(PALETTE)],
                href=area.href,
                label=area.label if fits else None,
                label_x=label_x,
                label_y=label_y,
                highlight=area.highlight,
            )
        )
    map_marker = None
    if marker is not None:
        lat, lng, title = marker
        x, y = projection.xy(lng, lat)
        map_marker = MapMarker(x=x, y=y, title=title)
    return SvgMap(
        width=width,
        height=projection.height,
        shapes=tuple(shapes),
        marker=map_marker,
        bounds=(min_lng, min_lat, max_lng, max_lat),
    )
