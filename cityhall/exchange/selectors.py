"""Reads of the exchange, scoped to who asks: citizens see reads of their own data; stewards
see their department's resources, systems, grants, log and objections."""

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice
from typing import overload

from django.db.models import Q, QuerySet
from django.utils import timezone

from cityhall.core.models import AuditEntry
from cityhall.exchange.models import (
    AccessGrant,
    AccessLogEntry,
    ClientSystem,
    DataResource,
    Objection,
    ResourceField,
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


def resources_by_code(codes: set[str]) -> dict[str, DataResource]:
    """Resources (with their fields) by code, to name what a log entry or grant refers to."""
    return {
        r.code: r
        for r in DataResource.objects.filter(code__in=codes)
        .select_related("owner")
        .prefetch_related("fields")
    }


def field_labels(resource: DataResource | None, names: list[str]) -> list[str]:
    """The catalogue's labels of these fields (the name itself where the catalogue has none)."""
    if resource is None:
        return list(names)
    labels = {f.name: f.label for f in resource.fields.all()}
    return [labels.get(name, name) for name in names]


def catalogue_facets(*, actor: Account) -> tuple[list[OrgUnit], list[str]]:
    """The owners and themes of the resources the actor sees, for the catalogue's filters."""
    visible = resources_for_staff(actor=actor)
    owners = list(OrgUnit.objects.filter(pk__in=visible.values("owner_id")).order_by("code"))
    themes = sorted(set(visible.exclude(theme="").values_list("theme", flat=True)))
    return owners, themes


def resource_fields_of(codes: set[str]) -> dict[tuple[str, str], str]:
    """(resource code, field name) → field label, for labelling grants and log entries."""
    return {
        (code, name): label
        for code, name, label in ResourceField.objects.filter(resource__code__in=codes).values_list(
            "resource__code", "name", "label"
        )
    }


@dataclass(frozen=True)
class DataRead:
    """One read of a citizen's data: through the exchange (`entry`) or by staff inside the
    product (`audit`); `department`, `resource` and `fields` are filled by data_reads_resolve."""

    at: datetime
    seq: int
    entry: AccessLogEntry | None = None
    audit: AuditEntry | None = None
    department: OrgUnit | None = None
    resource: DataResource | None = None
    fields: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "exchange" if self.entry is not None else "staff"

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.seq}"


class DataReads:
    """Both kinds of reads of one citizen's data as one list, newest first.

    Sliced (as a Paginator does), it reads only as many rows of each kind as the slice needs;
    restricted exchange reads stay hidden until their date (exchange_reads_of decides)."""

    def __init__(self, *, account: Account) -> None:
        self._exchange = exchange_reads_of(account=account).order_by("-at", "-seq")
        self._staff = staff_reads_of(account=account).order_by("-at", "-seq")

    def count(self) -> int:
        return self._exchange.count() + self._staff.count()

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> DataRead: ...

    @overload
    def __getitem__(self, index: slice) -> list[DataRead]: ...

    def __getitem__(self, index: int | slice) -> DataRead | list[DataRead]:
        if isinstance(index, int):
            if index < 0:
                raise IndexError("DataReads does not support negative indexing")
            found = self[index : index + 1]
            if not found:
                raise IndexError(index)
            return found[0]
        if index.step not in (None, 1) or (index.start or 0) < 0:
            raise ValueError("DataReads supports only forward slices")
        start, stop = index.start or 0, index.stop
        exchange = self._exchange if stop is None else self._exchange[:stop]
        staff = self._staff if stop is None else self._staff[:stop]
        merged = heapq.merge(
            (DataRead(at=e.at, seq=e.seq, entry=e) for e in exchange),
            (DataRead(at=a.at, seq=a.seq, audit=a) for a in staff),
            key=lambda read: read.at,
            reverse=True,
        )
        return list(islice(merged, start, stop))

    def __iter__(self) -> Iterator[DataRead]:
        return iter(self[0:None])


def data_reads_of(*, account: Account) -> DataReads:
    """Every read of this citizen's data that they may see, through the exchange or by staff."""
    return DataReads(account=account)


def data_reads_resolve(reads: list[DataRead]) -> list[DataRead]:
    """The same reads with the reading department, the resource and the field labels named."""
    entries = [r.entry for r in reads if r.entry is not None]
    units = units_by_code({e.department_code for e in entries})
    resources = resources_by_code({e.resource_code for e in entries})
    resolved = []
    for read in reads:
        if read.entry is None:
            resolved.append(read)
            continue
        resource = resources.get(read.entry.resource_code)
        resolved.append(
            replace(
                read,
                department=units.get(read.entry.department_code),
                resource=resource,
                fields=field_labels(resource, list(read.entry.fields)),
            )
        )
    return resolved
