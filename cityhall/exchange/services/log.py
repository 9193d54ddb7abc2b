"""The access log: append-only, hash-chained, with signed checkpoints, and its verification.

Each entry's hash is SHA-256 over its canonical JSON form including the previous entry's hash;
a checkpoint signs (seq, hash) of the tip with the exchange's Ed25519 key. Altering, removing or
inserting any entry breaks the chain from that entry on; rewriting the whole chain after it breaks
every later checkpoint's signature or hash.
"""

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db import transaction
from django.utils import timezone

from cityhall.exchange import signing
from cityhall.exchange.models import AccessLogCheckpoint, AccessLogEntry, AccessLogHead

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class PendingRead:
    """What the gateway read, before the chain gives it a place."""

    subject_kind: str
    subject_key: str
    subject_label: str
    found: bool
    response_hash: str


@dataclass(frozen=True)
class ReadContext:
    """Who read, what and why: the same for every key of one request."""

    request_id: str
    client_code: str
    department_code: str
    staff_user: str
    resource_code: str
    fields: Sequence[str]
    purpose: str
    case_ref: str
    restricted_until: date | None


def content_hash(value: object) -> str:
    """SHA-256 of the canonical JSON form (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def entry_digest(entry: AccessLogEntry) -> str:
    return content_hash(
        [
            entry.seq,
            entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
            entry.request_id,
            entry.client_code,
            entry.department_code,
            entry.staff_user,
            entry.resource_code,
            list(entry.fields),
            entry.subject_kind,
            entry.subject_key,
            entry.subject_label,
            entry.found,
            entry.purpose,
            entry.case_ref,
            entry.restricted_until.isoformat() if entry.restricted_until else None,
            entry.response_hash,
            entry.prev_hash,
        ]
    )


def log_append(*, context: ReadContext, reads: Sequence[PendingRead]) -> list[AccessLogEntry]:
    """Chain and store one entry per read, in one transaction with the chain tip locked."""
    # A microsecond-precision timestamp survives the database round trip on SQLite and
    # PostgreSQL alike, so the stored entry hashes to the same digest.
    at = timezone.now()
    entries = [
        AccessLogEntry(
            at=at,
            request_id=context.request_id,
            client_code=context.client_code,
            department_code=context.department_code,
            staff_user=context.staff_user,
            resource_code=context.resource_code,
            fields=list(context.fields),
            subject_kind=read.subject_kind,
            subject_key=read.subject_key,
            subject_label=read.subject_label,
            found=read.found,
            purpose=context.purpose,
            case_ref=context.case_ref,
            restricted_until=context.restricted_until,
            response_hash=read.response_hash,
        )
        for read in reads
    ]
    with transaction.atomic():
        head = AccessLogHead.objects.select_for_update().get(id=1)
        seq, prev = head.seq, head.hash
        for entry in entries:
            seq += 1
            entry.seq, entry.prev_hash = seq, prev
            entry.hash = prev = entry_digest(entry)
        AccessLogEntry.objects.bulk_create(entries, batch_size=500)
        AccessLogHead.objects.filter(id=1).update(seq=seq, hash=prev)
    return entries


def checkpoint_message(seq: int, chain_hash: str, at: datetime) -> bytes:
    return (
        f"cityhall-exchange-access-log\n{seq}\n{chain_hash}\n"
        f"{at.astimezone(UTC).isoformat(timespec='microseconds')}\n"
    ).encode()


def checkpoint_sign() -> AccessLogCheckpoint | None:
    """Sign the current tip, if entries were added since the last checkpoint."""
    head = AccessLogHead.objects.get(id=1)
    last = AccessLogCheckpoint.objects.order_by("-seq").first()
    if head.seq == 0 or (last is not None and last.seq >= head.seq):
        return None
    at = timezone.now()
    key = signing.signing_key()
    return AccessLogCheckpoint.objects.create(
        seq=head.seq,
        hash=head.hash,
        at=at,
        key_id=key.key_id,
        signature=signing.sign(checkpoint_message(head.seq, head.hash, at)),
    )


def checkpoint_valid(checkpoint: AccessLogCheckpoint) -> bool:
    return signing.signature_valid(
        checkpoint_message(checkpoint.seq, checkpoint.hash, checkpoint.at),
        checkpoint.signature,
        checkpoint.key_id,
    )


@dataclass(frozen=True)
class LogReport:
    ok: bool
    checked: int
    checkpoints: int
    first_bad_seq: int | None = None
    problem: str = ""


def _walk(
    entries: Iterator[AccessLogEntry], *, start_seq: int, start_hash: str
) -> Iterator[tuple[AccessLogEntry | None, str]]:
    """Yield (entry, problem) along the chain; an entry with a problem ends the walk."""
    expected, prev = start_seq + 1, start_hash
    for entry in entries:
        if entry.seq != expected:
            yield None, f"entry #{expected} is missing (next is #{entry.seq})"
            return
        if entry.prev_hash != prev:
            yield entry, f"entry #{entry.seq} does not link to entry #{entry.seq - 1}"
            return
        if entry_digest(entry) != entry.hash:
            yield entry, f"entry #{entry.seq} was altered"
            return
        yield entry, ""
        prev, expected = entry.hash, expected + 1


def log_verify(*, chunk_size: int = 5000) -> LogReport:
    """Walk the whole chain and every checkpoint; name the first broken entry."""
    checkpoints = {c.seq: c for c in AccessLogCheckpoint.objects.all()}
    for checkpoint in checkpoints.values():
        if not checkpoint_valid(checkpoint):
            return LogReport(
                False, 0, 0, checkpoint.seq, f"checkpoint #{checkpoint.seq} has a bad signature"
            )
    checked, seen, prev = 0, 0, GENESIS_HASH
    rows = AccessLogEntry.objects.order_by("seq").iterator(chunk_size=chunk_size)
    for entry, problem in _walk(rows, start_seq=0, start_hash=GENESIS_HASH):
        if problem:
            bad = entry.seq if entry is not None else checked + 1
            return LogReport(False, checked, seen, bad, problem)
        if entry is None:  # _walk reports a missing entry with a problem; never reached
            break
        checked, prev = entry.seq, entry.hash
        sealed = checkpoints.get(entry.seq)
        if sealed is not None:
            if sealed.hash != entry.hash:
                return LogReport(
                    False,
                    checked,
                    seen,
                    entry.seq,
                    f"entry #{entry.seq} differs from the signed checkpoint",
                )
            seen += 1
    head = AccessLogHead.objects.get(id=1)
    if head.seq != checked or head.hash != prev:
        return LogReport(
            False,
            checked,
            seen,
            min(head.seq, checked) + 1,
            f"the chain ends at #{checked} but its head says #{head.seq}",
        )
    beyond = [seq for seq in checkpoints if seq > checked]
    if beyond:
        return LogReport(
            False,
            checked,
            seen,
            checked + 1,
            f"entries #{checked + 1}..#{max(beyond)} are missing "
            f"(signed checkpoint #{max(beyond)})",
        )
    return LogReport(True, checked, seen)


@dataclass(frozen=True)
class EntryProof:
    ok: bool
    seq: int
    problem: str = ""
    from_checkpoint: int = 0  # the signed checkpoint the walk started from (0: the start)
    to_checkpoint: int | None = None  # the signed checkpoint that seals the entry, if any


def entry_prove(seq: int) -> EntryProof:
    """Prove one entry untouched: walk from the signed checkpoint before it to the signed
    checkpoint after it (only that stretch of the chain is read)."""
    if not AccessLogEntry.objects.filter(seq=seq).exists():
        return EntryProof(False, seq, f"entry #{seq} does not exist")
    before = AccessLogCheckpoint.objects.filter(seq__lt=seq).order_by("-seq").first()
    after = AccessLogCheckpoint.objects.filter(seq__gte=seq).order_by("seq").first()
    for checkpoint in (before, after):
        if checkpoint is not None and not checkpoint_valid(checkpoint):
            return EntryProof(False, seq, f"checkpoint #{checkpoint.seq} has a bad signature")
    start_seq = before.seq if before else 0
    start_hash = before.hash if before else GENESIS_HASH
    end_seq = after.seq if after else AccessLogHead.objects.get(id=1).seq
    rows = (
        AccessLogEntry.objects.filter(seq__gt=start_seq, seq__lte=end_seq)
        .order_by("seq")
        .iterator(chunk_size=5000)
    )
    last: AccessLogEntry | None = None
    for entry, problem in _walk(rows, start_seq=start_seq, start_hash=start_hash):
        if problem:
            return EntryProof(False, seq, problem, start_seq, after.seq if after else None)
        last = entry
    if last is None or last.seq != end_seq:
        return EntryProof(False, seq, f"the chain stops before #{end_seq}", start_seq)
    if after is not None and last.hash != after.hash:
        return EntryProof(
            False, seq, f"entry #{after.seq} differs from the signed checkpoint", start_seq
        )
    return EntryProof(True, seq, "", start_seq, after.seq if after else None)
