"""Writes of the geo domain: the demo layout and the import of real boundaries."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import ProtectedError, QuerySet, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry.base import BaseGeometry

from cityhall.core.errors import DomainError
from cityhall.geo.geometry import bounding_box, geometry_from_geojson, geometry_to_geojson
from cityhall.geo.layout import MAX_PARTS, DistrictSeed, PlannedArea, layout_plan
from cityhall.geo.models import Division, DivisionLevel, Grid
from cityhall.geo.selectors import CITY_CODE, locate_index_invalidate, scope_prefix

DEMO_SOURCE = "演示布局（合成边界）"
DEMO_SEED = 20251231
DEFAULT_IMPORT_SOURCE = "GeoJSON 导入"
_BATCH = 500
_BBOX_FIELDS = ("min_lat", "min_lng", "max_lat", "max_lng")

M = TypeVar("M", Division, Grid)


@dataclass(frozen=True, slots=True)
class LayoutReport:
    """What one demo layout run changed (all zeros when the layout was already in place)."""

    divisions_updated: int
    communities_created: int
    communities_deleted: int
    grids_created: int
    grids_updated: int
    grids_deleted: int

    @property
    def changed(self) -> bool:
        return any(
            (
                self.divisions_updated,
                self.communities_created,
                self.communities_deleted,
                self.grids_created,
                self.grids_updated,
                self.grids_deleted,
            )
        )


def _locate_index_refresh() -> None:
    # Now, so this thread sees its own writes at once; and after commit, because a reader in
    # another thread may have rebuilt the index from the old rows while this transaction ran.
    locate_index_invalidate()
    transaction.on_commit(locate_index_invalidate)


def _demo_reference() -> tuple[Division, list[DistrictSeed], dict[str, str]]:
    city = Division.objects.filter(code=CITY_CODE, level=DivisionLevel.CITY).first()
    if city is None:
        raise DomainError(_("缺少广州市行政区划数据，请先执行数据库迁移"))
    districts = list(Division.objects.filter(parent=city, level=DivisionLevel.DISTRICT))
    streets = list(Division.objects.filter(parent__in=districts, level=DivisionLevel.STREET))
    if not districts or not streets:
        raise DomainError(_("缺少区或街道数据，请先执行数据库迁移"))
    seeds = []
    for district in districts:
        if district.centre_lat is None or district.centre_lng is None:
            raise DomainError(_("%(name)s缺少中心位置，无法生成演示布局") % {"name": district.name})
        seeds.append(
            DistrictSeed(
                code=district.code,
                lat=district.centre_lat,
                lng=district.centre_lng,
                street_codes=tuple(s.code for s in streets if s.parent_id == district.pk),
            )
        )
    return city, seeds, {s.code: s.name for s in streets}


def _in_batches(queryset: "QuerySet[M]", codes: list[str]) -> dict[str, M]:
    """Rows by code, looked up in batches: SQLite caps the parameters of one statement."""
    found: dict[str, M] = {}
    for start in range(0, len(codes), _BATCH):
        found.update((r.code, r) for r in queryset.filter(code__in=codes[start : start + _BATCH]))
    return found


def _rows_update(model: type[M], rows: list[M], fields: Sequence[str]) -> None:
    """Save these fields of each row with one plain UPDATE per row.

    bulk_update() builds a CASE expression per field and row, which costs far more in Python
    than the statements it saves; the caller's transaction keeps the many UPDATEs cheap.
    """
    for row in rows:
        model.objects.filter(pk=row.pk).update(**{f: getattr(row, f) for f in fields})


def _refuse_over_real_data(prefix: str) -> None:
    # The demo replaces its own polygons freely; surveyed ones it must never touch.
    real_boundaries = (
        Division.objects.filter(code__startswith=prefix)
        .exclude(boundary_source__in=["", DEMO_SOURCE])
        .exists()
    )
    real_communities = (
        Division.objects.filter(code__startswith=prefix, level=DivisionLevel.COMMUNITY)
        .exclude(source=DEMO_SOURCE)
        .exists()
    )
    real_grids = Grid.objects.filter(code__startswith=prefix).exclude(source=DEMO_SOURCE).exists()
    if real_boundaries or real_communities or real_grids:
        raise DomainError(
            _("本市已有导入的真实边界、社区或网格，不能用演示布局覆盖"), code="real_data_present"
        )


def _delete_by_pk(model: type[Division] | type[Grid], pks: list[int]) -> None:
    try:
        for start in range(0, len(pks), _BATCH):
            model.objects.filter(pk__in=pks[start : start + _BATCH]).delete()
    except (ProtectedError, RestrictedError) as exc:
        raise DomainError(
            _("旧的演示社区或网格已被其他记录引用，不能替换"), code="demo_layout_in_use"
        ) from exc


def _boundaries_diff(
    divisions: dict[str, Division], geometries: dict[str, BaseGeometry], now: datetime
) -> list[Division]:
    """The existing divisions whose boundary differs from the plan, with the new one set."""
    changed = []
    for code, geometry in geometries.items():
        division = divisions[code]
        geojson = geometry_to_geojson(geometry)
        if division.boundary != geojson or division.boundary_source != DEMO_SOURCE:
            division.boundary, division.boundary_source = geojson, DEMO_SOURCE
            division.updated_at = now
            changed.append(division)
    return changed


def _communities_diff(
    divisions: dict[str, Division], planned: list[PlannedArea], now: datetime
) -> tuple[list[Division], list[Division], list[int]]:
    """Communities to create, to update, and (by pk) to delete to match the plan."""
    new: list[Division] = []
    changed: list[Division] = []
    for community in planned:
        geojson = geometry_to_geojson(community.geometry)
        existing = divisions.get(community.code)
        if existing is None:
            new.append(
                Division(
                    code=community.code,
                    name=community.name,
                    level=DivisionLevel.COMMUNITY,
                    parent=divisions[community.parent_code],
                    boundary=geojson,
                    boundary_source=DEMO_SOURCE,
                    source=DEMO_SOURCE,
                )
            )
        elif existing.boundary != geojson or existing.name != community.name:
            existing.name, existing.boundary, existing.updated_at = community.name, geojson, now
            changed.append(existing)
    planned_codes = {c.code for c in planned}
    stale = [
        d.pk
        for d in divisions.values()
        if d.level == DivisionLevel.COMMUNITY and d.code not in planned_codes
    ]
    return new, changed, stale


def _grids_diff(
    grids: dict[str, Grid], planned: list[PlannedArea], community_ids: dict[str, int], now: datetime
) -> tuple[list[Grid], list[Grid]]:
    """Grids to create and to update to match the plan."""
    new: list[Grid] = []
    changed: list[Grid] = []
    for area in planned:
        grid = grids.get(area.code) or Grid(code=area.code, source=DEMO_SOURCE)
        before = (grid.name, grid.boundary, grid.community_id) if grid.pk else None
        _grid_fill(
            grid,
            name=area.name,
            geometry=area.geometry,
            community_id=community_ids[area.parent_code],
        )
        if grid.pk is None:
            new.append(grid)
        elif before != (grid.name, grid.boundary, grid.community_id):
            grid.updated_at = now
            changed.append(grid)
    return new, changed


@transaction.atomic
def demo_layout_build(
    *, communities_per_street: int, grids_per_community: int, seed: int = DEMO_SEED
) -> LayoutReport:
    """Lay out synthetic communities and grids over Guangzhou; deterministic and idempotent."""
    for value in (communities_per_street, grids_per_community):
        if not 1 <= value <= MAX_PARTS:
            raise DomainError(
                _("每个街道的社区数和每个社区的网格数必须在 1 到 %(max)s 之间") % {"max": MAX_PARTS}
            )
    city, seeds, street_names = _demo_reference()
    prefix = scope_prefix(city)
    _refuse_over_real_data(prefix)
    plan = layout_plan(
        districts=seeds,
        street_names=street_names,
        communities_per_street=communities_per_street,
        grids_per_community=grids_per_community,
        seed=seed,
    )
    # Only what differs from the plan is written, which is what makes a second run a no-op.
    now = timezone.now()
    divisions = {d.code: d for d in Division.objects.filter(code__startswith=prefix)}
    changed_divisions = _boundaries_diff(
        divisions, {city.code: plan.city, **plan.districts, **plan.streets}, now
    )
    new_communities, changed_communities, stale_communities = _communities_diff(
        divisions, plan.communities, now
    )
    grids = {g.code: g for g in Grid.objects.filter(code__startswith=prefix)}
    planned_grid_codes = {g.code for g in plan.grids}
    stale_grids = [g.pk for code, g in grids.items() if code not in planned_grid_codes]

    _delete_by_pk(Grid, stale_grids)
    _delete_by_pk(Division, stale_communities)
    _rows_update(
        Division,
        changed_divisions + changed_communities,
        ["name", "boundary", "boundary_source", "updated_at"],
    )
    Division.objects.bulk_create(new_communities, batch_size=_BATCH)
    community_ids = dict(
        Division.objects.filter(code__startswith=prefix, level=DivisionLevel.COMMUNITY).values_list(
            "code", "pk"
        )
    )
    new_grids, changed_grids = _grids_diff(grids, plan.grids, community_ids, now)
    Grid.objects.bulk_create(new_grids, batch_size=_BATCH)
    _rows_update(
        Grid, changed_grids, ["name", "boundary", "community_id", *_BBOX_FIELDS, "updated_at"]
    )
    report = LayoutReport(
        divisions_updated=len(changed_divisions) + len(changed_communities),
        communities_created=len(new_communities),
        communities_deleted=len(stale_communities),
        grids_created=len(new_grids),
        grids_updated=len(changed_grids),
        grids_deleted=len(stale_grids),
    )
    if report.changed:
        _locate_index_refresh()
    return report


def _grid_fill(grid: Grid, *, name: str, geometry: BaseGeometry, community_id: int) -> None:
    """Set a grid's boundary together with the bounding box that must stay in step with it."""
    box = bounding_box(geometry)
    grid.name = name
    grid.community_id = community_id
    grid.boundary = geometry_to_geojson(geometry)
    grid.min_lat, grid.min_lng, grid.max_lat, grid.max_lng = (
        box.min_lat,
        box.min_lng,
        box.max_lat,
        box.max_lng,
    )


