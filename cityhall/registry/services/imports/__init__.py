"""Import registry files at city scale (formats: docs/registry-files.md).

One pipeline for every kind of file:

1. read  — the header is checked before anything is written; then the file is streamed as raw
           records (a record ends at a line end outside quotes), in chunks of `CHUNK_ROWS`.
2. clean — each record is decoded and parsed, goes through the rules of `registry.validation`,
           and its personal data is sealed (AES-GCM) and indexed (HMAC) exactly as the model
           fields would do it. This is the CPU cost of an import, so for big files a small pool
           of processes cleans the next chunks while the main process writes the current one
           (a bounded number of chunks in flight, so memory stays flat).
3. apply — per chunk, in the main process and in one transaction: duplicates within the file,
           references resolved with one query per kind of reference, existing rows fetched by
           key, rows sorted into new / changed / unchanged, each changed field kept in
           `FactChange`, and new and changed rows written in bulk (PostgreSQL: new rows by
           `COPY` straight into the table, changed rows by `COPY` into a temporary staging table
           and one `INSERT … ON CONFLICT` or `UPDATE … FROM`; SQLite: `executemany` of the same
           upsert). Unchanged rows are not written at all.

Modules: `read` (header, raw records), `clean` (per-kind rules and sealing, worker pool),
`tables` (how each model is matched and compared), `write` (new / changed / unchanged, history),
`apply` (per-kind references and writes, one chunk in one transaction), `backends` (SQL).

A bad row goes to the rejects file and never blocks the others. A chunk is written whole or not
at all; if the database refuses a chunk (a constraint the rules above did not foresee), the chunk
is retried row by row so that only the offending rows are rejected.
"""

import contextlib
import csv
import os
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.core.audit import AuditEvent, audit_record
from cityhall.core.errors import DomainError
from cityhall.geo.models import Division
from cityhall.identity.models import OrgUnit
from cityhall.registry.services.imports.apply import _APPLIERS, _chunk_apply, _file_checks
from cityhall.registry.services.imports.backends import _PostgresBackend, _SqliteBackend
from cityhall.registry.services.imports.clean import (
    KIND_COLUMNS,
    KINDS,
    POOL_MIN_BYTES,
    POOL_WORKERS,
    _clean_chunk,
    _cleaned,
    _Reject,
)
from cityhall.registry.services.imports.read import ImportFileError, _cells, _Chunk, _Reader
from cityhall.registry.services.imports.write import _Outcome, _Run
from cityhall.registry.validation import CITY_PREFIX

__all__ = [
    "CHUNK_ROWS",
    "KINDS",
    "KIND_COLUMNS",
    "_APPLIERS",
    "ImportFileError",
    "ImportProgress",
    "ImportReport",
    "_Reader",
    "_clean_chunk",
    "registry_import",
]

CHUNK_ROWS = 10_000


@dataclass
class ImportReport:
    kind: str
    path: Path
    rejects_path: Path
    batch: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class ImportProgress:
    read: int
    rejected: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0


# --- The service --------------------------------------------------------------------------------


def _rejects_path_for(path: Path) -> Path:
    if path.suffix.lower() == ".csv":
        return path.with_suffix(".rejects.csv")
    return path.with_name(path.name + ".rejects.csv")


def _default_workers(path: Path) -> int:
    """Cleaning is CPU-bound: a big file gets a worker per core, up to POOL_WORKERS."""
    if path.stat().st_size < POOL_MIN_BYTES:
        return 0
    return min(POOL_WORKERS, os.cpu_count() or 1)


