"""Helpers shared by the exchange's services: the steward's department and record numbers."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.core.errors import PermissionDeniedError
from cityhall.identity.models import Account, OrgUnit
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import require_capability


def steward_unit(actor: Account) -> OrgUnit:
    """The department a data steward acts for (their own unit), or PermissionDeniedError."""
    require_capability(actor, Capability.DATA_STEWARDSHIP)
    if actor.unit is None:
        raise PermissionDeniedError(_("您的账户未归属任何部门"))
    return actor.unit


def number_placeholder() -> str:
    """A unique stand-in for a record number until the row has an id (fits every number column)."""
    return "~" + uuid.uuid4().hex[:20]


def _number(prefix: str, pk: int, at: datetime) -> str:
    return f"{prefix}{timezone.localtime(at):%Y%m%d}{pk % 1_000_000:06d}"


def number_assign(record: Model, prefix: str, at: datetime | None = None) -> str:
    """A readable record number from the row id: prefix, date, six digits (e.g. GX20261121000042).

    The row is inserted first with a placeholder, so concurrent inserts never share a number.
    """
    number = _number(prefix, record.pk, at or timezone.now())
    type(record)._default_manager.filter(pk=record.pk).update(number=number)
    record.number = number  # type: ignore[attr-defined]
    return number


def number_assign_bulk(records: Sequence[Model], prefix: str) -> None:
    """number_assign for many rows just bulk-inserted, in batched updates."""
    if not records:
        return
    now = timezone.now()
    for record in records:
        record.number = _number(prefix, record.pk, now)  # type: ignore[attr-defined]
    type(records[0])._default_manager.bulk_update(records, ["number"], batch_size=1000)
