from collections.abc import Iterator
from datetime import date, timedelta

import chinese_calendar
import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cityhall.core import calendar
from cityhall.core.admin import AuditEntryAdmin, CalendarDayAdmin
from cityhall.core.audit import AuditEvent
from cityhall.core.calendar import (
    add_working_days,
    calendar_cache_clear,
    calendar_day_delete,
    calendar_day_save,
    holiday_schedule_save,
    is_working_day,
    schedule_warnings,
    working_days_between,
    years_without_schedule,
)
from cityhall.core.models import AuditEntry, CalendarDay, CalendarDayKind, HolidaySchedule

pytestmark = pytest.mark.django_db

# Hypothesis runs many examples inside one test's database transaction; they only read.
db_settings = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


@pytest.fixture(autouse=True)
def fresh_table() -> Iterator[None]:
    # The table lives in module memory across tests, but each test's database is rolled back.
    calendar_cache_clear()
    yield
    calendar_cache_clear()


def last_audit_entry() -> AuditEntry:
    return AuditEntry.objects.order_by("-seq")[0]


def naive_add(start: date, n: int) -> date:
    """Reference: step one day at a time."""
    day = start
    if n == 0:
        while not is_working_day(day):
            day += timedelta(days=1)
        return day
    while n:
        day += timedelta(days=1)
        n -= is_working_day(day)
    return day


def naive_between(a: date, b: date) -> int:
    lo, hi, sign = (a, b, 1) if a <= b else (b, a, -1)
    count = sum(is_working_day(lo + timedelta(days=i)) for i in range(1, (hi - lo).days + 1))
    return sign * count


# --- Known answers -------------------------------------------------------------------------------


def test_twenty_working_days_after_26_september_2025() -> None:
    # 2025-09-28 (Sunday) and 2025-10-11 (Saturday) are worked; 1–8 October are off.
    assert add_working_days(date(2025, 9, 26), 20) == date(2025, 10, 30)
    assert working_days_between(date(2025, 9, 26), date(2025, 10, 30)) == 20
    assert working_days_between(date(2025, 10, 30), date(2025, 9, 26)) == -20


def test_spring_festival_2025_and_its_make_up_days() -> None:
    # 2025 notice: 28 January – 4 February off; Sunday 26 January and Saturday 8 February worked.
    assert is_working_day(date(2025, 1, 26))  # Sunday, make-up
    assert not is_working_day(date(2025, 1, 28))
    assert not is_working_day(date(2025, 2, 4))  # Tuesday, still the holiday
    assert is_working_day(date(2025, 2, 5))
    assert is_working_day(date(2025, 2, 8))  # Saturday, make-up
    assert not is_working_day(date(2025, 2, 9))
    assert add_working_days(date(2025, 1, 24), 1) == date(2025, 1, 26)
    assert add_working_days(date(2025, 1, 27), 1) == date(2025, 2, 5)
    assert add_working_days(date(2025, 2, 7), 1) == date(2025, 2, 8)
    # Fri 24 Jan .. Mon 10 Feb: 26, 27 Jan; 5, 6, 7, 8, 10 Feb.
    assert working_days_between(date(2025, 1, 24), date(2025, 2, 10)) == 7


def test_zero_days_is_the_same_day_or_the_next_working_day() -> None:
    assert add_working_days(date(2025, 10, 9), 0) == date(2025, 10, 9)
    assert add_working_days(date(2025, 10, 1), 0) == date(2025, 10, 9)
    assert add_working_days(date(2025, 10, 11), 0) == date(2025, 10, 11)  # make-up Saturday
    assert add_working_days(date(2025, 10, 12), 0) == date(2025, 10, 13)  # ordinary Sunday
    with pytest.raises(ValueError):
        add_working_days(date(2025, 10, 9), -1)


def test_table_agrees_with_the_package_for_every_day_2004_to_2026() -> None:
    day, last = date(2004, 1, 1), date(2026, 12, 31)
    disagreements = []
    while day <= last:
        if is_working_day(day) != chinese_calendar.is_workday(day):
            disagreements.append(day)
        day += timedelta(days=1)
    assert disagreements == []