# ---------------------------------------------------------------------------------------------
# Import of real boundaries

IMPORT_LEVELS = ("street", "community", "grid")

# Per import level: the level of the parent, and its code length. A child's code is its parent's
# code plus three digits, the nesting that scope prefixes (`scope_prefix`) rely on.
_PARENT_RULES: dict[str, tuple[str, int]] = {
    "street": (DivisionLevel.DISTRICT, 6),
    "community": (DivisionLevel.STREET, 9),
    "grid": (DivisionLevel.COMMUNITY, 12),
}


@dataclass(frozen=True, slots=True)
class ImportReport:
    level: str
    created: tuple[str, ...]
    updated: tuple[str, ...]

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated)


@dataclass(frozen=True, slots=True)
class _Feature:
    number: int  # 1-based position in the file, for messages
    code: str
    name: str
    parent_code: str
    geometry: BaseGeometry


def _feature_error(number: int, code: str | None, reason: str) -> DomainError:
    if code:
        message = _("第 %(n)s 个要素（编码 %(code)s）：%(reason)s") % {
            "n": number,
            "code": code,
            "reason": reason,
        }
    else:
        message = _("第 %(n)s 个要素：%(reason)s") % {"n": number, "reason": reason}
    return DomainError(message, code="invalid_feature")


