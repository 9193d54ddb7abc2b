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
from typing import Any

from django.db import connection, transaction
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
    # _digest_body and _PG_APPEND_ONE (which hashes in PostgreSQL) make this same digest from
    # its parts: a change to this list must be made there too.
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


def _digest_body(at_text: str, context: ReadContext, read: PendingRead) -> str:
    """The canonical JSON of everything entry_digest covers except the first item (seq) and
    the last (prev_hash), without the brackets: what does not depend on the chain's tip."""
    return json.dumps(
        [
            at_text,
            context.request_id,
            context.client_code,
            context.department_code,
            context.staff_user,
            context.resource_code,
            list(context.fields),
            read.subject_kind,
            read.subject_key,
            read.subject_label,
            read.found,
            context.purpose,
            context.case_ref,
            context.restricted_until.isoformat() if context.restricted_until else None,
            read.response_hash,
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )[1:-1]


def _link_digest(seq: int, body: str, prev: str) -> str:
    """entry_digest from the parts: a list's canonical JSON is its items' joined by commas."""
    text = f"[{seq},{body},{json.dumps(prev, ensure_ascii=False)}]"
    return hashlib.sha256(text.encode()).hexdigest()


# Entry columns in the order the append statements write them (`id` comes from the database).
_COLUMNS = (
    "seq",
    "at",
    "request_id",
    "client_code",
    "department_code",
    "staff_user",
    "resource_code",
    "fields",
    "subject_kind",
    "subject_key",
    "subject_label",
    "found",
    "purpose",
    "case_ref",
    "restricted_until",
    "response_hash",
    "prev_hash",
    "hash",
)
_ENTRY = AccessLogEntry._meta.db_table
_HEAD = AccessLogHead._meta.db_table
# PostgreSQL types of the columns, for the casts of the one-statement append (in INSERT …
# SELECT an untyped parameter would be taken as text).
_PG_TYPES = {
    "at": "timestamptz",
    "fields": "jsonb",
    "found": "boolean",
    "restricted_until": "date",
}
# PostgreSQL, one entry: lock the head, advance it, hash and insert the entry — one statement,
# so the row lock is held only while it runs and commits (no round trip to Python in between).
# The hash is entry_digest's: SHA-256 of "[" seq "," body ",\"" prev_hash "\"]" in UTF-8, the
# body (the canonical JSON of the other items, see _digest_body) made in Python beforehand.
# Under READ COMMITTED, FOR UPDATE waits for a concurrent append and returns the head it left,
# and the UPDATE re-reads that same locked row; `seq` is unique, so the chain cannot fork.
_PG_APPEND_ONE = (
    "WITH old AS MATERIALIZED ("  # noqa: S608 - table and column names are constants
    f"SELECT seq, hash FROM {_HEAD} WHERE id = 1 FOR UPDATE"
    f"), head AS (UPDATE {_HEAD} AS h SET seq = old.seq + 1, hash = encode(sha256(convert_to("
    "'[' || (old.seq + 1)::text || %s || old.hash || '\"]', 'UTF8')), 'hex') "
    "FROM old WHERE h.id = 1 RETURNING h.seq, old.hash AS prev_hash, h.hash) "
    f"INSERT INTO {_ENTRY} ({', '.join(_COLUMNS)}) SELECT head.seq, "
    + ", ".join(f"CAST(%s AS {_PG_TYPES.get(c, 'text')})" for c in _COLUMNS[1:-2])
    + ", head.prev_hash, head.hash FROM head RETURNING id, seq, prev_hash, hash"
)
_INSERT_ROWS = 500  # rows per INSERT of a longer append, at most (see _append_rows)


def _entry_values(at: datetime, context: ReadContext, read: PendingRead) -> dict[str, Any]:
    return {
        "at": at,
        "request_id": context.request_id,
        "client_code": context.client_code,
        "department_code": context.department_code,
        "staff_user": context.staff_user,
        "resource_code": context.resource_code,
        "fields": list(context.fields),
        "subject_kind": read.subject_kind,
        "subject_key": read.subject_key,
        "subject_label": read.subject_label,
        "found": read.found,
        "purpose": context.purpose,
        "case_ref": context.case_ref,
        "restricted_until": context.restricted_until,
        "response_hash": read.response_hash,
    }


def _db_params(values: dict[str, Any]) -> list[Any]:
    """The entry's values (without seq, prev_hash and hash) as the database driver takes them."""
    ops = connection.ops
    params = dict(values)
    params["at"] = ops.adapt_datetimefield_value(values["at"])
    params["restricted_until"] = ops.adapt_datefield_value(values["restricted_until"])
    params["fields"] = json.dumps(values["fields"])
    return [params[c] for c in _COLUMNS[1:-2]]


def log_append(*, context: ReadContext, reads: Sequence[PendingRead]) -> list[AccessLogEntry]:
    """Chain and store one entry per read, in one transaction with the chain tip locked.

    Everything that does not depend on the tip (values, canonical JSON) is made before the lock
    is taken; under it only the hashes are chained and the rows written."""
    if not reads:
        return []
    # A microsecond-precision timestamp survives the database round trip on SQLite and
    # PostgreSQL alike, so the stored entry hashes to the same digest.
    at = timezone.now()
    at_text = at.astimezone(UTC).isoformat(timespec="microseconds")
    values = [_entry_values(at, context, read) for read in reads]
    bodies = [_digest_body(at_text, context, read) for read in reads]
    params = [_db_params(v) for v in values]
    if connection.vendor == "postgresql" and len(reads) == 1:
        pk, seq, prev, digest = _append_one(bodies[0], params[0])
        return [AccessLogEntry(id=pk, seq=seq, prev_hash=prev, hash=digest, **values[0])]
    return _append_rows(values, bodies, params)


def _append_one(body: str, params: list[Any]) -> tuple[int, int, str, str]:
    """PostgreSQL, one entry: one statement (its own transaction, unless the caller is in one)
    that takes the chain-head lock, writes the entry and moves the head; (id, seq, prev, hash)."""
    with connection.cursor() as cursor:
        cursor.execute(_PG_APPEND_ONE, ["," + body + ',"', *params])
        pk, seq, prev, digest = cursor.fetchone()
    return pk, seq, prev, digest


def _append_rows(
    values: list[dict[str, Any]], bodies: list[str], params: list[list[Any]]
) -> list[AccessLogEntry]:
    """Any number of entries, portably: lock the head, chain in Python, insert, move the head."""
    postgres = connection.vendor == "postgresql"
    returning = connection.features.can_return_rows_from_bulk_insert
    lock = " FOR UPDATE" if postgres else ""  # SQLite: the IMMEDIATE transaction locks
    row = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    limit = connection.features.max_query_params  # SQLite: its variable limit; PostgreSQL: None
    per_insert = min(_INSERT_ROWS, limit // len(_COLUMNS)) if limit else _INSERT_ROWS
    ids: dict[int, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT seq, hash FROM {_HEAD} WHERE id = 1{lock}")  # noqa: S608
        seq, prev = cursor.fetchone()
        chained: list[tuple[int, str, str]] = []
        rows: list[list[Any]] = []
        for body, entry_params in zip(bodies, params, strict=True):
            seq += 1
            digest = _link_digest(seq, body, prev)
            chained.append((seq, prev, digest))
            rows.append([seq, *entry_params, prev, digest])
            prev = digest
        for start in range(0, len(rows), per_insert):
            chunk = rows[start : start + per_insert]
            cursor.execute(
                f"INSERT INTO {_ENTRY} ({', '.join(_COLUMNS)}) VALUES "  # noqa: S608
                + ", ".join([row] * len(chunk))
                + (" RETURNING id, seq" if returning else ""),
                [value for r in chunk for value in r],
            )
            if returning:
                ids.update((s, pk) for pk, s in cursor.fetchall())
        cursor.execute(f"UPDATE {_HEAD} SET seq = %s, hash = %s WHERE id = 1", [seq, prev])  # noqa: S608
    return [
        AccessLogEntry(id=ids.get(s), seq=s, prev_hash=p, hash=h, **v)
        for (s, p, h), v in zip(chained, values, strict=True)
    ]


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
