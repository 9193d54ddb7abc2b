"""Working days on the Chinese calendar: weekends, statutory holidays and make-up working days.

The rule: Monday–Friday are working days and Saturday–Sunday are not, except where the holiday
table (CalendarDay, entered from the State Council's yearly notice) says a weekday is a rest day or
a weekend day is a make-up working day (调休上班). A year whose schedule has not been entered is
counted by weekends alone, and schedule_warnings() tells administrators so.
"""

import threading
import time
import uuid
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cityhall.core.audit import AuditEvent, audit_record
from cityhall.core.models import CalendarDay, CalendarDayKind, HolidaySchedule

Actor = AbstractBaseUser | AnonymousUser | None

# The table is small (a few dozen days a year) and read for every deadline, so each process keeps
# it in memory. An edit must reach every web and worker process, not just the one that saved it:
# the saving process stores a fresh random token under this key in the shared cache (Redis in
# production) after commit, and each process compares the token it loaded with the shared one.
# The comparison costs a cache round trip, so a process does it at most once per
# VERSION_CHECK_SECONDS: other processes see an edit within that many seconds, the editing process
# at once. (With the local-memory cache of development there is one process, so nothing is lost.)
CACHE_VERSION_KEY = "core:calendar:version"
VERSION_CHECK_SECONDS = 5.0


@dataclass(frozen=True)
class _Table:
    # Only the days that depart from the weekly rhythm, as sorted ordinals, so that counting the
    # working days in a range is "weekdays − rest weekdays + make-up weekend days" by bisection.
    rest_weekdays: tuple[int, ...]
    makeup_weekend_days: tuple[int, ...]
    rest_set: frozenset[int]
    makeup_set: frozenset[int]
    scheduled_years: frozenset[int]
    version: str


class _Loaded:
    table: _Table | None = None
    checked_at: float = 0.0


_loaded = _Loaded()
_load_lock = threading.Lock()


def _load(version: str) -> _Table:
    rest: list[int] = []
    makeup: list[int] = []
    for day, kind in CalendarDay.objects.values_list("date", "kind"):
        is_weekend = day.weekday() >= 5
        if kind == CalendarDayKind.REST and not is_weekend:
            rest.append(day.toordinal())
        elif kind == CalendarDayKind.MAKEUP_WORKDAY and is_weekend:
            makeup.append(day.toordinal())
    years = HolidaySchedule.objects.values_list("year", flat=True)
    return _Table(
        rest_weekdays=tuple(sorted(rest)),
        makeup_weekend_days=tuple(sorted(makeup)),
        rest_set=frozenset(rest),
        makeup_set=frozenset(makeup),
        scheduled_years=frozenset(years),
        version=version,
    )


