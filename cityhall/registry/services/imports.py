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
           `FactChange`, and new and changed rows written in bulk (PostgreSQL: `COPY` into a
           temporary staging table, then one `INSERT … ON CONFLICT`; SQLite: `executemany` of
           the same upsert). Unchanged rows are not written at all.

A bad row goes to the rejects file and never blocks the others. A chunk is written whole or not
at all; if the database refuses a chunk (a constraint the rules above did not foresee), the chunk
is retried row by row so that only the offending rows are rejected.
"""

import contextlib
import csv
import multiprocessing
import os
import re
import time
import uuid
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import IO, Any, NamedTuple, TypeAlias

from django.db import DatabaseError, DataError, IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cityhall.core import crypto
from cityhall.core.errors import DomainError
from cityhall.core.identifiers import IdentifierError, uscc_parse
from cityhall.geo.models import Division, DivisionLevel, Grid
from cityhall.identity.models import OrgUnit
from cityhall.registry.models import (
    Building,
    BuildingUnit,
    Contribution,
    Employment,
    FactChange,
    House,
    Household,
    LegalPerson,
    Ownership,
    Person,
    RentalRegistration,
    Residence,
)
from cityhall.registry.services.history import as_text
from cityhall.registry.validation import (
    CITY_PREFIX,
    COMPANY_COLUMNS,
    HOUSE_COLUMNS,
    PERSON_COLUMNS,
    RowError,
    area_code_for,
    company_clean,
    contribution_status_check,
    document_parse,
    house_clean,
    parse_date,
    parse_decimal,
    period_check,
    person_clean,
    required,
    residence_kind_check,
    wage_band_check,
)
from cityhall.registry.vocab import HouseholdKind, Relation

CHUNK_ROWS = 10_000
# Smaller files are cleaned in the main process: starting workers would cost more than it saves.
POOL_MIN_BYTES = 2 * 1024 * 1024
POOL_WORKERS = 2
# A quoted cell may span lines; one that runs on for this long was never closed.
MAX_RECORD_BYTES = 1024 * 1024

KIND_COLUMNS: dict[str, tuple[str, ...]] = {
    "houses": HOUSE_COLUMNS,
    "persons": PERSON_COLUMNS,
    "companies": COMPANY_COLUMNS,
    "ownerships": (
        "house_code",
        "owner_document_type",
        "owner_document_number",
        "owner_uscc",
        "share",
        "since",
        "until",
    ),
    "residences": ("document_type", "document_number", "house_code", "kind", "since", "until"),
    "rentals": (
        "number",
        "house_code",
        "landlord_document_type",
        "landlord_document_number",
        "tenant_documents",
        "starts_on",
        "ends_on",
    ),
    "employment": ("document_type", "document_number", "uscc", "since", "until", "wage_band"),
    "contributions": ("document_type", "document_number", "month", "status", "uscc", "base"),
}
KINDS = tuple(KIND_COLUMNS)

_LEVEL_BY_LENGTH = {6: DivisionLevel.DISTRICT, 9: DivisionLevel.STREET, 12: DivisionLevel.COMMUNITY}
_MONTH = re.compile(r"\d{4}-\d{2}")


class ImportFileError(DomainError):
    """The file as a whole cannot be read (empty, not UTF-8, wrong header, broken quoting)."""

    code = "bad_file"


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


# --- Records: what cleaning hands to the writer (tuples: cheap to send between processes) -------


class _Reject(NamedTuple):
    row: int
    code: str
    reason: str


class _Ref(NamedTuple):
    """A reference to a record of an earlier file, resolved in bulk by the writer."""

    kind: str  # "person" | "company" | "house"
    key: str  # document blind index | USCC | house code
    column: str  # the column it came from, for the reject reason


class _PersonRecord(NamedTuple):
    row: int
    key: str  # document blind index
    document_type: str
    document_sealed: str
    name: str
    gender: str
    birth_date: date
    ethnicity: str
    nationality: str
    hukou: str
    phone: str
    phone_sealed: str
    phone_index: str
    status: str
    household: str
    relation: str
    house_code: str
    fingerprint: str


class _HouseRecord(NamedTuple):
    row: int
    key: str  # house code
    building_code: str
    building: tuple[Any, ...]  # name, address, grid code, floors, built year
    unit_number: str
    house_number: str
    floor: int
    use: str
    area: Any


class _FactRecord(NamedTuple):
    """A company or a link: column values, some of them `_Ref`s still to resolve."""

    row: int
    key: str
    values: dict[str, Any]


_Record: TypeAlias = _PersonRecord | _HouseRecord | _FactRecord


# --- Clean: validation and sealing, row by row (in the worker processes) ------------------------

_DOCUMENT_CONTEXT = f"{Person._meta.label}.document_number"  # EncryptedTextField.crypto_context
_PHONE_CONTEXT = f"{Person._meta.label}.phone"


def _person_record(row_no: int, row: Mapping[str, str], today: date) -> _PersonRecord:
    v = person_clean(row, today=today)
    return _PersonRecord(
        row_no,
        v.document.index,
        v.document.type,
        crypto.encrypt(v.document.number, context=_DOCUMENT_CONTEXT),
        v.name,
        v.gender,
        v.birth_date,
        v.ethnicity,
        v.nationality,
        v.hukou_division_code,
        v.phone,
        crypto.encrypt(v.phone, context=_PHONE_CONTEXT) if v.phone else "",
        v.phone_index,
        v.status,
        v.household_number,
        v.relation_to_head,
        v.house_code,
        v.fingerprint,
    )


def _house_record(row_no: int, row: Mapping[str, str], today: date) -> _HouseRecord:
    v = house_clean(row)
    building = (v.building_name, v.address, v.grid_code, v.floors, v.built_year)
    return _HouseRecord(
        row_no,
        v.house_code,
        v.building_code,
        building,
        v.unit_number,
        v.house_number,
        v.floor,
        v.use,
        v.area,
    )


def _company_record(row_no: int, row: Mapping[str, str], today: date) -> _FactRecord:
    v = company_clean(row)
    rep = _Ref("person", v.legal_rep.index, "legal_rep_document_number") if v.legal_rep else None
    return _FactRecord(
        row_no,
        v.uscc,
        {
            "uscc": v.uscc,
            "name": v.name,
            "kind": v.kind,
            "legal_representative_id": rep,
            "registered_address": v.registered_address,
            "division_code": v.division_code,
            "industry": v.industry,
            "status": v.status,
            "established_on": v.established_on,
            "fingerprint": v.fingerprint,
        },
    )


def _uscc(value: str) -> str:
    try:
        return uscc_parse(value).code
    except IdentifierError as exc:
        raise RowError(exc.message, code=exc.code) from exc


def _person_ref(row: Mapping[str, str], type_column: str, number_column: str, today: date) -> _Ref:
    document = document_parse(required(row, type_column), required(row, number_column), today=today)
    return _Ref("person", document.index, number_column)


def _period(row: Mapping[str, str], since_column: str, until_column: str) -> tuple[date, Any]:
    since = parse_date(required(row, since_column), since_column)
    until_text = (row.get(until_column) or "").strip()
    until = parse_date(until_text, until_column) if until_text else None
    period_check(since, until)
    return since, until


def _ownership_record(row_no: int, row: Mapping[str, str], today: date) -> _FactRecord:
    house = required(row, "house_code")
    has_document = bool(
        (row.get("owner_document_type") or "").strip()
        or (row.get("owner_document_number") or "").strip()
    )
    uscc = (row.get("owner_uscc") or "").strip()
    if has_document == bool(uscc):
        raise RowError(
            _("产权人须填写自然人证件或统一社会信用代码，且只能填写其中一种"), code="bad_owner"
        )
    owner = (
        _person_ref(row, "owner_document_type", "owner_document_number", today)
        if has_document
        else _Ref("company", _uscc(uscc), "owner_uscc")
    )
    since, until = _period(row, "since", "until")
    return _FactRecord(
        row_no,
        f"{house}|{owner.key}|{since}",
        {
            "house_id": _Ref("house", house, "house_code"),
            "person_id": owner if has_document else None,
            "legal_person_id": None if has_document else owner,
            "share": parse_decimal(required(row, "share"), "share"),
            "since": since,
            "until": until,
        },
    )


def _residence_record(row_no: int, row: Mapping[str, str], today: date) -> _FactRecord:
    person = _person_ref(row, "document_type", "document_number", today)
    house = required(row, "house_code")
    kind = residence_kind_check(required(row, "kind"))
    since, until = _period(row, "since", "until")
    return _FactRecord(
        row_no,
        f"{person.key}|{house}|{since}",
        {
            "person_id": person,
            "house_id": _Ref("house", house, "house_code"),
            "kind": kind,
            "since": since,
            "until": until,
        },
    )


def _rental_record(row_no: int, row: Mapping[str, str], today: date) -> _FactRecord:
    number = required(row, "number")
    house = required(row, "house_code")
    landlord = _person_ref(row, "landlord_document_type", "landlord_document_number", today)
    tenants = []
    for item in required(row, "tenant_documents").split("|"):
        document_type, _sep, document_number = item.strip().partition(":")
        document = document_parse(document_type, document_number, today=today)
        tenants.append(_Ref("person", document.index, "tenant_documents"))
    starts = parse_date(required(row, "starts_on"), "starts_on")
    ends = parse_date(required(row, "ends_on"), "ends_on")
    period_check(starts, ends)
    return _FactRecord(
        row_no,
        number,
        {
            "number": number,
            "house_id": _Ref("house", house, "house_code"),
            "landlord_id": landlord,
            "starts_on": starts,
            "ends_on": ends,
            "tenants": tuple(tenants),
        },
    )


def _employment_record(row_no: int, row: Mapping[str, str], today: date) -> _FactRecord:
    person = _person_ref(row, "document_type", "document_number", today)
    employer = _Ref("company", _uscc(required(row, "uscc")), "uscc")
    since, until = _period(row, "since", "until")
    return _FactRecord(
        row_no,
        f"{person.key}|{employer.key}|{since}",
        {
            "person_id": person,
            "employer_id": employer,
            "since": since,
            "until": until,
            "wage_band": wage_band_check(required(row, "wage_band")),
        },
    )


def _contribution_record(row_no: int, row: Mapping[str, str], today: date) -> _FactRecord:
    person = _person_ref(row, "document_type", "document_number", today)
    month_text = required(row, "month")
    if not _MONTH.fullmatch(month_text):
        raise RowError(
            _("%(column)s 应为 YYYY-MM 格式的月份") % {"column": "month"}, code="bad_date"
        )
    month = parse_date(f"{month_text}-01", "month")
    uscc = (row.get("uscc") or "").strip()
    return _FactRecord(
        row_no,
        f"{person.key}|{month}",
        {
            "person_id": person,
            "month": month,
            "employer_id": _Ref("company", _uscc(uscc), "uscc") if uscc else None,
            "status": contribution_status_check(required(row, "status")),
            "base": parse_decimal(required(row, "base"), "base"),
        },
    )


_CLEANERS: dict[str, Callable[[int, Mapping[str, str], date], _Record]] = {
    "houses": _house_record,
    "persons": _person_record,
    "companies": _company_record,
    "ownerships": _ownership_record,
    "residences": _residence_record,
    "rentals": _rental_record,
    "employment": _employment_record,
    "contributions": _contribution_record,
}


class _Chunk(NamedTuple):
    starts: list[int]  # the line on which each record starts (header = 1)
    records: list[bytes]  # raw records, line ends included
    unterminated: bool = False  # the last record hit the end of the file inside quotes


def _cells(record: bytes) -> list[str]:
    """The cells of one raw record, readable whatever its encoding (for the rejects file)."""
    text = record.decode("utf-8", "replace")
    try:
        rows = list(csv.reader([text]))
    except csv.Error:
        return [text.rstrip("\r\n")]  # not CSV at all: the line as it is, in one cell
    return rows[0] if rows else []


def _parse(record: bytes, width: int) -> list[str]:
    try:
        text = record.decode()
    except UnicodeDecodeError:
        raise RowError(_("该行含有非 UTF-8 编码的字节"), code="bad_encoding") from None
    try:
        rows = list(csv.reader([text]))
    except csv.Error as exc:
        raise RowError(
            _("该行不是有效的 CSV：%(error)s") % {"error": exc}, code="bad_csv"
        ) from None
    if len(rows) != 1:
        raise RowError(_("该行不是一条有效的 CSV 记录"), code="bad_csv")
    if len(rows[0]) != width:
        raise RowError(
            _("该行有 %(cells)s 列，表头有 %(width)s 列") % {"cells": len(rows[0]), "width": width},
            code="bad_columns",
        )
    return rows[0]


def _clean_chunk(
    kind: str, header: Sequence[str], chunk: _Chunk, today: date
) -> list[_Record | _Reject]:
    """Parse, validate and seal one chunk; module-level so that worker processes can run it."""
    clean = _CLEANERS[kind]
    width = len(header)
    out: list[_Record | _Reject] = []
    last = len(chunk.records) - 1
    for i, (row_no, record) in enumerate(zip(chunk.starts, chunk.records, strict=True)):
        try:
            if chunk.unterminated and i == last:
                raise RowError(_("引号未闭合，直到文件末尾"), code="bad_csv")
            cells = _parse(record, width)
            out.append(clean(row_no, dict(zip(header, cells, strict=True)), today))
        except RowError as exc:
            out.append(_Reject(row_no, exc.code, exc.message))
    return out


# --- Read: header check and streaming of raw records --------------------------------------------

_QUOTE, _COMMA = ord('"'), ord(",")


def _inside_quotes(line: bytes, inside: bool) -> bool:
    """Whether a record is still inside a quoted cell at the end of `line` (the csv module's
    rules: a quote opens a cell only at its start, and "" inside a quoted cell is a quote)."""
    at_start = not inside
    i, end = 0, len(line)
    while i < end:
        char = line[i]
        if inside:
            if char == _QUOTE:
                if i + 1 < end and line[i + 1] == _QUOTE:
                    i += 2
                    continue
                inside = False
        elif char == _QUOTE and at_start:
            inside = True
        at_start = not inside and char == _COMMA
        i += 1
    return inside


class _Reader:
    """Checks the header, then streams the raw records of a CSV file in chunks."""

    def __init__(self, raw: IO[bytes], columns: Sequence[str]) -> None:
        self._raw = raw
        first = raw.readline().removeprefix(b"\xef\xbb\xbf")
        if not first.strip():
            raise ImportFileError(_("文件为空：缺少表头行"))
        try:
            text = first.decode()
        except UnicodeDecodeError:
            raise ImportFileError(_("表头行不是 UTF-8 编码，无法读取")) from None
        header = next(csv.reader([text]), [])
        self.header = [name.strip() for name in header]
        missing = [c for c in columns if c not in self.header]
        extra = [c for c in self.header if c not in columns]
        repeated = sorted({c for c in self.header if self.header.count(c) > 1})
        if missing or extra or repeated:
            problems = []
            if missing:
                problems.append(_("缺少列：%(columns)s") % {"columns": ", ".join(missing)})
            if extra:
                problems.append(_("多余的列：%(columns)s") % {"columns": ", ".join(extra)})
            if repeated:
                problems.append(_("重复的列：%(columns)s") % {"columns": ", ".join(repeated)})
            raise ImportFileError(
                _("表头与文件格式不符（%(problems)s）；应为：%(expected)s")
                % {"problems": "；".join(problems), "expected": ", ".join(columns)}
            )

    def chunks(self, size: int) -> Iterator[_Chunk]:
        starts: list[int] = []
        records: list[bytes] = []
        parts: list[bytes] = []  # the lines of a record whose quoted cell spans lines
        line_no, start, inside, length = 1, 0, False, 0
        for line in self._raw:
            line_no += 1
            if not parts:
                if not line.strip():
                    continue  # a blank line is no record
                start = line_no
            if b'"' in line:
                inside = _inside_quotes(line, inside)
            if inside:
                parts.append(line)
                length += len(line)
                if length > MAX_RECORD_BYTES:
                    raise ImportFileError(
                        _("第 %(line)s 行起的引号一直没有闭合，导入在此停止") % {"line": start}
                    )
                continue
            if parts:
                parts.append(line)
                line = b"".join(parts)
                parts, length = [], 0
            starts.append(start)
            records.append(line)
            if len(records) >= size:
                yield _Chunk(starts, records)
                starts, records = [], []
        if parts:
            starts.append(start)
            records.append(b"".join(parts))
        if records:
            yield _Chunk(starts, records, unterminated=bool(parts))


def _cleaned(
    kind: str, header: Sequence[str], chunks: Iterable[_Chunk], today: date, workers: int
) -> Iterator[tuple[_Chunk, list[_Record | _Reject]]]:
    """Chunks with their cleaned records, in file order; cleaning runs ahead in `workers`."""
    if workers <= 0:
        for chunk in chunks:
            yield chunk, _clean_chunk(kind, header, chunk, today)
        return
    # fork: the workers inherit configured Django (settings, keys, active language) and never
    # touch the database.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    pending: deque[tuple[_Chunk, Future[list[_Record | _Reject]]]] = deque()
    try:
        for chunk in chunks:
            pending.append((chunk, pool.submit(_clean_chunk, kind, header, chunk, today)))
            if len(pending) > workers + 1:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# --- Write back-ends ----------------------------------------------------------------------------
# The SQL below is put together from model metadata (quoted names), never from file contents;
# values travel as parameters or through COPY.

_PROVENANCE = ("created_at", "updated_at", "supplied_by_id", "supplied_at")
_SEP = "\x1f"  # joins a list of keys into one query parameter on PostgreSQL


@dataclass(frozen=True)
class _Table:
    """How the rows of one model are matched, compared and written."""

    model: type[models.Model]
    columns: tuple[str, ...]  # attnames written besides provenance; the order of row tuples
    key: tuple[str, ...]  # attnames that identify a row (re-import upserts by them)
    compare: tuple[str, ...]  # a difference in these means the fact changed
    history: tuple[str, ...] = ()  # kept in FactChange when they change (default: `compare`)
    unique: bool = True  # the key is a unique constraint: ON CONFLICT can target it
    frozen: tuple[str, ...] = ()  # never rewritten by an update
    # A sealed column and its blind index: on update the old ciphertext stays while the index is
    # equal, so an unchanged value never gets a new ciphertext.
    sealed: tuple[tuple[str, str], ...] = ()
    provenance: bool = True

    @property
    def db_table(self) -> str:
        return self.model._meta.db_table

    @cached_property
    def index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.columns)}

    @property
    def all_columns(self) -> tuple[str, ...]:
        return (_PROVENANCE if self.provenance else ()) + self.columns

    @property
    def update_columns(self) -> tuple[str, ...]:
        fixed = {*self.key, *self.frozen, "created_at"}
        return tuple(c for c in self.all_columns if c not in fixed)

    @property
    def history_columns(self) -> tuple[str, ...]:
        return self.history or self.compare

    def field(self, attname: str) -> "models.Field[Any, Any]":
        found = self.model._meta.get_field(attname)
        assert isinstance(found, models.Field)  # noqa: S101 - attnames of concrete columns
        return found

    def column(self, attname: str) -> str:
        return "id" if attname == "id" else self.field(attname).column or attname


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _names(table: _Table, attnames: Iterable[str], prefix: str = "") -> str:
    return ", ".join(f"{prefix}{_q(table.column(c))}" for c in attnames)


class _Backend:
    """Reads by key and writes in bulk; the SQL differs per database, the semantics do not."""

    def __init__(self, now: datetime, source_id: int) -> None:
        self.provenance: tuple[Any, ...] = (now, now, source_id, now)

    def lookup(
        self, table: _Table, column: str, values: Iterable[Any], fields: Sequence[str] = ()
    ) -> list[tuple[Any, ...]]:
        """(column, id, *fields) of the rows whose `column` is one of `values`."""
        raise NotImplementedError

    def existing(
        self, table: _Table, keys: Sequence[tuple[Any, ...]], fields: Sequence[str]
    ) -> dict[tuple[Any, ...], dict[str, Any]]:
        """The rows with these keys: key → {"id", *key, *fields}."""
        raise NotImplementedError

    def upsert(self, table: _Table, rows: Sequence[tuple[Any, ...]], order: str = "") -> None:
        """Insert rows (values of `table.columns`); on a key conflict update what differs."""
        raise NotImplementedError

    def update(self, table: _Table, rows: Sequence[tuple[Any, ...]]) -> None:
        """Rows are (id, *values of `table.columns`); update them by id."""
        raise NotImplementedError

    def close(self) -> None:
        pass

    def conflict_sql(self, table: _Table, excluded: str, distinct: str) -> str:
        target = _q(table.db_table)
        key = _names(table, table.key)
        if not table.update_columns:
            return f"ON CONFLICT ({key}) DO NOTHING"
        sealed = dict(table.sealed)
        sets = []
        for attname in table.update_columns:
            col = _q(table.column(attname))
            if attname in sealed:
                index = _q(table.column(sealed[attname]))
                sets.append(
                    f"{col} = CASE WHEN {target}.{index} = {excluded}.{index} "
                    f"THEN {target}.{col} ELSE {excluded}.{col} END"
                )
            else:
                sets.append(f"{col} = {excluded}.{col}")
        compare = [_q(table.column(c)) for c in table.compare if c in table.index]
        sql = f"ON CONFLICT ({key}) DO UPDATE SET {', '.join(sets)}"
        if compare:
            sql += " WHERE " + distinct.format(
                old=", ".join(f"{target}.{c}" for c in compare),
                new=", ".join(f"{excluded}.{c}" for c in compare),
                pairs=" OR ".join(f"{target}.{c} IS NOT {excluded}.{c}" for c in compare),
            )
        return sql


class _SqliteBackend(_Backend):
    """Batched statements through the DB-API's executemany (SQLite ≥ 3.24 has upserts)."""

    def __init__(self, now: datetime, source_id: int) -> None:
        db_now = connection.ops.adapt_datetimefield_value(now)
        self.provenance = (db_now, db_now, source_id, db_now)
        self.batch = (connection.features.max_query_params or 1000) - 1

    def lookup(
        self, table: _Table, column: str, values: Iterable[Any], fields: Sequence[str] = ()
    ) -> list[tuple[Any, ...]]:
        wanted = sorted(set(values), key=str)
        found: list[tuple[Any, ...]] = []
        select = _names(table, (column, "id", *fields))
        with connection.cursor() as cursor:
            for start in range(0, len(wanted), self.batch):
                part = wanted[start : start + self.batch]
                cursor.execute(
                    f"SELECT {select} FROM {_q(table.db_table)} "  # noqa: S608 - see above
                    f"WHERE {_q(table.column(column))} IN ({', '.join(['%s'] * len(part))})",
                    part,
                )
                found.extend(cursor.fetchall())
        return found

    def existing(
        self, table: _Table, keys: Sequence[tuple[Any, ...]], fields: Sequence[str]
    ) -> dict[tuple[Any, ...], dict[str, Any]]:
        # Through the ORM for its type conversions; narrowed by the first key column, the whole
        # key matched here (SQLite runs small files).
        wanted = set(keys)
        first = sorted({k[0] for k in keys}, key=str)
        found: dict[tuple[Any, ...], dict[str, Any]] = {}
        names = ("id", *table.key, *fields)
        manager = table.model._default_manager
        for start in range(0, len(first), self.batch):
            part = first[start : start + self.batch]
            for values in manager.filter(**{f"{table.key[0]}__in": part}).values_list(*names):
                row = dict(zip(names, values, strict=True))
                key = tuple(row[k] for k in table.key)
                if key in wanted:
                    found[key] = row
        return found

    def upsert(self, table: _Table, rows: Sequence[tuple[Any, ...]], order: str = "") -> None:
        if not rows:
            return
        columns = table.all_columns
        sql = (
            f"INSERT INTO {_q(table.db_table)} ({_names(table, columns)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        if table.unique:
            sql += " " + self.conflict_sql(table, "excluded", "{pairs}")
        prefix = self.provenance if table.provenance else ()
        with connection.cursor() as cursor:
            cursor.executemany(sql, [prefix + row for row in rows])

    def update(self, table: _Table, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        updates = table.update_columns
        position = {c: i for i, c in enumerate(table.all_columns)}
        sets = ", ".join(f"{_q(table.column(c))} = %s" for c in updates)
        prefix = self.provenance if table.provenance else ()
        params = []
        for pk, *values in rows:
            full = prefix + tuple(values)
            params.append([full[position[c]] for c in updates] + [pk])
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {_q(table.db_table)} SET {sets} WHERE id = %s",  # noqa: S608 - see above
                params,
            )


class _PostgresBackend(_Backend):
    """COPY into a temporary staging table, then one set-based statement into the real table.

    Lists of keys travel as one delimited text parameter split on the server: building and
    parsing a query with ten thousand parameters costs more than the query itself.
    """

    def __init__(self, now: datetime, source_id: int) -> None:
        super().__init__(now, source_id)
        self.staged: list[str] = []
        self.types: dict[str, list[int]] = {}  # staging table → type oids of its columns

    @staticmethod
    def _array(table: _Table, attname: str) -> str:
        return f"string_to_array(%s, chr(31), '')::{table.field(attname).db_type(connection)}[]"

    @staticmethod
    def _joined(values: Iterable[Any]) -> str:
        # '' stands for NULL; keys are never empty strings (the rules require them).
        return _SEP.join("" if v is None else str(v) for v in values)

    def lookup(
        self, table: _Table, column: str, values: Iterable[Any], fields: Sequence[str] = ()
    ) -> list[tuple[Any, ...]]:
        wanted = set(values)
        if not wanted:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {_names(table, (column, 'id', *fields))} FROM {_q(table.db_table)} "  # noqa: S608
                f"WHERE {_q(table.column(column))} = ANY({self._array(table, column)})",
                [self._joined(wanted)],
            )
            return cursor.fetchall()

    def existing(
        self, table: _Table, keys: Sequence[tuple[Any, ...]], fields: Sequence[str]
    ) -> dict[tuple[Any, ...], dict[str, Any]]:
        if not keys:
            return {}
        names = ("id", *table.key, *fields)
        select = _names(table, names, prefix="t.")
        if len(table.key) == 1:
            column, array = _q(table.column(table.key[0])), self._array(table, table.key[0])
            sql = (
                f"SELECT {select} FROM {_q(table.db_table)} t "  # noqa: S608 - see above
                f"WHERE t.{column} = ANY({array})"
            )
        else:
            aliases = [f"k{i}" for i in range(len(table.key))]
            arrays = ", ".join(self._array(table, k) for k in table.key)
            on = " AND ".join(
                f"t.{_q(table.column(k))} "
                f"{'IS NOT DISTINCT FROM' if table.field(k).null else '='} k.{alias}"
                for k, alias in zip(table.key, aliases, strict=True)
            )
            sql = (
                f"SELECT {select} FROM unnest({arrays}) AS k({', '.join(aliases)}) "  # noqa: S608
                f"JOIN {_q(table.db_table)} t ON {on}"
            )
        params = [self._joined(key[i] for key in keys) for i in range(len(table.key))]
        found = {}
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for values in cursor.fetchall():
                row = dict(zip(names, values, strict=True))
                found[tuple(row[k] for k in table.key)] = row
        return found

    def _stage(self, table: _Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> str:
        stage = f"import_stage_{table.db_table}_{len(columns)}"
        names = _names(table, columns)
        with connection.cursor() as cursor:
            # IF NOT EXISTS every time: a rolled-back chunk may have taken the table with it.
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {_q(stage)} AS "  # noqa: S608 - see above
                f"SELECT {names} FROM {_q(table.db_table)} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {_q(stage)}")
            if stage not in self.types:
                cursor.execute(f"SELECT {names} FROM {_q(stage)} LIMIT 0")  # noqa: S608
                self.types[stage] = [column.type_code for column in cursor.description]
            with cursor.copy(f"COPY {_q(stage)} ({names}) FROM STDIN") as copy:
                # Declared types spare psycopg from guessing a dumper for every value.
                copy.set_types(self.types[stage])
                for row in rows:
                    copy.write_row(row)
        if stage not in self.staged:
            self.staged.append(stage)
        return stage

    def upsert(self, table: _Table, rows: Sequence[tuple[Any, ...]], order: str = "") -> None:
        if not rows:
            return
        prefix = self.provenance if table.provenance else ()
        stage = self._stage(table, table.all_columns, (prefix + row for row in rows))
        names = _names(table, table.all_columns)
        sql = f"INSERT INTO {_q(table.db_table)} ({names}) SELECT {names} FROM {_q(stage)}"  # noqa: S608
        if order:
            sql += f" ORDER BY {order}"
        if table.unique:
            sql += " " + self.conflict_sql(table, "EXCLUDED", "({old}) IS DISTINCT FROM ({new})")
        with connection.cursor() as cursor:
            cursor.execute(sql)

    def update(self, table: _Table, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        prefix = self.provenance if table.provenance else ()
        columns = ("id", *table.all_columns)
        stage = self._stage(table, columns, ((row[0], *prefix, *row[1:]) for row in rows))
        sets = ", ".join(
            f"{_q(table.column(c))} = s.{_q(table.column(c))}" for c in table.update_columns
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_q(table.db_table)} t SET {sets} FROM {_q(stage)} s WHERE t.id = s.id"  # noqa: S608
            )

    def close(self) -> None:
        with connection.cursor() as cursor:
            for stage in self.staged:
                cursor.execute(f"DROP TABLE IF EXISTS {_q(stage)}")


