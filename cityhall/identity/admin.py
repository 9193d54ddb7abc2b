"""Admin for accounts and organisations, scoped to the administrator's area."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cityhall.core import crypto
from cityhall.geo.models import Division
from cityhall.identity import selectors, services
from cityhall.identity.models import Account, EnterpriseMandate, OrgUnit, StaffRole


def _actor(request: HttpRequest) -> Account:
    return request.user  # type: ignore[return-value]


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 1
    fields = ["role", "granted_at"]
    readonly_fields = ["granted_at"]


@admin.register(Account)
class AccountAdmin(UserAdmin):
    list_display = [
        "username",
        "real_name",
        "kind",
        "masked_id",
        "unit",
        "is_active",
        "locked_until",
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["username", "real_name"]
    ordering = ["username"]
    inlines = [StaffRoleInline]
    readonly_fields = ["masked_id", "gender", "birth_date", "last_login", "date_joined"]
    fieldsets = (
        (None, {"fields": ("username", "password", "kind", "real_name", "masked_id")}),
        (_("资料"), {"fields": ("gender", "birth_date", "email", "home_division", "language")}),
        (_("工作单位"), {"fields": ("unit", "is_active")}),
        (_("登录"), {"fields": ("last_login", "date_joined", "failed_signins", "locked_until")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "real_name", "kind", "unit", "password1", "password2"),
            },
        ),
    )
    actions = ["unlock"]

    @admin.display(description=_("证件号码"))
    def masked_id(self, obj: Account) -> str:
        return crypto.mask_id_number(obj.id_number) if obj.id_number else "—"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Account]:
        return selectors.accounts_for_admin(actor=_actor(request)).select_related("unit")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "unit":
            kwargs["queryset"] = selectors.units_for_admin(actor=_actor(request))
        if db_field.name == "home_division":
            prefix = selectors.staff_scope_prefix(_actor(request))
            kwargs["queryset"] = Division.objects.filter(level="community", code__startswith=prefix)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_inlines(self, request: HttpRequest, obj: Account | None = None) -> list[Any]:
        return [StaffRoleInline] if obj is not None and obj.is_staff_member else []

    def save_formset(
        self,
        request: HttpRequest,
        form: ModelForm,
        formset: BaseInlineFormSet,
        change: bool,
    ) -> None:
        # Role changes go through the services so every grant and revocation is audited.
        if formset.model is not StaffRole:
            super().save_formset(request, form, formset, change)
            return
        account: Account = form.instance
        actor = _actor(request)
        # Django's change message reads these lists; fill them with what the services did.
        added: list[StaffRole] = []
        removed: list[StaffRole] = []
        for inline_form in formset.forms:
            deleting = formset._should_delete_form(inline_form)  # type: ignore[attr-defined]
            if not inline_form.has_changed() and not deleting:
                continue
            original = StaffRole.objects.filter(pk=inline_form.instance.pk).first()
            role = inline_form.cleaned_data.get("role")
            if original is not None and (deleting or original.role != role):
                services.role_revoke(account=account, role=original.role, by=actor, request=request)
                removed.append(original)
            if role and not deleting:
                added.append(
                    services.role_grant(account=account, role=role, by=actor, request=request)
                )
        formset.new_objects, formset.changed_objects, formset.deleted_objects = added, [], removed

    @admin.action(description=_("解除登录锁定"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[Account]) -> None:
        for account in queryset:
            services.account_unlock(account=account, by=_actor(request), request=request)
        self.message_user(request, _("已解除锁定。"), messages.SUCCESS)


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "level", "division", "is_active"]
    list_filter = ["kind", "level", "is_active"]
    search_fields = ["code", "name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrgUnit]:
        return selectors.units_for_admin(actor=_actor(request)).select_related("division")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        actor = _actor(request)
        if db_field.name == "division":
            kwargs["queryset"] = Division.objects.filter(
                code__startswith=selectors.staff_scope_prefix(actor)
            )
        if db_field.name == "parent":
            kwargs["queryset"] = OrgUnit.objects.all()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(EnterpriseMandate)
class EnterpriseMandateAdmin(admin.ModelAdmin):
    list_display = ["enterprise_name", "uscc", "agent", "valid_from", "valid_until"]
    search_fields = ["enterprise_name", "uscc"]
    raw_id_fields = ["agent"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[EnterpriseMandate]:
        prefix = selectors.staff_scope_prefix(_actor(request))
        return EnterpriseMandate.objects.filter(
            agent__home_division__code__startswith=prefix
        ).select_related("agent")
