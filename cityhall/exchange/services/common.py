"""Helpers shared by the exchange's services: the steward's department and record numbers."""

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


def number_assign(record: Model, prefix: str, at: datetime | None = None) -> str:
    """A readable record number from the row id: prefix, date, six digits (e.g. GX20261121000042).

    The row is inserted first with a placeholder, so concurrent inserts never share a number.
    """
    at = timezone.localtime(at or timezone.now())
    number = f"{prefix}{at:%Y%m%d}{record.pk % 1_000_000:06d}"
    type(record)._default_manager.filter(pk=record.pk).update(number=number)
    record.number = number  # type: ignore[attr-defined]
    return number