# --- Apply: references, classification, history, writes (main process) -------------------------


class _Pending(NamedTuple):
    row: int
    key: tuple[Any, ...]
    values: tuple[Any, ...]  # in `table.columns` order, as written (sealed where sealed)
    # Clear values of sealed columns (for history) and values of pseudo-columns (many-to-many).
    extra: Mapping[str, Any] | None = None


@dataclass
class _Outcome:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejects: list[_Reject] = field(default_factory=list)

    def reject(self, row: int, code: str, reason: str) -> None:
        self.rejects.append(_Reject(row, code, reason))

    def add(self, other: "_Outcome") -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejects.extend(other.rejects)


@dataclass
class _Run:
    kind: str
    source: OrgUnit
    now: datetime
    batch: str
    reason: str
    backend: _Backend
    divisions: dict[str, str]  # the city's division codes → level
    # 64-bit digests of the keys seen so far: a later row with the same key is a duplicate.
    # About 60 bytes a key (60 MB for a million rows) while the file itself is streamed.
    seen: set[int] = field(default_factory=set)
    buildings: dict[str, int] = field(default_factory=dict)  # building code → digest of values

    def division_known(self, code: str) -> bool:
        # Inside Guangzhou a code must name a division at the level its length says. The national
        # division table is not in the product, so outside the city only the shape (validation)
        # and, for resident IDs, the province are checked.
        if not code.startswith(CITY_PREFIX):
            return True
        return self.divisions.get(code) == _LEVEL_BY_LENGTH.get(len(code))


