"""Administrators add resources to the catalogue here (a registry view with its fields); the
owner's steward publishes them. Grants, the log and secrets change only through the services."""

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cityhall.exchange.models import DataResource, ResourceField
from cityhall.exchange.opendata import OPEN_VIEWS
from cityhall.exchange.sources import VIEWS
from cityhall.exchange.vocab import KeyKind


class ResourceFieldInline(admin.TabularInline):
    model = ResourceField
    extra = 0


class DataResourceForm(forms.ModelForm):
    class Meta:
        model = DataResource
        fields = (
            "code",
            "title",
            "description",
            "owner",
            "view",
            "key_kind",
            "update_frequency",
            "sharing_type",
            "sharing_conditions",
            "legal_basis",
            "is_open",
            "theme",
            "tags",
            "license_id",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        aggregate = data.get("key_kind") == KeyKind.AGGREGATE
        views = list(OPEN_VIEWS if aggregate else VIEWS)
        name = data.get("view", "")
        if name not in views:
            raise forms.ValidationError(
                _("数据视图须为以下之一：%(views)s") % {"views": ", ".join(views)}
            )
        if not aggregate and VIEWS[name].key_kind != data.get("key_kind"):
            raise forms.ValidationError(_("查询方式与数据视图不一致"))
        return data


@admin.register(DataResource)
class DataResourceAdmin(admin.ModelAdmin):
    form = DataResourceForm
    inlines = [ResourceFieldInline]
    list_display = ("code", "title", "owner", "sharing_type", "key_kind", "status", "is_open")
    list_filter = ("status", "sharing_type", "key_kind", "is_open")
    search_fields = ("code", "title")
    readonly_fields = ("status", "published_at")