def test_seeded_names_are_chinese() -> None:
    assert CalendarDay.objects.get(date=date(2025, 10, 1)).name == "国庆节"
    assert CalendarDay.objects.get(date=date(2025, 1, 29)).name == "春节"
    assert CalendarDay.objects.get(date=date(2015, 9, 3)).name == "抗战胜利纪念日"
    assert CalendarDay.objects.get(date=date(2025, 10, 11)).kind == CalendarDayKind.MAKEUP_WORKDAY
    assert set(HolidaySchedule.objects.values_list("year", flat=True)) == set(range(2004, 2027))


# --- Years without a schedule --------------------------------------------------------------------


def test_a_year_without_schedule_counts_weekends_only() -> None:
    assert years_without_schedule([2025, 2026, 2027, 2027]) == [2027]
    # 1 January 2027 is a Friday and will surely be a holiday, but nothing has been entered yet.
    assert is_working_day(date(2027, 1, 1))
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert add_working_days(date(2027, 1, 1), 5) == date(2027, 1, 8)
    weekdays_2027 = sum((date(2027, 1, 1) + timedelta(days=i)).weekday() < 5 for i in range(365))
    assert working_days_between(date(2026, 12, 31), date(2027, 12, 31)) == weekdays_2027 == 261


def test_warnings_on_21_november_2026_name_2027_only() -> None:
    warnings = schedule_warnings(date(2026, 11, 21))
    assert len(warnings) == 1
    assert "2027" in warnings[0]
    assert "2026" not in warnings[0]


def test_no_warning_for_next_year_before_november() -> None:
    assert schedule_warnings(date(2026, 10, 31)) == []


def test_warning_for_the_current_year_without_schedule() -> None:
    warnings = schedule_warnings(date(2027, 3, 1))
    assert len(warnings) == 1
    assert "2027" in warnings[0]


def test_entering_the_schedule_silences_the_warning(
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        holiday_schedule_save(
            schedule=HolidaySchedule(year=2027, source="国办发明电〔2026〕X号"), by=None
        )
    assert schedule_warnings(date(2026, 11, 21)) == []
    assert years_without_schedule([2027]) == []
    entry = last_audit_entry()
    assert entry.event == AuditEvent.HOLIDAY_CHANGED
    assert entry.subject_type == "core.HolidaySchedule"
    assert entry.detail["after"]["year"] == 2027


# --- Editing through the services ----------------------------------------------------------------


def test_saving_a_day_changes_results_at_once_and_is_audited(
    django_capture_on_commit_callbacks,
) -> None:
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)
    with django_capture_on_commit_callbacks(execute=True):
        day = calendar_day_save(
            day=CalendarDay(date=date(2027, 1, 1), kind=CalendarDayKind.REST, name="元旦"), by=None
        )
    assert not is_working_day(date(2027, 1, 1))
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    entry = last_audit_entry()
    assert entry.event == AuditEvent.HOLIDAY_CHANGED
    assert entry.subject_id == str(day.pk)
    assert entry.detail["action"] == "created"
    assert entry.detail["after"]["date"] == "2027-01-01"

    with django_capture_on_commit_callbacks(execute=True):
        calendar_day_delete(day=day, by=None)
    assert is_working_day(date(2027, 1, 1))
    assert last_audit_entry().detail["action"] == "deleted"


def test_changing_a_day_moves_it(django_capture_on_commit_callbacks) -> None:
    day = CalendarDay.objects.get(date=date(2025, 10, 8))
    day.date = date(2025, 10, 10)  # pretend the notice had said Friday 10 October instead
    with django_capture_on_commit_callbacks(execute=True):
        calendar_day_save(day=day, by=None)
    assert is_working_day(date(2025, 10, 8))
    assert not is_working_day(date(2025, 10, 10))
    detail = last_audit_entry().detail
    assert detail["before"]["date"] == "2025-10-08"
    assert detail["after"]["date"] == "2025-10-10"


def test_a_rolled_back_edit_changes_nothing(django_capture_on_commit_callbacks) -> None:
    assert is_working_day(date(2027, 1, 1))
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        calendar_day_save(
            day=CalendarDay(date=date(2027, 1, 1), kind=CalendarDayKind.REST, name="元旦"),
            by=None,
        )
        raise RuntimeError("the surrounding request failed")
    assert callbacks == []
    assert is_working_day(date(2027, 1, 1))
    assert not CalendarDay.objects.filter(date=date(2027, 1, 1)).exists()