@dataclass(frozen=True)
class _Written:
    inserted: int
    updated: int
    unchanged: int
    ids: dict[tuple[Any, ...], int]  # key → id of every pending row, when asked for


def _facts_write(
    run: _Run,
    table: _Table,
    pending: Sequence[_Pending],
    *,
    want_ids: bool = False,
    order: str = "",
    extra: Callable[[list[int]], dict[int, dict[str, Any]]] | None = None,
) -> _Written:
    """Upsert rows by key: unchanged rows are left alone, each changed field goes to history.

    `extra` adds the values of pseudo-columns (many-to-many sets) to the existing rows by id.
    """
    index = table.index
    existing = run.backend.existing(
        table, [p.key for p in pending], [c for c in table.compare if c in index]
    )
    if extra and existing:
        more = extra([row["id"] for row in existing.values()])
        for row in existing.values():
            row.update(more.get(row["id"], {}))
    new: list[_Pending] = []
    changed: list[tuple[int, _Pending]] = []
    writes: list[tuple[Any, ...]] = []  # new and changed rows in the caller's order
    for p in pending:
        old = existing.get(p.key)
        if old is None:
            new.append(p)
            writes.append(p.values)
        elif any(
            old[c] != (p.values[index[c]] if c in index else p.extra[c])  # type: ignore[index]
            for c in table.compare
        ):
            changed.append((old["id"], p))
            writes.append(p.values)
    if changed:
        _history_write(run, table, changed, existing)
    if table.unique:
        run.backend.upsert(table, writes, order)
    else:
        run.backend.upsert(table, [p.values for p in new], order)
        run.backend.update(table, [(pk, *p.values) for pk, p in changed])
    ids: dict[tuple[Any, ...], int] = {}
    if want_ids:
        ids = {key: row["id"] for key, row in existing.items()}
        if new:
            created = run.backend.existing(table, [p.key for p in new], ())
            ids.update({key: row["id"] for key, row in created.items()})
    return _Written(len(new), len(changed), len(pending) - len(writes), ids)


