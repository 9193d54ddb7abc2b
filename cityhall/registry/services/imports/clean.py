"""Clean: each record is decoded and parsed, goes through the rules of `registry.validation`,
and its personal data is sealed (AES-GCM) and indexed (HMAC) exactly as the model fields would do
it. This is the CPU cost of an import, so for big files a small pool of processes cleans the next
chunks while the main process writes the current one (a bounded number of chunks in flight, so
memory stays flat)."""

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from typing import Any, NamedTuple, TypeAlias

from django.utils.translation import gettext as _

from cityhall.core import crypto
from cityhall.core.identifiers import IdentifierError, uscc_parse
from cityhall.registry.models import Person
from cityhall.registry.services.imports.read import _Chunk, _parse
from cityhall.registry.validation import (
    KIND_COLUMNS,
    RowError,
    amount_check,
    benefit_kind_check,
    company_clean,
    contribution_status_check,
    document_parse,
    house_clean,
    parse_date,
    parse_decimal,
    parse_month,
    period_check,
    person_clean,
    required,
    residence_kind_check,
    share_check,
    wage_band_check,
)

# Smaller files are cleaned in the main process: starting workers would cost more than it saves.
POOL_MIN_BYTES = 2 * 1024 * 1024
POOL_WORKERS = 2

KINDS = tuple(KIND_COLUMNS)

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
    birth_date: str  # ISO: a date object costs more to send back from a worker than to parse
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
        v.birth_date.isoformat(),
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
            "share": share_check(parse_decimal(required(row, "share"), "share")),
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
    month = parse_month(required(row, "month"), "month")
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


def _benefit_record(row_no: int, row: Mapping[str, str], today: date) -> _FactRecord:
    person = _person_ref(row, "document_type", "document_number", today)
    kind = benefit_kind_check(required(row, "kind"))
    amount = amount_check(
        parse_decimal(required(row, "monthly_amount"), "monthly_amount"), "monthly_amount"
    )
    since, until = _period(row, "since", "until")
    return _FactRecord(
        row_no,
        f"{person.key}|{kind}|{since}",
        {
            "person_id": person,
            "kind": kind,
            "monthly_amount": amount,
            "since": since,
            "until": until,
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
    "benefits": _benefit_record,
}


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
