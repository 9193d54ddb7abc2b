"""Administrators edit the catalogue here: an edit is made on a new draft version, and a draft
becomes current only through `item_version_publish`, which validates its BPMN process."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cityhall.catalog.models import (
    Bundle,
    BundleItem,
    Department,
    ItemVersion,
    Material,
    ServiceItem,
    VersionStatus,
)
from cityhall.catalog.services import item_version_draft, item_version_publish
from cityhall.catalog.workflow import ProcessError
from cityhall.core.errors import DomainError


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "unit_suffix", "level"]
    list_filter = ["level"]
    search_fields = ["name", "unit_suffix"]


class VersionInline(admin.TabularInline):
    model = ItemVersion
    fields = ["number", "status", "name", "published_at"]
    readonly_fields = ["number", "status", "name", "published_at"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ["code", "area", "is_active"]
    list_filter = ["area", "is_active"]
    search_fields = ["code", "versions__name"]
    inlines = [VersionInline]
    actions = ["new_draft"]

    @admin.action(description=_("为所选事项新建草稿版本"), permissions=["change"])
    def new_draft(self, request: HttpRequest, queryset: QuerySet[ServiceItem]) -> None:
        for item in queryset:
            draft = item_version_draft(item=item, by=request.user)  # type: ignore[arg-type]
            self.message_user(
                request, _("%(item)s：草稿第 %(n)s 版") % {"item": item.code, "n": draft.number}
            )


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    fields = ["seq", "name", "required", "form", "blank_form", "fetch_source", "note"]


class ItemVersionForm(forms.ModelForm):
    bpmn_file = forms.FileField(
        label=_("上传 BPMN 文件"),
        required=False,
        help_text=_("用 bpmn.io / Camunda Modeler 等编辑器绘制的 .bpmn 文件；发布时校验"),
    )

    class Meta:
        model = ItemVersion
        fields = [
            "name",
            "kind",
            "department",
            "applicant_type",
            "legal_basis",
            "conditions",
            "legal_limit_days",
            "promised_limit_days",
            "instant",
            "venues",
            "online_depth",
            "required_visits",
            "fee",
            "review_departments",
            "result_type",
            "result_name",
            "form_fields",
            "bpmn_xml",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("bpmn_file")
        if upload:
            if upload.size > 2 * 1024 * 1024:
                raise forms.ValidationError(_("BPMN 文件不能超过 2 MB"))
            try:
                cleaned["bpmn_xml"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("BPMN 文件必须是 UTF-8 编码的 XML")) from None
        return cleaned

    def save(self, commit: bool = True) -> ItemVersion:
        if self.cleaned_data.get("bpmn_xml"):
            self.instance.bpmn_xml = self.cleaned_data["bpmn_xml"]
        return super().save(commit=commit)


@admin.register(ItemVersion)
class ItemVersionAdmin(admin.ModelAdmin):
    form = ItemVersionForm
    list_display = ["item", "number", "name", "status", "department", "instant", "published_at"]
    list_filter = ["status", "kind", "instant", "item__area"]
    search_fields = ["item__code", "name"]
    inlines = [MaterialInline]
    actions = ["publish"]
    filter_horizontal = ["review_departments"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # versions are made from an item ("new draft"), never from nothing

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Published and superseded versions are history: running applications rely on them.
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("校验流程并发布所选草稿"), permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[ItemVersion]) -> None:
        for version in queryset:
            try:
                item_version_publish(version=version, by=request.user)  # type: ignore[arg-type]
            except ProcessError as error:
                self.message_user(
                    request,
                    f"{version}：{error.message}：" + "；".join(error.problems),
                    level=messages.ERROR,
                )
            except DomainError as error:
                self.message_user(request, f"{version}：{error.message}", level=messages.ERROR)
            else:
                self.message_user(request, _("%(v)s 已发布") % {"v": version})


class BundleItemInline(admin.TabularInline):
    model = BundleItem
    extra = 0


@admin.register(Bundle)
class BundleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "department", "is_active"]
    inlines = [BundleItemInline]
    search_fields = ["code", "name"]