def _history_write(
    run: _Run,
    table: _Table,
    changed: Sequence[tuple[int, _Pending]],
    existing: Mapping[tuple[Any, ...], dict[str, Any]],
) -> None:
    columns = table.history_columns
    if "fingerprint" in table.compare:
        # A digest tells that something changed, not what: read the old values (in clear).
        olds = {
            row["id"]: row
            for row in table.model._default_manager.filter(
                pk__in=[pk for pk, _p in changed]
            ).values("id", *columns)
        }
    else:
        olds = {row["id"]: row for row in existing.values()}
    names = {c: table.model._meta.get_field(c).name for c in columns}
    changes = []
    for pk, p in changed:
        for column in columns:
            old = olds[pk][column]
            new = (
                p.extra[column] if p.extra and column in p.extra else p.values[table.index[column]]
            )
            if old == new or as_text(old) == as_text(new):
                continue
            changes.append(
                FactChange(
                    fact_type=table.model._meta.label,
                    fact_id=pk,
                    field=names[column],
                    old_value=as_text(old),
                    new_value=as_text(new),
                    changed_by=None,
                    supplied_by=run.source,
                    reason=run.reason,
                    at=run.now,
                    import_batch=run.batch,
                )
            )
    FactChange.objects.bulk_create(changes, batch_size=1000)