def _feature_parse(raw: object, *, number: int, level: str) -> _Feature:
    """One Feature's properties and geometry, or DomainError saying what is wrong."""
    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        raise DomainError(_("不是 GeoJSON Feature"))
    properties = raw.get("properties")
    if not isinstance(properties, dict):
        raise DomainError(_("缺少 properties"))
    code, name, parent_code = (properties.get(k) for k in ("code", "name", "parent_code"))
    parent_digits = _PARENT_RULES[level][1]
    if not isinstance(code, str) or not re.fullmatch(rf"[0-9]{{{parent_digits + 3}}}", code):
        raise DomainError(_("编码必须是 %(n)s 位数字") % {"n": parent_digits + 3})
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 64:
        raise DomainError(_("名称不能为空，且不超过 64 个字"))
    if parent_code is None or parent_code == "":
        parent_code = code[:parent_digits]
    if not isinstance(parent_code, str) or code[:parent_digits] != parent_code:
        raise DomainError(
            _("上级编码 %(parent)s 与编码不符：编码应以上级编码开头") % {"parent": parent_code}
        )
    geometry = geometry_from_geojson(raw.get("geometry"))
    return _Feature(number, code, name.strip(), parent_code, geometry)


def _features_parse(feature_collection: object, *, level: str) -> list[_Feature]:
    if (
        not isinstance(feature_collection, dict)
        or feature_collection.get("type") != "FeatureCollection"
    ):
        raise DomainError(_("文件必须是 GeoJSON FeatureCollection"), code="invalid_feature")
    raw_features = feature_collection.get("features")
    if not isinstance(raw_features, list) or not raw_features:
        raise DomainError(_("FeatureCollection 中没有要素"), code="invalid_feature")
    features: list[_Feature] = []
    seen: set[str] = set()
    for number, raw in enumerate(raw_features, start=1):
        properties = raw.get("properties") if isinstance(raw, dict) else None
        raw_code = properties.get("code") if isinstance(properties, dict) else None
        try:
            feature = _feature_parse(raw, number=number, level=level)
        except DomainError as exc:
            raise _feature_error(
                number, raw_code if isinstance(raw_code, str) else None, exc.message
            ) from exc
        if feature.code in seen:
            raise _feature_error(number, feature.code, _("编码在文件中重复"))
        seen.add(feature.code)
        features.append(feature)
    return features