def _shared_version() -> str:
    version = cache.get(CACHE_VERSION_KEY)
    if version is None:
        # First process after a cache flush: agree on one token (add() keeps an existing one).
        cache.add(CACHE_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(CACHE_VERSION_KEY)
    return str(version)


def _table() -> _Table:
    table = _loaded.table
    now = time.monotonic()
    if table is not None and now - _loaded.checked_at < VERSION_CHECK_SECONDS:
        return table
    # Read the token before the rows: if an edit lands in between we hold newer rows under an
    # older token and just reload at the next check; the other order could pin stale rows under
    # the newest token until the next edit.
    version = _shared_version()
    if table is None or table.version != version:
        with _load_lock:
            table = _load(version)
            _loaded.table = table
    _loaded.checked_at = now
    return table


def calendar_cache_clear() -> None:
    """Forget this process's copy of the holiday table; the next call reloads it."""
    _loaded.table = None


def _table_changed() -> None:
    cache.set(CACHE_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    calendar_cache_clear()


# --- Reads ---------------------------------------------------------------------------------------


def _weekdays_before(ordinal: int) -> int:
    # Monday–Friday days among ordinals 1 .. ordinal-1; ordinal 1 (0001-01-01) is a Monday.
    weeks, rest = divmod(ordinal - 1, 7)
    return weeks * 5 + min(rest, 5)


def _count(table: _Table, a: int, b: int) -> int:
    """Working days among ordinals (a, b], for a <= b."""
    weekdays = _weekdays_before(b + 1) - _weekdays_before(a + 1)
    rest = bisect_right(table.rest_weekdays, b) - bisect_right(table.rest_weekdays, a)
    makeup = bisect_right(table.makeup_weekend_days, b) - bisect_right(table.makeup_weekend_days, a)
    return weekdays - rest + makeup


def is_working_day(d: date) -> bool:
    """Whether offices are open on d."""
    table = _table()
    ordinal = d.toordinal()
    if ordinal in table.makeup_set:
        return True
    return d.weekday() < 5 and ordinal not in table.rest_set


def working_days_between(a: date, b: date) -> int:
    """Working days in (a, b]; negative (minus those in (b, a]) when b is before a."""
    table = _table()
    if b < a:
        return -_count(table, b.toordinal(), a.toordinal())
    return _count(table, a.toordinal(), b.toordinal())


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after start (start itself not counted).

    n = 0 gives start if it is a working day, else the next working day: "due the same day"
    on a Sunday means due when the office next opens, never on a day it is closed.
    """
    if n < 0:
        raise ValueError("n must be zero or more")
    if n == 0:
        return start if is_working_day(start) else add_working_days(start, 1)
    table = _table()
    lo = start.toordinal()
    # Grow an upper bound until it holds n working days, then bisect for the first day that does;
    # the count rises by one exactly on working days, so that day is the n-th working day.
    span = n * 7 // 5 + 14
    while _count(table, lo, lo + span) < n:
        span *= 2
    low, high = lo + 1, lo + span
    while low < high:
        middle = (low + high) // 2
        if _count(table, lo, middle) >= n:
            high = middle
        else:
            low = middle + 1
    return date.fromordinal(low)


def years_without_schedule(years: Iterable[int]) -> list[int]:
    """Those of the given years whose State Council holiday schedule has not been entered."""
    scheduled = _table().scheduled_years
    return sorted({year for year in years if year not in scheduled})


# The State Council usually publishes next year's schedule in October or November.
NEXT_YEAR_WARNING_FROM_MONTH = 11


def schedule_warnings(today: date) -> list[str]:
    """Warnings for the administrator workspace about holiday schedules still to be entered."""
    warnings = []
    if years_without_schedule([today.year]):
        warnings.append(
            _(
                "尚未录入 %(year)s 年的国务院节假日安排：本年度的办理时限目前只扣除周末，"
                "不计法定节假日和调休上班日。请在后台“年度节假日安排”和“节假日安排日”中录入。"
            )
            % {"year": today.year}
        )
    if today.month >= NEXT_YEAR_WARNING_FROM_MONTH and years_without_schedule([today.year + 1]):
        warnings.append(
            _(
                "尚未录入 %(year)s 年的国务院节假日安排：跨入该年的办理时限目前只扣除周末。"
                "国务院办公厅发布通知后，请在后台“年度节假日安排”和“节假日安排日”中录入。"
            )
            % {"year": today.year + 1}
        )
    return warnings


# --- Writes (used by the admin) ------------------------------------------------------------------


def _day_detail(day: CalendarDay) -> dict[str, Any]:
    return {"date": day.date.isoformat(), "kind": day.kind, "name": day.name, "source": day.source}


def _schedule_detail(schedule: HolidaySchedule) -> dict[str, Any]:
    return {"year": schedule.year, "source": schedule.source, "note": schedule.note}


def _audited(
    *,
    subject_type: str,
    subject_id: object,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    by: Actor,
    request: HttpRequest | None,
) -> None:
    """Audit one change of the holiday table and make every process reload it after commit."""
    audit_record(
        event=AuditEvent.HOLIDAY_CHANGED,
        actor=by,
        subject_type=subject_type,
        subject_id=str(subject_id),
        detail={"action": action, "before": before, "after": after},
        request=request,
    )
    # After commit: other processes must not reload before the change is visible to them.
    transaction.on_commit(_table_changed)


def calendar_day_save(
    *, day: CalendarDay, by: Actor, request: HttpRequest | None = None
) -> CalendarDay:
    """Create or change one day of the holiday table, audited; every process picks it up."""
    day.full_clean()
    with transaction.atomic():
        before = CalendarDay.objects.filter(pk=day.pk).first() if day.pk else None
        day.save()
        _audited(
            subject_type="core.CalendarDay",
            subject_id=day.pk,
            action="changed" if before else "created",
            before=_day_detail(before) if before else None,
            after=_day_detail(day),
            by=by,
            request=request,
        )
    return day


def calendar_day_delete(*, day: CalendarDay, by: Actor, request: HttpRequest | None = None) -> None:
    """Remove one day from the holiday table, audited; every process picks it up."""
    with transaction.atomic():
        _audited(
            subject_type="core.CalendarDay",
            subject_id=day.pk,
            action="deleted",
            before=_day_detail(day),
            after=None,
            by=by,
            request=request,
        )
        day.delete()


def holiday_schedule_save(
    *, schedule: HolidaySchedule, by: Actor, request: HttpRequest | None = None
) -> HolidaySchedule:
    """Mark a year's State Council schedule as entered (or amend the note), audited."""
    schedule.full_clean()
    with transaction.atomic():
        before = HolidaySchedule.objects.filter(pk=schedule.pk).first() if schedule.pk else None
        schedule.save()
        _audited(
            subject_type="core.HolidaySchedule",
            subject_id=schedule.year,
            action="changed" if before else "created",
            before=_schedule_detail(before) if before else None,
            after=_schedule_detail(schedule),
            by=by,
            request=request,
        )
    return schedule


def holiday_schedule_delete(
    *, schedule: HolidaySchedule, by: Actor, request: HttpRequest | None = None
) -> None:
    """Withdraw the mark that a year's schedule is entered, audited."""
    with transaction.atomic():
        _audited(
            subject_type="core.HolidaySchedule",
            subject_id=schedule.year,
            action="deleted",
            before=_schedule_detail(schedule),
            after=None,
            by=by,
            request=request,
        )
        schedule.delete()