_PERSON_TABLE = _Table(
    Person,
    columns=(
        "document_type",
        "document_number",
        "document_index",
        "name",
        "gender",
        "birth_date",
        "ethnicity",
        "nationality",
        "hukou_division_code",
        "current_house_id",
        "phone",
        "phone_index",
        "status",
        "household_id",
        "relation_to_head",
        "area_code",
        "fingerprint",
    ),
    key=("document_index",),
    compare=("fingerprint",),
    # The fields a clerk's correction records too (services.facts.CORRECTABLE).
    history=(
        "name",
        "gender",
        "birth_date",
        "ethnicity",
        "nationality",
        "hukou_division_code",
        "phone",
        "status",
        "current_house_id",
        "household_id",
        "relation_to_head",
    ),
    frozen=("document_type", "document_number"),
    sealed=(("phone", "phone_index"),),
)
_HOUSEHOLD_TABLE = _Table(
    Household,
    columns=("number", "kind", "hukou_division_code"),
    key=("number",),
    compare=("hukou_division_code",),
    frozen=("kind",),
)
_BUILDING_TABLE = _Table(
    Building,
    columns=("code", "name", "address", "grid_id", "floors", "built_year"),
    key=("code",),
    compare=("name", "address", "grid_id", "floors", "built_year"),
)
_UNIT_TABLE = _Table(
    BuildingUnit, columns=("building_id", "number"), key=("building_id", "number"), compare=()
)
_HOUSE_TABLE = _Table(
    House,
    columns=("code", "unit_id", "number", "floor", "use", "area", "area_code"),
    key=("code",),
    compare=("floor", "use", "area", "area_code"),
    frozen=("unit_id", "number"),
)
_GRID_TABLE = _Table(Grid, columns=("code",), key=("code",), compare=(), provenance=False)
_COMPANY_TABLE = _Table(
    LegalPerson,
    columns=(
        "uscc",
        "name",
        "kind",
        "legal_representative_id",
        "registered_address",
        "division_code",
        "industry",
        "status",
        "established_on",
        "fingerprint",
    ),
    key=("uscc",),
    compare=("fingerprint",),
    history=(
        "name",
        "kind",
        "legal_representative_id",
        "registered_address",
        "division_code",
        "industry",
        "status",
        "established_on",
    ),
)
_LINK_TABLES = {
    # Ownership has no unique constraint on its key: new rows are inserted and changed rows
    # updated by id instead of one ON CONFLICT statement.
    "ownerships": _Table(
        Ownership,
        columns=("house_id", "person_id", "legal_person_id", "share", "since", "until"),
        key=("house_id", "person_id", "legal_person_id", "since"),
        compare=("share", "until"),
        unique=False,
    ),
    "residences": _Table(
        Residence,
        columns=("person_id", "house_id", "kind", "since", "until"),
        key=("person_id", "house_id", "since"),
        compare=("kind", "until"),
    ),
    "rentals": _Table(
        RentalRegistration,
        columns=("number", "house_id", "landlord_id", "starts_on", "ends_on"),
        key=("number",),
        compare=("house_id", "landlord_id", "starts_on", "ends_on", "tenants"),
    ),
    "employment": _Table(
        Employment,
        columns=("person_id", "employer_id", "since", "until", "wage_band"),
        key=("person_id", "employer_id", "since"),
        compare=("until", "wage_band"),
    ),
    "contributions": _Table(
        Contribution,
        columns=("person_id", "month", "employer_id", "status", "base"),
        key=("person_id", "month"),
        compare=("employer_id", "status", "base"),
    ),
}
_TENANT_TABLE = _Table(
    RentalRegistration.tenants.through,
    columns=("rentalregistration_id", "person_id"),
    key=("rentalregistration_id", "person_id"),
    compare=(),
    provenance=False,
)
_REF_TABLES = {
    "person": (_PERSON_TABLE, "document_index"),
    "company": (_COMPANY_TABLE, "uscc"),
    "house": (_HOUSE_TABLE, "code"),
}
_REF_REJECTS = {
    "person": ("unknown_person", gettext_noop("%(column)s 中的证件对应的人员未登记")),
    "company": ("unknown_company", gettext_noop("%(column)s 对应的法人未登记")),
    "house": ("unknown_house", gettext_noop("房屋编码 %(code)s 不存在")),
}


