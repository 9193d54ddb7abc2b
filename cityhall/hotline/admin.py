"""Administrators edit the hotline's reference data here: categories (city only), the routing
table (category × district/street → unit; a district edits its own rules), inspectors' grids.
Tickets are not in the admin: they hold personal data and change only through the services."""

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from cityhall.geo.selectors import scope_prefix
from cityhall.hotline.classification import classifier_invalidate
from cityhall.hotline.models import (
    Category,
    ClassifierModel,
    InspectorGrid,
    Open311Client,
    RoutingRule,
)
from cityhall.hotline.services.reference import reference_invalidate
from cityhall.identity.models import Account, UnitLevel


def _prefix(request: HttpRequest) -> str | None:
    """None for the city (everything); else the administrator's area code prefix."""
    user: Account = request.user  # type: ignore[assignment]
    if user.unit is None:
        return ""
    if user.unit.level == UnitLevel.CITY:
        return None
    return scope_prefix(user.unit.division)


class ReferenceAdmin(admin.ModelAdmin):
    """Edits reach this process's intake at once, other processes within seconds."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        transaction.on_commit(reference_invalidate)
        transaction.on_commit(classifier_invalidate)  # the keyword baseline reads categories

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        transaction.on_commit(reference_invalidate)


@admin.register(Category)
class CategoryAdmin(ReferenceAdmin):
    list_display = [
        "code",
        "name",
        "group",
        "handler_level",
        "department",
        "time_limit_days",
        "urgent",
        "urgent_hours",
        "is_active",
    ]
    list_filter = ["group", "handler_level", "urgent", "is_active"]
    search_fields = ["code", "name", "keywords"]
    readonly_fields = ["source"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(ReferenceAdmin):
    list_display = ["category", "division", "unit"]
    list_filter = ["category__group"]
    search_fields = ["category__code", "category__name", "division__name", "unit__name"]
    autocomplete_fields = ["unit"]
    raw_id_fields = ["division"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoutingRule]:
        qs = super().get_queryset(request).select_related("category", "division", "unit")
        prefix = _prefix(request)
        if prefix is None:
            return qs
        return qs.filter(division__code__startswith=prefix) if prefix else qs.none()

    def save_model(self, request: HttpRequest, obj: RoutingRule, form: Any, change: bool) -> None:
        prefix = _prefix(request)
        if prefix is not None and (
            obj.division is None or not obj.division.code.startswith(prefix)
        ):
            # A district may only route within its own area; citywide rules are the city's.
            raise PermissionError("routing rule outside the administrator's area")
        super().save_model(request, obj, form, change)


@admin.register(InspectorGrid)
class InspectorGridAdmin(admin.ModelAdmin):
    list_display = ["inspector", "grid"]
    search_fields = ["inspector__username", "inspector__real_name", "grid__code", "grid__name"]
    raw_id_fields = ["inspector", "grid"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[InspectorGrid]:
        qs = super().get_queryset(request).select_related("inspector", "grid")
        prefix = _prefix(request)
        if prefix is None:
            return qs
        return qs.filter(grid__code__startswith=prefix) if prefix else qs.none()


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "key_prefix", "is_active", "last_used_at"]
    readonly_fields = ["key_prefix", "key_hash", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Keys are issued by `manage.py open311_key_create`, which shows the key once.
        return False


@admin.register(ClassifierModel)
class ClassifierModelAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "samples",
        "accuracy",
        "top3_accuracy",
        "baseline_accuracy",
        "type_accuracy",
        "is_active",
    ]
    exclude = ["payload"]
    readonly_fields = [
        "created_at",
        "samples",
        "accuracy",
        "top3_accuracy",
        "baseline_accuracy",
        "type_accuracy",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
