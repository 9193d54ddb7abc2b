"""Reads of the exchange, scoped to who asks: citizens see reads of their own data; stewards
see their department's resources, systems, grants, log and objections."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from cityhall.core.models import AuditEntry
from cityhall.exchange.models import (
    AccessGrant,
    AccessLogEntry,
    ClientSystem,
    DataResource,
    Objection,
)
from cityhall.exchange.services.common import steward_unit
from cityhall.exchange.vocab import ResourceStatus
from cityhall.identity import selectors as identity_selectors
from cityhall.identity.models import Account, OrgUnit
from cityhall.identity.roles import Capability


def exchange_reads_of(*, account: Account) -> QuerySet[AccessLogEntry]:
    """Reads of this citizen's data through the exchange, newest first; a restricted read shows
    from its restriction date on."""
    if not account.id_number_index:
        return AccessLogEntry.objects.none()
    today = timezone.localdate()
    return AccessLogEntry.objects.filter(
        Q(restricted_until__isnull=True) | Q(restricted_until__lte=today),
        subject_key=account.id_number_index,
    ).order_by("-seq")


def staff_reads_of(*, account: Account) -> QuerySet[AuditEntry]:
    """Reads of this citizen's data by staff inside the product (from the audit chain)."""
    return identity_selectors.personal_data_reads_of(account=account)


def objections_of(*, account: Account) -> QuerySet[Objection]:
    return Objection.objects.filter(account=account).select_related("department")


def units_by_code(codes: set[str]) -> dict[str, OrgUnit]:
    return {u.code: u for u in OrgUnit.objects.filter(code__in=codes)}


def resources_for_staff(*, actor: Account) -> QuerySet[DataResource]:
    """The catalogue: every published resource, and the actor's own department's drafts."""
    identity_selectors.require_capability(actor, Capability.EXCHANGE_CATALOGUE)
    visible = Q(status=ResourceStatus.PUBLISHED)
    if actor.unit_id is not None:
        visible |= Q(owner_id=actor.unit_id)
    return (
        DataResource.objects.filter(visible)
        .select_related("owner")
        .prefetch_related("fields")
        .order_by("code")
    )


def clients_of_steward(*, actor: Account) -> QuerySet[ClientSystem]:
    return ClientSystem.objects.filter(department=steward_unit(actor)).prefetch_related("secrets")


def grants_incoming(*, actor: Account) -> QuerySet[AccessGrant]:
    """Requests for the steward's department's resources."""
    return AccessGrant.objects.filter(resource__owner=steward_unit(actor)).select_related(
        "resource", "requester", "client"
    )


def grants_outgoing(*, actor: Account) -> QuerySet[AccessGrant]:
    """What the steward's department asked of others."""
    return AccessGrant.objects.filter(requester=steward_unit(actor)).select_related(
        "resource__owner", "client"
    )


def log_for_steward(*, actor: Account) -> QuerySet[AccessLogEntry]:
    """Reads of the department's resources, and reads made by the department's systems."""
    unit = steward_unit(actor)
    owned = DataResource.objects.filter(owner=unit).values_list("code", flat=True)
    return AccessLogEntry.objects.filter(
        Q(resource_code__in=list(owned)) | Q(department_code=unit.code)
    ).order_by("-seq")


def objections_for_steward(*, actor: Account) -> QuerySet[Objection]:
    return Objection.objects.filter(department=steward_unit(actor)).select_related(
        "entry", "audit_entry"
    )