def _households_apply(
    run: _Run, records: list[_PersonRecord], out: _Outcome
) -> tuple[list[_PersonRecord], dict[str, int]]:
    """Create or update the households the rows name; refuse a second head for a household."""
    numbers = {r.household for r in records if r.household}
    if not numbers:
        return records, {}
    known = dict(run.backend.lookup(_HOUSEHOLD_TABLE, "number", numbers))
    head_of: dict[str, str] = {}  # household number → document index of its head
    if known:
        number_of = {pk: number for number, pk in known.items()}
        heads = run.backend.lookup(
            _PERSON_TABLE, "household_id", number_of, ("relation_to_head", "document_index")
        )
        head_of = {
            number_of[household]: index
            for household, _pk, relation, index in heads
            if relation == Relation.HEAD
        }
    # Heads who stop heading their household in this chunk free their place first, so a change
    # of head inside one chunk is accepted whatever the order of the two rows.
    headed = {index: number for number, index in head_of.items()}
    for r in records:
        number = headed.get(r.key)
        if number is not None and (r.household != number or r.relation != Relation.HEAD):
            head_of.pop(number, None)
    kept: list[_PersonRecord] = []
    hukou_of: dict[str, str] = {}  # household → its head's registered residence
    for r in records:
        if r.household and r.relation == Relation.HEAD:
            if head_of.setdefault(r.household, r.key) != r.key:
                out.reject(
                    r.row, "household_head", _("户号 %(number)s 已有户主") % {"number": r.household}
                )
                continue
            hukou_of[r.household] = r.hukou
        kept.append(r)
    pending: dict[str, _Pending] = {}
    for r in kept:
        if not r.household or r.household in pending:
            continue
        if r.household in hukou_of:
            hukou = hukou_of[r.household]  # the head's row speaks for the household
        elif r.household in known:
            continue
        else:
            hukou = r.hukou  # a new household takes the first member's until its head arrives
        pending[r.household] = _Pending(
            r.row, (r.household,), (r.household, HouseholdKind.FAMILY, hukou)
        )
    written = _facts_write(run, _HOUSEHOLD_TABLE, list(pending.values()), want_ids=True)
    ids = {number: pk for (number,), pk in written.ids.items()}
    return kept, known | ids


