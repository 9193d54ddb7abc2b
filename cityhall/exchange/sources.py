"""The registry views a data resource can serve, and how keys are checked and indexed.

A view reads many keys at once through registry.selectors and returns, per key, only the fields
asked for (so a grant of two fields never costs the joins of the others).
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from cityhall.core import crypto
from cityhall.core.errors import DomainError
from cityhall.core.identifiers import IdentifierError, resident_id_parse, uscc_parse
from cityhall.exchange.vocab import KeyKind
from cityhall.identity.selectors import id_number_index
from cityhall.registry import selectors as registry

Record = dict[str, Any]


@dataclass(frozen=True)
class SubjectKey:
    """A checked lookup key: what the caller sent, what the log stores, what a citizen sees."""

    given: str
    index: str  # blind index of an ID number; the USCC itself for a company
    label: str  # masked, for display


class MalformedKeyError(DomainError):
    code = "malformed_key"


def key_check(kind: str, value: object) -> SubjectKey:
    """Validate one lookup key (GB 11643 ID number or GB 32100 USCC, check digit included)."""
    if not isinstance(value, str) or not value.strip():
        raise MalformedKeyError(_("查询键必须是非空字符串"))
    text = value.strip().upper()
    try:
        if kind == KeyKind.PERSON:
            resident_id_parse(text)
            return SubjectKey(text, id_number_index(text), crypto.mask_id_number(text))
        if kind == KeyKind.LEGAL_PERSON:
            uscc_parse(text)
            return SubjectKey(text, text, text)
    except IdentifierError as exc:
        raise MalformedKeyError(
            _("查询键“%(key)s”格式错误：%(why)s")
            % {"key": crypto.mask_id_number(text), "why": exc.message}
        ) from exc
    raise MalformedKeyError(_("该资源不支持按键查询"))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _person_basic(keys: list[SubjectKey], fields: Collection[str]) -> dict[str, Record | None]:
    persons = registry.persons_by_document_index(
        [k.index for k in keys], with_phone="phone" in fields
    )
    addresses = (
        registry.house_addresses(
            [p.current_house_id for p in persons.values() if p.current_house_id]
        )
        if "address" in fields
        else {}
    )
    out: dict[str, Record | None] = {}
    for key in keys:
        person = persons.get(key.index)
        if person is None:
            out[key.index] = None
            continue
        values: Record = {
            "name": person.name,
            "gender": person.gender,
            "birth_date": _iso(person.birth_date),
            "ethnicity": person.ethnicity,
            "nationality": person.nationality,
            "hukou_division_code": person.hukou_division_code,
            "status": person.status,
            "address": addresses.get(person.current_house_id or 0, ""),
        }
        if "phone" in fields:
            values["phone"] = person.phone
        out[key.index] = {f: values[f] for f in fields}
    return out


def _persons(keys: list[SubjectKey]) -> dict[str, int]:
    return {
        index: person.pk
        for index, person in registry.persons_by_document_index([k.index for k in keys]).items()
    }


def _person_employment(keys: list[SubjectKey], fields: Collection[str]) -> dict[str, Record | None]:
    ids = _persons(keys)
    jobs = registry.current_employments(list(ids.values()))
    out: dict[str, Record | None] = {}
    for key in keys:
        if key.index not in ids:
            out[key.index] = None
            continue
        job = jobs.get(ids[key.index])
        values: Record = {
            "employed": job is not None,
            "employer_name": job.employer.name if job else None,
            "employer_uscc": job.employer.uscc if job else None,
            "since": _iso(job.since) if job else None,
            "wage_band": job.wage_band if job else None,
        }
        out[key.index] = {f: values[f] for f in fields}
    return out


def _person_contributions(
    keys: list[SubjectKey], fields: Collection[str]
) -> dict[str, Record | None]:
    ids = _persons(keys)
    months = registry.contributions_recent(list(ids.values()))
    out: dict[str, Record | None] = {}
    for key in keys:
        if key.index not in ids:
            out[key.index] = None
            continue
        rows = months[ids[key.index]]
        values: Record = {
            "months": [
                {
                    "month": f"{c.month:%Y-%m}",
                    "status": c.status,
                    "employer_uscc": c.employer.uscc if c.employer else None,
                }
                for c in rows
            ],
            "bases": [{"month": f"{c.month:%Y-%m}", "base": _money(c.base)} for c in rows],
        }
        out[key.index] = {f: values[f] for f in fields}
    return out


def _person_benefits(keys: list[SubjectKey], fields: Collection[str]) -> dict[str, Record | None]:
    ids = _persons(keys)
    benefits = registry.benefits_of(list(ids.values()))
    out: dict[str, Record | None] = {}
    for key in keys:
        if key.index not in ids:
            out[key.index] = None
            continue
        rows = benefits[ids[key.index]]
        values: Record = {
            "benefits": [
                {"kind": b.kind, "since": _iso(b.since), "until": _iso(b.until)} for b in rows
            ],
            "amounts": [{"kind": b.kind, "monthly_amount": _money(b.monthly_amount)} for b in rows],
        }
        out[key.index] = {f: values[f] for f in fields}
    return out


def _company_basic(keys: list[SubjectKey], fields: Collection[str]) -> dict[str, Record | None]:
    companies = registry.legal_persons_by_uscc([k.index for k in keys])
    out: dict[str, Record | None] = {}
    for key in keys:
        company = companies.get(key.index)
        if company is None:
            out[key.index] = None
            continue
        values: Record = {
            "name": company.name,
            "kind": company.kind,
            "status": company.status,
            "established_on": _iso(company.established_on),
            "registered_address": company.registered_address,
            "division_code": company.division_code,
            "industry": company.industry,
            "legal_representative": (
                company.legal_representative.name if company.legal_representative else None
            ),
        }
        out[key.index] = {f: values[f] for f in fields}
    return out


@dataclass(frozen=True)
class SourceView:
    name: str
    key_kind: str
    fields: tuple[str, ...]
    read: Callable[[list[SubjectKey], Collection[str]], dict[str, Record | None]]


VIEWS: dict[str, SourceView] = {
    view.name: view
    for view in (
        SourceView(
            "person_basic",
            KeyKind.PERSON,
            (
                "name",
                "gender",
                "birth_date",
                "ethnicity",
                "nationality",
                "hukou_division_code",
                "status",
                "address",
                "phone",
            ),
            _person_basic,
        ),
        SourceView(
            "person_employment",
            KeyKind.PERSON,
            ("employed", "employer_name", "employer_uscc", "since", "wage_band"),
            _person_employment,
        ),
        SourceView(
            "person_contributions", KeyKind.PERSON, ("months", "bases"), _person_contributions
        ),
        SourceView("person_benefits", KeyKind.PERSON, ("benefits", "amounts"), _person_benefits),
        SourceView(
            "company_basic",
            KeyKind.LEGAL_PERSON,
            (
                "name",
                "kind",
                "status",
                "established_on",
                "registered_address",
                "division_code",
                "industry",
                "legal_representative",
            ),
            _company_basic,
        ),
    )
}
