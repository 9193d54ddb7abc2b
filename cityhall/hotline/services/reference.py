"""Per-process cache of the hotline's reference data: categories, organisation units, routing
rules and division codes. Intake looks these up for every ticket (a city's hotline takes them in
by the hundred per second); they change a few times a year.

Each table is compared with a cheap database stamp (row count and latest change) at most every
RECHECK_SECONDS, so an administrator's edit reaches every process within seconds; the process
that makes an edit through these services sees it at once (`reference_invalidate`).
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Count, Max, Model

from cityhall.geo.models import Division
from cityhall.hotline.models import Category, RoutingRule
from cityhall.identity.models import OrgUnit, UnitKind, UnitLevel

RECHECK_SECONDS = 5.0
T = TypeVar("T")


class _Stamped(Generic[T]):
    """A value built from some tables, rebuilt when their stamp changes."""

    def __init__(self, models: tuple[type[Model], ...], build: Callable[[], T]) -> None:
        self.models, self.build = models, build
        self.lock = threading.Lock()
        self.value: T | None = None
        self.stamp: tuple[Any, ...] | None = None
        self.checked_at = 0.0

    def _stamp(self) -> tuple[Any, ...]:
        parts: list[Any] = []
        for model in self.models:
            row = model._default_manager.aggregate(n=Count("pk"), last=Max("updated_at"))
            parts += [row["n"], row["last"]]
        return tuple(parts)

    def get(self) -> T:
        value = self.value
        if value is not None and time.monotonic() - self.checked_at < RECHECK_SECONDS:
            return value
        with self.lock:
            stamp = self._stamp()
            if self.value is None or stamp != self.stamp:
                self.value, self.stamp = self.build(), stamp
            self.checked_at = time.monotonic()
            return self.value

    def clear(self) -> None:
        with self.lock:
            self.value, self.stamp, self.checked_at = None, None, 0.0


@dataclass(frozen=True)
class _Units:
    by_code: dict[str, OrgUnit]
    by_pk: dict[int, OrgUnit]
    city_centre: OrgUnit | None
    district_centres: dict[int, OrgUnit]  # division id → that district's hotline centre


def _units() -> _Units:
    units = list(OrgUnit.objects.filter(is_active=True).select_related("division"))
    centres = [u for u in units if u.kind == UnitKind.HOTLINE_CENTRE]
    return _Units(
        by_code={u.code: u for u in units},
        by_pk={u.pk: u for u in units},
        city_centre=next((u for u in centres if u.level == UnitLevel.CITY), None),
        district_centres={u.division_id: u for u in centres if u.level == UnitLevel.DISTRICT},
    )


def _routes() -> dict[int, dict[int | None, int]]:
    table: dict[int, dict[int | None, int]] = {}
    for category_id, division_id, unit_id in RoutingRule.objects.values_list(
        "category_id", "division_id", "unit_id"
    ):
        table.setdefault(category_id, {})[division_id] = unit_id
    return table


_categories = _Stamped((Category,), lambda: {c.code: c for c in Category.objects.all()})
_unit_table = _Stamped((OrgUnit,), _units)
_route_table = _Stamped((RoutingRule,), _routes)


def _divisions() -> tuple[dict[str, int], dict[int, str]]:
    pairs = list(Division.objects.values_list("code", "pk"))
    return dict(pairs), {pk: code for code, pk in pairs}


_division_codes = _Stamped((Division,), _divisions)


def category_by_code(code: str) -> Category | None:
    category = _categories.get().get(code)
    return category if category is not None and category.is_active else None


def unit_by_code(code: str) -> OrgUnit | None:
    return _unit_table.get().by_code.get(code)


def unit_by_pk(pk: int) -> OrgUnit | None:
    return _unit_table.get().by_pk.get(pk)


def city_centre_unit() -> OrgUnit | None:
    return _unit_table.get().city_centre


def district_centre_unit(district_id: int) -> OrgUnit | None:
    return _unit_table.get().district_centres.get(district_id)


def routes_of(category_id: int) -> dict[int | None, int]:
    """division id (None = citywide) → unit id, for one category."""
    return _route_table.get().get(category_id, {})


def division_id(code: str) -> int | None:
    return _division_codes.get()[0].get(code)


def division_code(pk: int) -> str | None:
    return _division_codes.get()[1].get(pk)


def reference_invalidate() -> None:
    """Forget everything cached in this process (tests, and services that edit these tables)."""
    for cache in (_categories, _unit_table, _route_table, _division_codes):
        cache.clear()
