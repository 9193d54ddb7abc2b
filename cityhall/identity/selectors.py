"""Reads of accounts and organisations. Staff reads are scoped by the actor's unit's division."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from cityhall.core import crypto
from cityhall.core.audit import AuditEvent
from cityhall.core.errors import NotFoundError, PermissionDeniedError
from cityhall.core.models import AuditEntry
from cityhall.geo.selectors import scope_prefix
from cityhall.identity.models import Account, AccountKind, OrgUnit, UnitLevel
from cityhall.identity.roles import CAPABILITIES, Capability

RESIDENT_ID_LENGTH = 18


def id_number_index(id_number: str) -> str:
    return crypto.blind_index(id_number, purpose="resident_id")


def phone_index(phone: str) -> str:
    return crypto.blind_index(phone, purpose="phone")


def account_find_by_identifier(identifier: str) -> Account | None:
    """The account a sign-in identifier names: a login name or a citizen's ID number."""
    identifier = identifier.strip()
    if not identifier:
        return None
    account = Account.objects.filter(username=identifier).first()
    if account is None and len(identifier) == RESIDENT_ID_LENGTH:
        account = Account.objects.filter(id_number_index=id_number_index(identifier)).first()
    return account


def account_roles(account: Account) -> frozenset[str]:
    """The roles an account holds (cached on the instance for the request)."""
    cached: frozenset[str] | None = getattr(account, "_role_cache", None)
    if cached is None:
        if not account.is_authenticated or account.kind != AccountKind.STAFF:
            cached = frozenset()
        else:
            cached = frozenset(account.roles.values_list("role", flat=True))
        account._role_cache = cached  # type: ignore[attr-defined]
    return cached


def account_can(account: Account, capability: Capability) -> bool:
    return bool(account_roles(account) & CAPABILITIES[capability])


def staff_scope_prefix(account: Account) -> str:
    """Division-code prefix of everything this staff member may see (their unit's area)."""
    if account.kind != AccountKind.STAFF or account.unit is None:
        raise PermissionDeniedError(_("仅限工作人员"))
    return scope_prefix(account.unit.division)


def require_capability(account: Account, capability: Capability) -> str:
    """The actor's scope prefix, if their role allows the capability; else PermissionDeniedError."""
    if not account_can(account, capability):
        raise PermissionDeniedError(_("您的岗位无权执行此操作"))
    return staff_scope_prefix(account)


def citizen_list_for_staff(*, actor: Account, query: str = "") -> QuerySet[Account]:
    """Citizens living within the actor's scope, optionally found by name or exact ID number."""
    prefix = require_capability(actor, Capability.CITIZEN_LOOKUP)
    qs = Account.objects.filter(
        kind=AccountKind.CITIZEN, home_division__code__startswith=prefix
    ).select_related("home_division")
    query = query.strip()
    if query:
        if len(query) == RESIDENT_ID_LENGTH:
            qs = qs.filter(id_number_index=id_number_index(query))
        else:
            qs = qs.filter(real_name__contains=query)
    return qs.order_by("real_name", "id")


def citizen_get_for_staff(*, actor: Account, account_id: int) -> Account:
    """One citizen within the actor's scope; outside it the citizen does not exist for them."""
    try:
        return citizen_list_for_staff(actor=actor).get(pk=account_id)
    except Account.DoesNotExist as exc:
        raise NotFoundError(_("未找到该居民")) from exc


def unit_list_for_staff(*, actor: Account) -> QuerySet[OrgUnit]:
    """Organisation units serving an area within the actor's scope."""
    prefix = require_capability(actor, Capability.STAFF_DIRECTORY)
    return (
        OrgUnit.objects.filter(division__code__startswith=prefix, is_active=True)
        .select_related("division", "parent")
        .order_by("level", "code")
    )


def staff_list_for_staff(*, actor: Account, unit: OrgUnit | None = None) -> QuerySet[Account]:
    """Staff of the units within the actor's scope."""
    prefix = require_capability(actor, Capability.STAFF_DIRECTORY)
    qs = Account.objects.filter(
        kind=AccountKind.STAFF, unit__division__code__startswith=prefix
    ).select_related("unit")
    if unit is not None:
        qs = qs.filter(unit=unit)
    return qs.prefetch_related("roles").order_by("unit__code", "username")


def accounts_for_admin(*, actor: Account) -> QuerySet[Account]:
    """Accounts an administrator manages: citizens and staff in their scope."""
    prefix = require_capability(actor, Capability.ADMINISTER)
    return Account.objects.filter(
        Q(kind=AccountKind.CITIZEN, home_division__code__startswith=prefix)
        | Q(kind=AccountKind.STAFF, unit__division__code__startswith=prefix)
    )


def units_for_admin(*, actor: Account) -> QuerySet[OrgUnit]:
    prefix = require_capability(actor, Capability.ADMINISTER)
    return OrgUnit.objects.filter(division__code__startswith=prefix)


def audit_entries_for_staff(*, actor: Account) -> QuerySet[AuditEntry]:
    """Audit entries of staff activity in the actor's scope (the whole chain at city level)."""
    prefix = require_capability(actor, Capability.AUDIT_READ)
    qs = AuditEntry.objects.select_related("actor")
    if actor.unit is not None and actor.unit.level != UnitLevel.CITY:
        qs = qs.filter(actor__unit__division__code__startswith=prefix)
    return qs.order_by("-seq")


def personal_data_reads_of(*, account: Account) -> QuerySet[AuditEntry]:
    """Who read this citizen's personal data, newest first (shown to the citizen)."""
    return (
        AuditEntry.objects.filter(
            event=AuditEvent.PERSONAL_DATA_READ, subject_type="account", subject_id=str(account.pk)
        )
        .select_related("actor__unit")
        .order_by("-seq")
    )
