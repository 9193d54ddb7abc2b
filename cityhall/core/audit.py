"""The append-only, hash-chained audit log: record events, verify the chain."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from cityhall.core.models import AuditChainHead, AuditEntry

GENESIS_HASH = "0" * 64


class AuditEvent:
    """Event names used across the product (kept in one place so reports can rely on them)."""

    SIGNIN_SUCCEEDED = "signin.succeeded"
    SIGNIN_FAILED = "signin.failed"
    SIGNIN_LOCKED = "signin.locked"
    SIGNOUT = "signout"
    MFA_ENROLLED = "mfa.enrolled"
    MFA_FAILED = "mfa.failed"
    ROLE_GRANTED = "role.granted"
    ROLE_REVOKED = "role.revoked"
    ACCOUNT_UNLOCKED = "account.unlocked"
    PERSONAL_DATA_READ = "personal_data.read"
    HOLIDAY_CHANGED = "calendar.holiday_changed"
    REGISTRY_IMPORTED = "registry.imported"
    ITEM_VERSION_PUBLISHED = "catalog.version_published"
    CERTIFICATE_ISSUED = "applications.certificate_issued"
    CARD_ISSUED = "card.issued"
    CARD_REPORTED_LOST = "card.reported_lost"
    CARD_PIN_RESET = "card.pin_reset"
    CARD_SIGNIN_SUCCEEDED = "card.signin_succeeded"
    CARD_SIGNIN_FAILED = "card.signin_failed"
    CARD_LOCKED = "card.locked"


def _entry_digest(
    *,
    seq: int,
    at_iso: str,
    event: str,
    actor_id: int | None,
    actor_label: str,
    subject_type: str,
    subject_id: str,
    ip: str | None,
    detail: dict[str, Any],
    prev_hash: str,
) -> str:
    payload = json.dumps(
        [
            seq,
            at_iso,
            event,
            actor_id,
            actor_label,
            subject_type,
            subject_id,
            ip,
            detail,
            prev_hash,
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def audit_digest(entry: AuditEntry) -> str:
    return _entry_digest(
        seq=entry.seq,
        at_iso=entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        event=entry.event,
        actor_id=entry.actor_id,
        actor_label=entry.actor_label,
        subject_type=entry.subject_type,
        subject_id=entry.subject_id,
        ip=entry.ip,
        detail=entry.detail,
        prev_hash=entry.prev_hash,
    )


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    event: str,
    actor: Any = None,
    actor_label: str = "",
    subject_type: str = "",
    subject_id: str | int = "",
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Append one entry to the chain (inside the caller's transaction, if any)."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().get(id=1)
        entry = AuditEntry(
            seq=head.seq + 1,
            at=timezone.now(),
            event=event,
            actor=actor,
            actor_label=actor_label or (actor.get_username() if actor is not None else ""),
            subject_type=subject_type,
            subject_id=str(subject_id),
            ip=client_ip(request),
            detail=detail or {},
            prev_hash=head.hash,
        )
        entry.hash = audit_digest(entry)
        entry.save(force_insert=True)
        head.seq, head.hash = entry.seq, entry.hash
        head.save(update_fields=["seq", "hash"])
    return entry


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def audit_verify(*, chunk_size: int = 5000) -> ChainReport:
    """Walk the chain from the first entry and name the first altered or missing one."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if entry.seq != expected_seq:
            return ChainReport(
                False,
                checked,
                expected_seq,
                f"entry #{expected_seq} is missing (next is #{entry.seq})",
            )
        if entry.prev_hash != prev_hash:
            return ChainReport(
                False,
                checked,
                entry.seq,
                f"entry #{entry.seq} does not link to entry #{entry.seq - 1}",
            )
        if audit_digest(entry) != entry.hash:
            return ChainReport(False, checked, entry.seq, f"entry #{entry.seq} was altered")
        prev_hash = entry.hash
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.get(id=1)
    if head.seq > checked:
        return ChainReport(
            False,
            checked,
            checked + 1,
            f"entries #{checked + 1}..#{head.seq} are missing (chain head is at #{head.seq})",
        )
    if head.seq < checked:
        return ChainReport(
            False,
            checked,
            head.seq + 1,
            f"entries after #{head.seq} were added outside the chain (head is at #{head.seq})",
        )
    if head.hash != prev_hash:
        return ChainReport(False, checked, head.seq, f"entry #{head.seq} differs from the head")
    return ChainReport(True, checked)
