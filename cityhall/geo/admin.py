"""Admin for divisions and grids: browse and search; geometry changes go through the import."""

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from cityhall.geo.models import Division, Grid
from cityhall.geo.selectors import locate_index_invalidate


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    # Codes and names come from the national table and boundaries from the import command, so
    # the admin only shows them.
    list_display = ("code", "name", "level", "parent", "boundary_source", "updated_at")
    list_filter = ("level",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    ordering = ("code",)
    readonly_fields = (
        "code",
        "name",
        "level",
        "parent",
        "centre_lat",
        "centre_lng",
        "source",
        "boundary_source",
        "boundary",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Division | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Division | None = None) -> bool:
        return False


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "community", "source", "updated_at")
    search_fields = ("code", "name", "community__name", "community__code")
    list_select_related = ("community",)
    ordering = ("code",)
    fields = (
        "code",
        "name",
        "community",
        "source",
        ("min_lat", "min_lng", "max_lat", "max_lng"),
        "boundary",
        "updated_at",
    )
    # Only the name is edited here: a boundary and its bounding box change together, through
    # `geo_import_boundaries`, which validates the polygon.
    readonly_fields = (
        "code",
        "community",
        "source",
        "min_lat",
        "min_lng",
        "max_lat",
        "max_lng",
        "boundary",
        "updated_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Grid]:
        return super().get_queryset(request).select_related("community")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Grid | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Grid, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Grid names are part of locate answers; refresh this process's index at once.
        locate_index_invalidate()
