"""A synthetic but plausible map of Guangzhou for demos and benchmarks (pure geometry, no database).

Real street boundaries are not open data. This draws a hand-made outline of the city, gives each
district the Voronoi cell of its government seat inside it, and cuts every area into the next
level's parts the same way with seeded random points relaxed towards equal sizes. Cutting each
parent into cells of one Voronoi diagram makes siblings tile their parent: they never overlap,
leave no gaps, and every child lies inside its parent.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPoint, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

# Rough outline of Guangzhou as (lng, lat), clockwise from Conghua's northern tip: wide in the
# north (Huadu, Conghua, Zengcheng), narrowing to Nansha between the Pearl River's channels.
CITY_OUTLINE: tuple[tuple[float, float], ...] = (
    (113.70, 23.93),
    (113.95, 23.75),
    (114.05, 23.45),
    (113.95, 23.10),
    (113.70, 23.00),
    (113.68, 22.75),
    (113.58, 22.56),
    (113.45, 22.62),
    (113.40, 22.80),
    (113.28, 22.90),
    (113.20, 23.05),
    (113.16, 23.15),
    (113.10, 23.30),
    (112.95, 23.40),
    (113.05, 23.58),
    (113.30, 23.62),
    (113.45, 23.85),
    (113.70, 23.93),
)

# Common first parts of community and village names in Guangzhou; none is a district's name.
NAME_STEMS: tuple[str, ...] = (
    "东风", "新港", "华侨", "龙口", "青年", "建设", "和平", "光明", "幸福", "团结",
    "文明", "朝阳", "南华", "北山", "西湖", "金沙", "翠园", "锦绣", "富华", "兴隆",
    "永安", "长寿", "太平", "康乐", "福星", "宝岗", "凤凰", "桂花", "榕树", "木棉",
    "紫荆", "松柏", "竹园", "梅花", "兰亭", "春晖", "晓港", "江南", "滨江", "云台",
    "瑞宝", "聚龙", "嘉禾", "新民", "同德", "东山", "白鹤", "石溪", "水松", "荔枝湾",
    "沙园", "昌岗", "龙潭", "东湖", "石牌", "棠下", "车陂", "黄村", "大塘", "新市",
)  # fmt: skip

MAX_PARTS = 999  # codes give each level three digits
LLOYD_ITERATIONS = 2


@dataclass(frozen=True, slots=True)
class DistrictSeed:
    code: str
    lat: float
    lng: float
    street_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlannedArea:
    code: str
    name: str
    parent_code: str
    geometry: BaseGeometry


@dataclass(frozen=True, slots=True)
class Layout:
    city: BaseGeometry
    districts: dict[str, BaseGeometry]
    streets: dict[str, BaseGeometry]
    communities: list[PlannedArea]
    grids: list[PlannedArea]


def city_outline() -> Polygon:
    return Polygon(CITY_OUTLINE)


def _rng(seed: int, key: str) -> np.random.Generator:
    # Seeded from a digest, not hash(): str hashes change between processes.
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """Drop the points and lines an intersection leaves where cells only touch the clip edge."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type == "Polygon" and p.area > 0]
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _map_order(parts: Sequence[BaseGeometry]) -> list[BaseGeometry]:
    # Number parts as a map is read, north-west first, so neighbouring codes are neighbours.
    anchors = shapely.point_on_surface(np.asarray(parts, dtype=object))
    keys = [(-round(p.y, 4), round(p.x, 4)) for p in anchors]
    return [parts[i] for i in sorted(range(len(parts)), key=keys.__getitem__)]


def _voronoi_cells(seeds: np.ndarray, area: BaseGeometry) -> list[BaseGeometry]:
    diagram = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=area, ordered=True)
    cells = shapely.intersection(np.asarray(shapely.get_parts(diagram)), area)
    return [_polygonal(c) for c in cells]


def split_area(area: BaseGeometry, parts: int, rng: np.random.Generator) -> list[BaseGeometry]:
    """Cut `area` into `parts` non-overlapping pieces of similar size that cover it exactly."""
    if not 1 <= parts <= MAX_PARTS:
        raise ValueError(f"parts must be 1..{MAX_PARTS}, got {parts}")
    if parts == 1:
        return [area]
    shapely.prepare(area)
    min_x, min_y, max_x, max_y = area.bounds
    seeds = np.empty((0, 2))
    while len(seeds) < parts:
        candidates = rng.uniform((min_x, min_y), (max_x, max_y), size=(4 * parts, 2))
        inside = shapely.contains_xy(area, candidates[:, 0], candidates[:, 1])
        seeds = np.vstack([seeds, candidates[inside]])
    seeds = seeds[:parts]
    for _ in range(LLOYD_ITERATIONS):
        # Moving each seed to its cell's centroid evens out the sizes; a centroid outside a
        # non-convex area would leave its cell empty, so such seeds stay where they were.
        centroids = shapely.get_coordinates(shapely.centroid(_voronoi_cells(seeds, area)))
        keep = shapely.contains_xy(area, centroids[:, 0], centroids[:, 1])
        seeds = np.where(keep[:, None], centroids, seeds)
    return _map_order(_voronoi_cells(seeds, area))


def district_cells(
    districts: Sequence[DistrictSeed], outline: BaseGeometry
) -> dict[str, BaseGeometry]:
    """Each district's Voronoi cell around its government seat, clipped to the city outline."""
    seeds = np.array([(d.lng, d.lat) for d in districts])
    cells = _voronoi_cells(seeds, outline)
    return {d.code: cell for d, cell in zip(districts, cells, strict=True)}


def community_names(*, street_name: str, count: int, rng: np.random.Generator) -> list[str]:
    """Distinct plausible names: 社区 under a sub-district (街道), 村 under a town (镇)."""
    suffix = "村" if street_name.endswith("镇") else "社区"
    stems = [str(s) for s in rng.permutation(np.array(NAME_STEMS))]
    names = []
    for i in range(count):
        round_no = i // len(stems)
        names.append(f"{stems[i % len(stems)]}{round_no + 1 if round_no else ''}{suffix}")
    return names


def layout_plan(
    *,
    districts: Sequence[DistrictSeed],
    street_names: dict[str, str],
    communities_per_street: int,
    grids_per_community: int,
    seed: int,
) -> Layout:
    """The whole nested layout: city, districts, streets, communities (12-digit) and grids (15)."""
    outline = city_outline()
    cells = district_cells(districts, outline)
    streets: dict[str, BaseGeometry] = {}
    communities: list[PlannedArea] = []
    grids: list[PlannedArea] = []
    for district in districts:
        street_codes = sorted(district.street_codes)
        pieces = split_area(cells[district.code], len(street_codes), _rng(seed, district.code))
        streets.update(zip(street_codes, pieces, strict=True))
    for street_code in sorted(streets):
        rng = _rng(seed, street_code)
        names = community_names(
            street_name=street_names[street_code], count=communities_per_street, rng=rng
        )
        pieces = split_area(streets[street_code], communities_per_street, rng)
        for number, (name, piece) in enumerate(zip(names, pieces, strict=True), start=1):
            community = PlannedArea(f"{street_code}{number:03d}", name, street_code, piece)
            communities.append(community)
            grid_pieces = split_area(piece, grids_per_community, _rng(seed, community.code))
            for grid_no, grid_piece in enumerate(grid_pieces, start=1):
                grids.append(
                    PlannedArea(
                        f"{community.code}{grid_no:03d}",
                        f"{name}第{grid_no}网格",
                        community.code,
                        grid_piece,
                    )
                )
    return Layout(
        city=outline, districts=cells, streets=streets, communities=communities, grids=grids
    )
