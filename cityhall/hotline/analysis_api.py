"""The hotline's analysis JSON API (/api/v1/hotline/analysis/): staff only, scoped.

Every endpoint takes a period of local dates (`start`, `end`, both included; at most 366 days;
the last 30 days by default) and an optional `division` code inside the caller's area to narrow
to (a district, street or community). Answers name the scope they were computed for.
"""

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from cityhall.hotline import analysis
from cityhall.identity.models import Account

router = Router()

DEFAULT_DAYS = 30


def _actor(request: HttpRequest) -> Account:
    return request.user  # type: ignore[return-value]


class AnalysisErrorOut(Schema):
    code: str
    message: str


class AnalysisPeriodOut(Schema):
    start: date
    end: date
    scope: str  # the division-code prefix the figures cover ("4401" = the whole city)
    category: str | None = None


class AnalysisCountRowOut(Schema):
    key: str
    label: str
    parent: str
    count: int


class AnalysisCountsOut(AnalysisPeriodOut):
    dimension: str
    total: int
    rows: list[AnalysisCountRowOut]


class AnalysisHotspotOut(Schema):
    rank: int
    grid_code: str
    grid_name: str
    community_name: str
    street_name: str
    district_name: str
    count: int
    boundary: dict[str, Any] | None = None


class AnalysisHotspotsOut(AnalysisPeriodOut):
    hotspots: list[AnalysisHotspotOut]


class AnalysisRepeatOut(Schema):
    kind: str
    count: int
    category_code: str
    category_name: str
    grid_code: str
    grid_name: str
    street_name: str
    master_number: str
    first_received: datetime
    last_received: datetime


class AnalysisRepeatsOut(AnalysisPeriodOut):
    repeats: list[AnalysisRepeatOut]


class AnalysisUnitOut(Schema):
    unit_code: str
    unit_name: str
    total: int
    resolved: int
    on_time: int
    on_time_rate: float | None
    dispatched: int
    returned: int
    return_rate: float | None
    rated: int
    satisfied: int
    satisfaction_rate: float | None
    average_hours: float | None


class AnalysisUnitsOut(AnalysisPeriodOut):
    units: list[AnalysisUnitOut]


ERRORS = {400: AnalysisErrorOut, 403: AnalysisErrorOut, 404: AnalysisErrorOut}


def _period(
    request: HttpRequest, start: date | None, end: date | None, division: str
) -> tuple[str, date, date]:
    """The caller's scope and the period, checked before any counting."""
    prefix = analysis.analysis_scope(_actor(request), division=division)
    end = end or timezone.localdate()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    analysis.period_check(start=start, end=end)
    return prefix, start, end


@router.get("/counts", response={200: AnalysisCountsOut, **ERRORS})
def counts(
    request: HttpRequest,
    dimension: str = analysis.Dimension.CATEGORY.value,
    start: date | None = None,
    end: date | None = None,
    category: str = "",
    division: str = "",
) -> dict[str, Any]:
    """Tickets received per category, district, street, grid or (local) day."""
    prefix, start, end = _period(request, start, end, division)
    analysis.category_check(category)
    rows = analysis.counts_by(
        dimension=dimension, start=start, end=end, category_code=category or None, prefix=prefix
    )
    return {
        "start": start,
        "end": end,
        "scope": prefix,
        "category": category or None,
        "dimension": dimension,
        "total": sum(r.count for r in rows),
        "rows": rows,
    }


@router.get("/hotspots", response={200: AnalysisHotspotsOut, **ERRORS})
def hotspots(
    request: HttpRequest,
    start: date | None = None,
    end: date | None = None,
    category: str = "",
    division: str = "",
    limit: int = 20,
    geometry: bool = False,
) -> dict[str, Any]:
    """The grids with the most tickets; `geometry=true` adds each grid's GeoJSON polygon."""
    prefix, start, end = _period(request, start, end, division)
    analysis.category_check(category)
    found = analysis.hotspots(
        start=start, end=end, category_code=category or None, prefix=prefix, limit=limit
    )
    rows = found if geometry else [replace(h, boundary=None) for h in found]
    return {
        "start": start,
        "end": end,
        "scope": prefix,
        "category": category or None,
        "hotspots": rows,
    }


@router.get("/repeats", response={200: AnalysisRepeatsOut, **ERRORS})
def repeats(
    request: HttpRequest,
    start: date | None = None,
    end: date | None = None,
    division: str = "",
    min_count: int = 2,
    limit: int = 50,
) -> dict[str, Any]:
    """One category reported at one grid again and again, and tickets merged as duplicates."""
    prefix, start, end = _period(request, start, end, division)
    rows = analysis.repeat_locations(
        start=start, end=end, prefix=prefix, min_count=min_count, limit=limit
    )
    return {"start": start, "end": end, "scope": prefix, "repeats": rows}


@router.get("/units", response={200: AnalysisUnitsOut, **ERRORS})
def units(
    request: HttpRequest,
    start: date | None = None,
    end: date | None = None,
    division: str = "",
) -> dict[str, Any]:
    """Per handling unit: tickets, on-time rate, return rate, satisfaction, hours to resolve."""
    prefix, start, end = _period(request, start, end, division)
    rows = analysis.unit_performance(start=start, end=end, prefix=prefix)
    return {"start": start, "end": end, "scope": prefix, "units": rows}