@contextlib.contextmanager
def _import_lock(kind: str) -> Iterator[None]:
    """One import of a kind at a time: duplicates and heads are judged against a still table."""
    if connection.vendor != "postgresql":
        yield  # SQLite serialises writers anyway
        return
    key = zlib.crc32(f"registry_import:{kind}".encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not cursor.fetchone()[0]:
            raise DomainError(
                _("另一个“%(kind)s”导入正在进行，请稍后再试") % {"kind": kind}, code="import_busy"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def _rejects_write(writer: Any, chunk: _Chunk, rejects: list[_Reject]) -> None:
    position = {row: i for i, row in enumerate(chunk.starts)}
    for reject in sorted(rejects):
        cells = _cells(chunk.records[position[reject.row]])
        writer.writerow([reject.row, reject.code, reject.reason, *cells])


def registry_import(
    *,
    kind: str,
    path: Path,
    source: OrgUnit,
    rejects_path: Path | None = None,
    progress: Callable[[ImportProgress], None] | None = None,
    chunk_rows: int = CHUNK_ROWS,
    workers: int | None = None,
) -> ImportReport:
    """Import one registry file: good rows upserted by key, bad rows to the rejects file."""
    if kind not in KIND_COLUMNS:
        raise DomainError(
            _("未知的导入类型 %(kind)s，应为：%(kinds)s")
            % {"kind": kind, "kinds": ", ".join(KINDS)},
            code="bad_kind",
        )
    started = time.perf_counter()
    now = timezone.now()
    batch = f"{kind}-{now:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"
    rejects_path = rejects_path or _rejects_path_for(path)
    report = ImportReport(kind=kind, path=path, rejects_path=rejects_path, batch=batch)
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise ImportFileError(_("无法读取文件：%(error)s") % {"error": exc}) from exc
    with raw:
        reader = _Reader(raw, KIND_COLUMNS[kind])
        backend_class = _PostgresBackend if connection.vendor == "postgresql" else _SqliteBackend
        run = _Run(
            kind=kind,
            source=source,
            now=now,
            batch=batch,
            reason=f"导入 {path.name}"[:200],
            backend=backend_class(now, source.pk),
            divisions=dict(
                Division.objects.filter(code__startswith=CITY_PREFIX).values_list("code", "level")
            ),
        )
        if workers is None:
            workers = _default_workers(path)
        chunks = _cleaned(
            kind, reader.header, reader.chunks(chunk_rows), timezone.localdate(now), workers
        )
        with (
            _import_lock(kind),
            rejects_path.open("w", encoding="utf-8-sig", newline="") as rejects_file,
        ):
            rejects = csv.writer(rejects_file)
            rejects.writerow(["row", "code", "reason", *reader.header])
            try:
                for chunk, cleaned in chunks:
                    out = _Outcome()
                    records: list[Any] = []
                    for item in cleaned:
                        if isinstance(item, _Reject):
                            out.rejects.append(item)
                        else:
                            records.append(item)
                    out.add(_chunk_apply(run, _file_checks(run, records, out)))
                    report.read += len(cleaned)
                    report.inserted += out.inserted
                    report.updated += out.updated
                    report.unchanged += out.unchanged
                    report.rejected += len(out.rejects)
                    if out.rejects:
                        _rejects_write(rejects, chunk, out.rejects)
                        rejects_file.flush()
                    if progress is not None:
                        elapsed = time.perf_counter() - started
                        progress(ImportProgress(report.read, report.rejected, elapsed))
            finally:
                with contextlib.suppress(DatabaseError):
                    run.backend.close()
    report.seconds = time.perf_counter() - started
    # Who loaded what into the base registry is a security event: one entry per file that
    # changed it (a re-run that writes nothing leaves no trace, as it leaves no data).
    if report.inserted or report.updated:
        _import_audit(report=report, source=source)
    return report


def _import_audit(*, report: ImportReport, source: OrgUnit) -> None:
    audit_record(
        event=AuditEvent.REGISTRY_IMPORTED,
        actor_label=f"import:{source.code}",
        subject_type="registry.import",
        subject_id=report.batch,
        detail={
            "kind": report.kind,
            "file": report.path.name,
            "source": source.code,
            "read": report.read,
            "inserted": report.inserted,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected": report.rejected,
        },
    )