def _parents_get(features: list[_Feature], *, level: str) -> dict[str, Division]:
    parent_level = _PARENT_RULES[level][0]
    codes = sorted({f.parent_code for f in features})
    parents = _in_batches(Division.objects.filter(level=parent_level), codes)
    for feature in features:
        if feature.parent_code not in parents:
            raise _feature_error(
                feature.number,
                feature.code,
                _("上级区划 %(parent)s 不存在") % {"parent": feature.parent_code},
            )
    return parents


@transaction.atomic
def boundaries_import(
    *, feature_collection: dict[str, Any], level: str, source: str = DEFAULT_IMPORT_SOURCE
) -> ImportReport:
    """Create or update streets, communities or grids from a GeoJSON FeatureCollection, or none."""
    if level not in IMPORT_LEVELS:
        raise DomainError(_("层级必须是 street、community 或 grid 之一"), code="invalid_level")
    source = (source.strip() or DEFAULT_IMPORT_SOURCE)[:200]
    # Everything is checked before the first write, so a bad file leaves no trace.
    features = _features_parse(feature_collection, level=level)
    parents = _parents_get(features, level=level)
    if level == "grid":
        created, updated = _grids_write(features, parents=parents, source=source)
    else:
        created, updated = _divisions_write(features, parents=parents, level=level, source=source)
    _locate_index_refresh()
    return ImportReport(level=level, created=tuple(created), updated=tuple(updated))


def _divisions_write(
    features: list[_Feature], *, parents: dict[str, Division], level: str, source: str
) -> tuple[list[str], list[str]]:
    division_level = DivisionLevel.STREET if level == "street" else DivisionLevel.COMMUNITY
    existing = _in_batches(Division.objects.all(), [f.code for f in features])
    for feature in features:
        division = existing.get(feature.code)
        if division is not None and (
            division.level != division_level
            or division.parent_id != parents[feature.parent_code].pk
        ):
            raise _feature_error(
                feature.number, feature.code, _("该编码已用于其他层级或其他上级的区划")
            )
    now = timezone.now()
    new: list[Division] = []
    changed: list[Division] = []
    for feature in features:
        geojson = geometry_to_geojson(feature.geometry)
        division = existing.get(feature.code)
        if division is None:
            new.append(
                Division(
                    code=feature.code,
                    name=feature.name,
                    level=division_level,
                    parent=parents[feature.parent_code],
                    boundary=geojson,
                    boundary_source=source,
                    source=source,
                )
            )
        else:
            division.name, division.boundary = feature.name, geojson
            division.boundary_source, division.updated_at = source, now
            changed.append(division)
    Division.objects.bulk_create(new, batch_size=_BATCH)
    _rows_update(Division, changed, ["name", "boundary", "boundary_source", "updated_at"])
    return [d.code for d in new], [d.code for d in changed]


def _grids_write(
    features: list[_Feature], *, parents: dict[str, Division], source: str
) -> tuple[list[str], list[str]]:
    existing = _in_batches(Grid.objects.all(), [f.code for f in features])
    now = timezone.now()
    new: list[Grid] = []
    changed: list[Grid] = []
    for feature in features:
        grid = existing.get(feature.code) or Grid(code=feature.code)
        _grid_fill(
            grid,
            name=feature.name,
            geometry=feature.geometry,
            community_id=parents[feature.parent_code].pk,
        )
        grid.source = source
        if grid.pk is None:
            new.append(grid)
        else:
            grid.updated_at = now
            changed.append(grid)
    Grid.objects.bulk_create(new, batch_size=_BATCH)
    _rows_update(
        Grid, changed, ["name", "boundary", "community_id", *_BBOX_FIELDS, "source", "updated_at"]
    )
    return [g.code for g in new], [g.code for g in changed]