def _persons_apply(run: _Run, records: list[_PersonRecord]) -> _Outcome:
    out = _Outcome()
    houses = {
        code: (pk, area)
        for code, pk, area in run.backend.lookup(
            _HOUSE_TABLE, "code", {r.house_code for r in records if r.house_code}, ("area_code",)
        )
    }
    resolved = []
    for r in records:
        if r.house_code and r.house_code not in houses:
            out.reject(
                r.row, "unknown_house", _("房屋编码 %(code)s 不存在") % {"code": r.house_code}
            )
        elif not run.division_known(r.hukou):
            out.reject(
                r.row,
                "unknown_division",
                _("户籍地区划代码 %(code)s 不是本市现有的区划") % {"code": r.hukou},
            )
        else:
            resolved.append(r)
    resolved, households = _households_apply(run, resolved, out)
    pending = []
    for r in resolved:
        house_id, house_area = houses[r.house_code] if r.house_code else (None, None)
        values = (
            r.document_type,
            r.document_sealed,
            r.key,
            r.name,
            r.gender,
            r.birth_date,
            r.ethnicity,
            r.nationality,
            r.hukou,
            house_id,
            r.phone_sealed,
            r.phone_index,
            r.status,
            households[r.household] if r.household else None,
            r.relation,
            area_code_for(house_area_code=house_area, hukou_division_code=r.hukou),
            r.fingerprint,
        )
        pending.append(_Pending(r.row, (r.key,), values, {"phone": r.phone}))
    # Rows that stop being a head are written first, so that a new head never meets the old one
    # in the one-head-per-household index.
    pending.sort(key=lambda p: p.values[14] == Relation.HEAD)
    order = f"{_q('relation_to_head')} = '{Relation.HEAD.value}'"
    written = _facts_write(run, _PERSON_TABLE, pending, order=order)
    out.inserted, out.updated, out.unchanged = written.inserted, written.updated, written.unchanged
    return out


def _houses_apply(run: _Run, records: list[_HouseRecord]) -> _Outcome:
    out = _Outcome()
    grids = dict(run.backend.lookup(_GRID_TABLE, "code", {r.building[2] for r in records}))
    resolved = []
    for r in records:
        if r.building[2] in grids:
            resolved.append(r)
        else:
            out.reject(
                r.row, "unknown_grid", _("网格编码 %(code)s 不存在") % {"code": r.building[2]}
            )
    buildings: dict[str, _Pending] = {}
    for r in resolved:
        if r.building_code not in buildings:
            name, address, grid_code, floors, built_year = r.building
            buildings[r.building_code] = _Pending(
                r.row,
                (r.building_code,),
                (r.building_code, name, address, grids[grid_code], floors, built_year),
            )
    building_ids = _facts_write(run, _BUILDING_TABLE, list(buildings.values()), want_ids=True).ids
    units: dict[tuple[int, str], _Pending] = {}
    for r in resolved:
        key = (building_ids[(r.building_code,)], r.unit_number)
        units.setdefault(key, _Pending(r.row, key, key))
    unit_ids = _facts_write(run, _UNIT_TABLE, list(units.values()), want_ids=True).ids
    pending = [
        _Pending(
            r.row,
            (r.key,),
            (
                r.key,
                unit_ids[(building_ids[(r.building_code,)], r.unit_number)],
                r.house_number,
                r.floor,
                r.use,
                r.area,
                r.building[2],  # a house counts in its building's grid
            ),
        )
        for r in resolved
    ]
    written = _facts_write(run, _HOUSE_TABLE, pending)
    out.inserted, out.updated, out.unchanged = written.inserted, written.updated, written.unchanged
    return out


