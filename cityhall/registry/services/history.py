"""Provenance and history: every change to a registry fact keeps the old value, who and why."""

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils import timezone

from cityhall.identity.models import Account, OrgUnit
from cityhall.registry.models import FactChange


def as_text(value: Any) -> str:
    """How a value is kept in history (dates ISO, model instances by primary key)."""
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(value.pk)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def changes_record(
    *,
    fact: models.Model,
    changes: Iterable[tuple[str, Any, Any]],
    source: OrgUnit,
    by: Account | None,
    reason: str,
    import_batch: str = "",
) -> list[FactChange]:
    """Write one FactChange per (field, old, new) whose text differs."""
    now = timezone.now()
    rows = [
        FactChange(
            fact_type=fact._meta.label,
            fact_id=fact.pk,
            field=field,
            old_value=as_text(old),
            new_value=as_text(new),
            changed_by=by,
            supplied_by=source,
            reason=reason[:200],
            at=now,
            import_batch=import_batch,
        )
        for field, old, new in changes
        if as_text(old) != as_text(new)
    ]
    FactChange.objects.bulk_create(rows)
    return rows
