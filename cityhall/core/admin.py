"""Admin for the holiday table (saved through the calendar services) and the read-only audit log."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.db.models.functions import ExtractYear
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cityhall.core.calendar import (
    calendar_day_delete,
    calendar_day_save,
    holiday_schedule_delete,
    holiday_schedule_save,
)
from cityhall.core.models import AuditEntry, CalendarDay, HolidaySchedule

WEEKDAY_NAMES = [
    _("星期一"),
    _("星期二"),
    _("星期三"),
    _("星期四"),
    _("星期五"),
    _("星期六"),
    _("星期日"),
]


class YearFilter(admin.SimpleListFilter):
    title = _("年份")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = (
            CalendarDay.objects.annotate(year=ExtractYear("date"))
            .values_list("year", flat=True)
            .distinct()
            .order_by("-year")
        )
        return [(str(year), str(year)) for year in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name", "source"]
    list_filter = [YearFilter, "kind", "name"]
    date_hierarchy = "date"
    search_fields = ["name", "source"]
    ordering = ["-date"]
    fields = ["date", "kind", "name", "source"]

    @admin.display(description=_("星期"))
    def weekday(self, obj: CalendarDay) -> str:
        return str(WEEKDAY_NAMES[obj.date.weekday()])

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        calendar_day_save(day=obj, by=request.user, request=request)

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        calendar_day_delete(day=obj, by=request.user, request=request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        # One audited delete per day, so the log says which days went, not "some rows".
        for day in queryset:
            calendar_day_delete(day=day, by=request.user, request=request)


@admin.register(HolidaySchedule)
class HolidayScheduleAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "entered_at", "note"]
    date_hierarchy = "entered_at"
    search_fields = ["source", "note"]
    fields = ["year", "source", "entered_at", "note"]

    def save_model(
        self,
        request: HttpRequest,
        obj: HolidaySchedule,
        form: Any,
        change: bool,
    ) -> None:
        holiday_schedule_save(schedule=obj, by=request.user, request=request)

    def delete_model(self, request: HttpRequest, obj: HolidaySchedule) -> None:
        holiday_schedule_delete(schedule=obj, by=request.user, request=request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[HolidaySchedule]) -> None:
        for schedule in queryset:
            holiday_schedule_delete(schedule=schedule, by=request.user, request=request)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log is append-only: administrators may read it, never add, change or delete."""

    list_display = ["seq", "at", "event", "actor_label", "subject_type", "subject_id", "ip"]
    list_filter = ["event", "subject_type"]
    search_fields = ["actor_label", "subject_id"]
    date_hierarchy = "at"
    list_select_related = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