def test_a_make_up_working_day_must_fall_on_a_weekend() -> None:
    with pytest.raises(ValidationError) as caught:
        calendar_day_save(
            day=CalendarDay(
                date=date(2027, 1, 6), kind=CalendarDayKind.MAKEUP_WORKDAY, name="元旦"
            ),
            by=None,
        )
    assert "date" in caught.value.message_dict
    assert not CalendarDay.objects.filter(date=date(2027, 1, 6)).exists()


def test_a_date_can_be_entered_once() -> None:
    with pytest.raises(ValidationError):
        calendar_day_save(
            day=CalendarDay(date=date(2025, 10, 1), kind=CalendarDayKind.REST, name="国庆节"),
            by=None,
        )


# --- Caching -------------------------------------------------------------------------------------


def test_the_table_is_read_once_not_per_call(
    django_assert_num_queries, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_working_days(date(2025, 1, 1), 1)
    # Even checking the shared version on every call must not reload an unchanged table.
    monkeypatch.setattr(calendar, "VERSION_CHECK_SECONDS", 0.0)
    with django_assert_num_queries(0):
        for offset in range(2000):
            start = date(2024, 1, 1) + timedelta(days=offset)
            add_working_days(start, 30)
            working_days_between(start, start + timedelta(days=45))
            is_working_day(start)


def test_another_process_edit_is_noticed_through_the_shared_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert is_working_day(date(2027, 1, 1))
    # Another process writes the row and bumps the shared version; this process has not looked.
    CalendarDay.objects.create(date=date(2027, 1, 1), kind=CalendarDayKind.REST, name="元旦")
    assert is_working_day(date(2027, 1, 1))  # still the copy in memory: no query per call
    cache.set(calendar.CACHE_VERSION_KEY, "bumped-by-another-process", timeout=None)
    assert is_working_day(date(2027, 1, 1))  # within the check interval
    monkeypatch.setattr(calendar, "VERSION_CHECK_SECONDS", 0.0)
    assert not is_working_day(date(2027, 1, 1))


# --- Properties ----------------------------------------------------------------------------------

dates = st.dates(min_value=date(2004, 1, 1), max_value=date(2027, 12, 31))


@db_settings
@given(start=dates, n=st.integers(min_value=0, max_value=400))
def test_add_and_between_agree(start: date, n: int) -> None:
    end = add_working_days(start, n)
    assert is_working_day(end)
    if n > 0:
        assert end > start
        assert working_days_between(start, end) == n
        # ... and it is the first such day: one day earlier there are n - 1.
        assert working_days_between(start, end - timedelta(days=1)) == n - 1
    else:
        assert working_days_between(start, end) == (0 if end == start else 1)


@db_settings
@given(start=dates, n=st.integers(min_value=0, max_value=60))
def test_add_matches_stepping_day_by_day(start: date, n: int) -> None:
    assert add_working_days(start, n) == naive_add(start, n)


@db_settings
@given(a=dates, span=st.integers(min_value=-400, max_value=400))
def test_between_matches_counting_day_by_day(a: date, span: int) -> None:
    b = a + timedelta(days=span)
    assert working_days_between(a, b) == naive_between(a, b)
    assert working_days_between(a, b) == -working_days_between(b, a)


@db_settings
@given(a=dates, b=dates)
def test_adding_the_count_between_reaches_any_later_working_day(a: date, b: date) -> None:
    if b <= a or not is_working_day(b):
        return
    assert add_working_days(a, working_days_between(a, b)) == b


# --- Admin ---------------------------------------------------------------------------------------


def test_admin_saves_and_deletes_through_the_services(django_capture_on_commit_callbacks) -> None:
    request = RequestFactory().post("/admin/core/calendarday/add/")
    request.user = AnonymousUser()
    model_admin = CalendarDayAdmin(CalendarDay, admin.site)
    day = CalendarDay(date=date(2027, 1, 1), kind=CalendarDayKind.REST, name="元旦")
    before = AuditEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        model_admin.save_model(request, day, form=None, change=False)
    assert not is_working_day(date(2027, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        model_admin.delete_queryset(request, CalendarDay.objects.filter(date__year=2027))
    assert is_working_day(date(2027, 1, 1))
    assert AuditEntry.objects.count() == before + 2


def test_audit_log_admin_is_read_only() -> None:
    request = RequestFactory().get("/admin/core/auditentry/")
    model_admin = AuditEntryAdmin(AuditEntry, admin.site)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