def _refs_resolve(run: _Run, records: Sequence[_FactRecord], out: _Outcome) -> list[_FactRecord]:
    """Replace every `_Ref` by the id it names (one query per kind); reject unknown references."""
    wanted: dict[str, set[str]] = {kind: set() for kind in _REF_TABLES}
    for r in records:
        for value in r.values.values():
            refs = value if isinstance(value, tuple) and not isinstance(value, _Ref) else (value,)
            for ref in refs:
                if isinstance(ref, _Ref):
                    wanted[ref.kind].add(ref.key)
    ids = {
        kind: dict(run.backend.lookup(*_REF_TABLES[kind], keys))
        for kind, keys in wanted.items()
        if keys
    }

    def resolve(ref: _Ref) -> int:
        pk = ids[ref.kind].get(ref.key)
        if pk is None:
            code, reason = _REF_REJECTS[ref.kind]
            raise RowError(_(reason) % {"column": ref.column, "code": ref.key}, code=code)
        return pk

    resolved = []
    for r in records:
        values: dict[str, Any] = {}
        try:
            for name, value in r.values.items():
                if isinstance(value, _Ref):
                    values[name] = resolve(value)
                elif isinstance(value, tuple):
                    values[name] = frozenset(resolve(ref) for ref in value)
                else:
                    values[name] = value
        except RowError as exc:
            out.reject(r.row, exc.code, exc.message)
            continue
        resolved.append(r._replace(values=values))
    return resolved


def _companies_apply(run: _Run, records: list[_FactRecord]) -> _Outcome:
    out = _Outcome()
    pending = []
    for r in _refs_resolve(run, records, out):
        if not run.division_known(r.values["division_code"]):
            out.reject(
                r.row,
                "unknown_division",
                _("登记地区划代码 %(code)s 不是本市现有的区划")
                % {"code": r.values["division_code"]},
            )
            continue
        values = tuple(r.values[c] for c in _COMPANY_TABLE.columns)
        pending.append(_Pending(r.row, (r.key,), values))
    written = _facts_write(run, _COMPANY_TABLE, pending)
    out.inserted, out.updated, out.unchanged = written.inserted, written.updated, written.unchanged
    return out


def _tenant_sets(rental_ids: list[int]) -> dict[int, dict[str, Any]]:
    sets: dict[int, set[int]] = {pk: set() for pk in rental_ids}
    through = _TENANT_TABLE.model._default_manager
    for rental, person in through.filter(rentalregistration_id__in=rental_ids).values_list(
        "rentalregistration_id", "person_id"
    ):
        sets[rental].add(person)
    return {pk: {"tenants": frozenset(people)} for pk, people in sets.items()}


def _links_apply(run: _Run, records: list[_FactRecord]) -> _Outcome:
    out = _Outcome()
    table = _LINK_TABLES[run.kind]
    rentals = run.kind == "rentals"
    pending = [
        _Pending(
            r.row,
            tuple(r.values[k] for k in table.key),
            tuple(r.values[c] for c in table.columns),
            {"tenants": r.values["tenants"]} if rentals else None,
        )
        for r in _refs_resolve(run, records, out)
    ]
    written = _facts_write(
        run, table, pending, want_ids=rentals, extra=_tenant_sets if rentals else None
    )
    if rentals:
        ids = written.ids
        current = _tenant_sets(list(ids.values()))
        replaced = [(ids[p.key], p.extra["tenants"]) for p in pending]  # type: ignore[index]
        replaced = [(pk, new) for pk, new in replaced if current[pk]["tenants"] != new]
        _TENANT_TABLE.model._default_manager.filter(
            rentalregistration_id__in=[pk for pk, _new in replaced]
        ).delete()
        run.backend.upsert(
            _TENANT_TABLE, [(pk, person) for pk, new in replaced for person in sorted(new)]
        )
    out.inserted, out.updated, out.unchanged = written.inserted, written.updated, written.unchanged
    return out


_APPLIERS: dict[str, Callable[[_Run, list[Any]], _Outcome]] = {
    "houses": _houses_apply,
    "persons": _persons_apply,
    "companies": _companies_apply,
    **dict.fromkeys(_LINK_TABLES, _links_apply),
}
_KEY_LABELS = {
    "houses": gettext_noop("房屋编码"),
    "persons": gettext_noop("证件"),
    "companies": gettext_noop("统一社会信用代码"),
    "ownerships": gettext_noop("房屋、产权人、起始日期"),
    "residences": gettext_noop("证件、房屋、起始日期"),
    "rentals": gettext_noop("登记编号"),
    "employment": gettext_noop("证件、单位、入职日期"),
    "contributions": gettext_noop("证件、缴费月份"),
}


def _file_checks(run: _Run, records: list[_Record], out: _Outcome) -> list[_Record]:
    """Rules about the file as a whole: a key only once; a building described one way."""
    kept = []
    for r in records:
        digest = hash(r.key)
        if digest in run.seen:
            out.reject(
                r.row,
                "duplicate",
                _("文件中前面已有相同%(key)s的记录") % {"key": _(_KEY_LABELS[run.kind])},
            )
            continue
        run.seen.add(digest)
        if isinstance(r, _HouseRecord):
            described = hash(r.building)
            if run.buildings.setdefault(r.building_code, described) != described:
                out.reject(
                    r.row,
                    "building_mismatch",
                    _("楼栋 %(code)s 的名称、地址、网格、层数或建成年份与文件中前面的行不一致")
                    % {"code": r.building_code},
                )
                continue
        kept.append(r)
    return kept


def _chunk_apply(run: _Run, records: list[Any]) -> _Outcome:
    """Write one chunk in one transaction; if the database refuses it, go row by row."""
    apply = _APPLIERS[run.kind]
    try:
        with transaction.atomic():
            return apply(run, records)
    except (IntegrityError, DataError):
        pass
    out = _Outcome()
    for record in records:
        try:
            with transaction.atomic():
                out.add(apply(run, [record]))
        except (IntegrityError, DataError) as exc:
            out.reject(
                record.row,
                "constraint",
                _("数据库拒绝该行：%(error)s") % {"error": str(exc).strip().splitlines()[0]},
            )
    return out


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
    return report
