"""Turn supplied values (a form, an API body, a CSV row) into clean registry values, or say why not.

One place for every rule, so a fact entered by a clerk and one imported from a department file are
held to the same standard. References to other records (house codes, USCCs) are checked by the
callers, which resolve them in bulk.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache

from django.utils.translation import gettext as _

from cityhall.core import crypto
from cityhall.core.errors import DomainError
from cityhall.core.identifiers import IdentifierError, resident_id_parse, uscc_parse
from cityhall.identity.selectors import id_number_index
from cityhall.registry.vocab import (
    ETHNICITIES,
    BenefitKind,
    ContributionStatus,
    DocumentType,
    HouseUse,
    LegalPersonKind,
    LegalPersonStatus,
    PersonStatus,
    Relation,
    ResidenceKind,
    WageBand,
)

CITY_PREFIX = "4401"


class RowError(DomainError):
    """A supplied record breaks a rule; `code` names the rule (used in import rejects files)."""


PERSON_COLUMNS = (
    "document_type",
    "document_number",
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "nationality",
    "hukou_division_code",
    "phone",
    "status",
    "household_number",
    "relation_to_head",
    "house_code",
)
COMPANY_COLUMNS = (
    "uscc",
    "name",
    "kind",
    "legal_rep_document_type",
    "legal_rep_document_number",
    "registered_address",
    "division_code",
    "industry",
    "status",
    "established_on",
)
HOUSE_COLUMNS = (
    "building_code",
    "building_name",
    "address",
    "grid_code",
    "floors",
    "built_year",
    "unit_number",
    "house_number",
    "floor",
    "use",
    "area",
)
OWNERSHIP_COLUMNS = (
    "house_code",
    "owner_document_type",
    "owner_document_number",
    "owner_uscc",
    "share",
    "since",
    "until",
)
RESIDENCE_COLUMNS = ("document_type", "document_number", "house_code", "kind", "since", "until")
RENTAL_COLUMNS = (
    "number",
    "house_code",
    "landlord_document_type",
    "landlord_document_number",
    "tenant_documents",
    "starts_on",
    "ends_on",
)
EMPLOYMENT_COLUMNS = ("document_type", "document_number", "uscc", "since", "until", "wage_band")
CONTRIBUTION_COLUMNS = ("document_type", "document_number", "month", "status", "uscc", "base")
BENEFIT_COLUMNS = ("document_type", "document_number", "kind", "monthly_amount", "since", "until")
# Every kind of registry file and its columns, in the documented import order.
KIND_COLUMNS: dict[str, tuple[str, ...]] = {
    "houses": HOUSE_COLUMNS,
    "persons": PERSON_COLUMNS,
    "companies": COMPANY_COLUMNS,
    "ownerships": OWNERSHIP_COLUMNS,
    "residences": RESIDENCE_COLUMNS,
    "rentals": RENTAL_COLUMNS,
    "employment": EMPLOYMENT_COLUMNS,
    "contributions": CONTRIBUTION_COLUMNS,
    "benefits": BENEFIT_COLUMNS,
}

_DOCUMENT_SHAPES = {
    DocumentType.HK_MACAO_PERMIT: re.compile(r"[HM]\d{8}(\d{2})?"),
    DocumentType.TAIWAN_PERMIT: re.compile(r"\d{8}"),
    DocumentType.FOREIGN_PERMANENT: re.compile(r"[A-Z]{3}\d{12}|9\d{17}"),
    DocumentType.PASSPORT: re.compile(r"[A-Z0-9]{5,20}"),
}
_PHONE = re.compile(r"1[3-9]\d{9}")
_NATIONALITY = re.compile(r"[A-Z]{3}")
_DIVISION = re.compile(r"\d{6}(\d{3}(\d{3})?)?")
_NAME_FORBIDDEN = re.compile(r"[\d<>@#$%^&*={}\[\]|\\/\x00-\x1f\x7f]")


def required(row: Mapping[str, str], column: str) -> str:
    value = (row.get(column) or "").strip()
    if not value:
        raise RowError(_("缺少必填字段 %(column)s") % {"column": column}, code="missing")
    return value


@cache
def _allowed(choices: type) -> frozenset[str]:
    # Django rebuilds `choices.values` on every access; imports ask millions of times.
    return frozenset(choices.values)  # type: ignore[attr-defined]


def _choice(value: str, choices: type, column: str) -> str:
    if value not in _allowed(choices):
        raise RowError(
            _("%(column)s 的取值“%(value)s”不在允许范围内") % {"column": column, "value": value},
            code="bad_choice",
        )
    return value


def parse_date(value: str, column: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RowError(
            _("%(column)s 应为 YYYY-MM-DD 格式的日期") % {"column": column}, code="bad_date"
        ) from None


def _optional_date(row: Mapping[str, str], column: str) -> date | None:
    value = (row.get(column) or "").strip()
    return parse_date(value, column) if value else None


_MONTH = re.compile(r"\d{4}-\d{2}")


def parse_month(value: str, column: str) -> date:
    """A `YYYY-MM` month, as the first day of that month."""
    if not _MONTH.fullmatch(value):
        raise RowError(
            _("%(column)s 应为 YYYY-MM 格式的月份") % {"column": column}, code="bad_date"
        )
    return parse_date(f"{value}-01", column)


def share_check(value: Decimal) -> Decimal:
    if value > 100:
        raise RowError(_("产权份额不能超过 100%"), code="bad_share")
    return value


def parse_decimal(value: str, column: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise RowError(_("%(column)s 应为数字") % {"column": column}, code="bad_number") from None
    if not number.is_finite() or number <= 0:
        raise RowError(_("%(column)s 应为正数") % {"column": column}, code="bad_number")
    return number


def parse_int(value: str, column: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise RowError(_("%(column)s 应为整数") % {"column": column}, code="bad_number") from None


def division_code_check(code: str, column: str) -> str:
    """A GB/T 2260 code (6 digits, or 9/12 for streets and communities)."""
    if not _DIVISION.fullmatch(code):
        raise RowError(
            _("%(column)s 应为 6、9 或 12 位区划代码") % {"column": column}, code="bad_division"
        )
    return code


def document_index(document_type: str, number: str) -> str:
    """The blind index that finds a person by document; resident IDs share identity's index."""
    if document_type in (DocumentType.RESIDENT_ID, DocumentType.HMT_RESIDENCE):
        return id_number_index(number)
    return crypto.blind_index(number, purpose=f"document:{document_type}")


@dataclass(frozen=True)
class Document:
    type: str
    number: str
    index: str
    gender: str | None = None
    birth_date: date | None = None


def document_parse(document_type: str, number: str, *, today: date | None = None) -> Document:
    """Validate a document of a natural person; resident IDs also yield gender and birth date."""
    document_type = _choice(document_type.strip(), DocumentType, "document_type")
    number = number.strip().upper()
    if document_type in (DocumentType.RESIDENT_ID, DocumentType.HMT_RESIDENCE):
        try:
            parsed = resident_id_parse(number, today=today)
        except IdentifierError as exc:
            raise RowError(exc.message, code=exc.code) from exc
        is_hmt = parsed.division_code[:2] in ("81", "82", "83")
        if is_hmt != (document_type == DocumentType.HMT_RESIDENCE):
            raise RowError(
                _("港澳台居民居住证号码以 81、82、83 开头，居民身份证号码不以此开头"),
                code="document_type_mismatch",
            )
        return Document(
            document_type,
            parsed.number,
            document_index(document_type, parsed.number),
            parsed.gender,
            parsed.birth_date,
        )
    if not _DOCUMENT_SHAPES[DocumentType(document_type)].fullmatch(number):
        raise RowError(_("证件号码格式不正确"), code="bad_document")
    return Document(document_type, number, document_index(document_type, number))


@dataclass(frozen=True)
class PersonValues:
    document: Document
    name: str
    gender: str
    birth_date: date
    ethnicity: str
    nationality: str
    hukou_division_code: str
    phone: str
    phone_index: str
    status: str
    household_number: str
    relation_to_head: str
    house_code: str
    fingerprint: str


def fingerprint(*values: object) -> str:
    """Keyed digest of a record's supplied values: equal digests mean nothing changed."""
    return crypto.blind_index("\x1f".join(map(str, values)), purpose="registry.fingerprint")


def person_clean(row: Mapping[str, str], *, today: date | None = None) -> PersonValues:
    """Validate one person record; gender and birth date must agree with a resident ID."""
    document = document_parse(
        required(row, "document_type"), required(row, "document_number"), today=today
    )
    name = required(row, "name")
    if len(name) > 64 or _NAME_FORBIDDEN.search(name):
        raise RowError(_("姓名含有不允许的字符或过长"), code="bad_name")
    gender = (row.get("gender") or "").strip().upper() or (document.gender or "")
    if gender not in ("M", "F"):
        raise RowError(_("性别应为 M 或 F"), code="bad_gender")
    if document.gender and gender != document.gender:
        raise RowError(_("性别与身份证号码不符"), code="gender_mismatch")
    birth_text = (row.get("birth_date") or "").strip()
    birth = parse_date(birth_text, "birth_date") if birth_text else document.birth_date
    if birth is None:
        raise RowError(_("缺少必填字段 %(column)s") % {"column": "birth_date"}, code="missing")
    if document.birth_date and birth != document.birth_date:
        raise RowError(_("出生日期与身份证号码不符"), code="birth_date_mismatch")
    ethnicity = (row.get("ethnicity") or "").strip()
    if ethnicity and ethnicity not in ETHNICITIES:
        raise RowError(_("民族代码不正确"), code="bad_ethnicity")
    nationality = (row.get("nationality") or "").strip().upper() or "CHN"
    if not _NATIONALITY.fullmatch(nationality):
        raise RowError(_("国籍应为三位字母代码"), code="bad_nationality")
    hukou = division_code_check(required(row, "hukou_division_code"), "hukou_division_code")
    phone = (row.get("phone") or "").strip()
    if phone and not _PHONE.fullmatch(phone):
        raise RowError(_("手机号码应为 11 位"), code="bad_phone")
    status = _choice((row.get("status") or "alive").strip(), PersonStatus, "status")
    household = (row.get("household_number") or "").strip()
    relation = (row.get("relation_to_head") or "").strip()
    if relation:
        _choice(relation, Relation, "relation_to_head")
    if bool(household) != bool(relation):
        raise RowError(_("户号与户内关系须同时填写"), code="bad_household")
    house = (row.get("house_code") or "").strip()
    values = (
        document.type,
        document.number,
        name,
        gender,
        birth,
        ethnicity,
        nationality,
        hukou,
        phone,
        status,
        household,
        relation,
        house,
    )
    return PersonValues(
        document=document,
        name=name,
        gender=gender,
        birth_date=birth,
        ethnicity=ethnicity,
        nationality=nationality,
        hukou_division_code=hukou,
        phone=phone,
        phone_index=crypto.blind_index(phone, purpose="phone") if phone else "",
        status=status,
        household_number=household,
        relation_to_head=relation,
        house_code=house,
        fingerprint=fingerprint(*values),
    )


@dataclass(frozen=True)
class CompanyValues:
    uscc: str
    name: str
    kind: str
    legal_rep: Document | None
    registered_address: str
    division_code: str
    industry: str
    status: str
    established_on: date
    fingerprint: str


def company_clean(row: Mapping[str, str]) -> CompanyValues:
    try:
        uscc = uscc_parse(required(row, "uscc")).code
    except IdentifierError as exc:
        raise RowError(exc.message, code=exc.code) from exc
    name = required(row, "name")
    kind = _choice(required(row, "kind"), LegalPersonKind, "kind")
    rep_type = (row.get("legal_rep_document_type") or "").strip()
    rep_number = (row.get("legal_rep_document_number") or "").strip()
    rep = document_parse(rep_type, rep_number) if rep_type or rep_number else None
    address = required(row, "registered_address")
    division = division_code_check(required(row, "division_code"), "division_code")
    industry = required(row, "industry")
    status = _choice((row.get("status") or "active").strip(), LegalPersonStatus, "status")
    established = parse_date(required(row, "established_on"), "established_on")
    digest = fingerprint(
        uscc, name, kind, rep.index if rep else "", address, division, industry, status, established
    )
    return CompanyValues(
        uscc, name, kind, rep, address, division, industry, status, established, digest
    )


@dataclass(frozen=True)
class HouseValues:
    building_code: str
    building_name: str
    address: str
    grid_code: str
    floors: int
    built_year: int | None
    unit_number: str
    house_number: str
    floor: int
    use: str
    area: Decimal

    @property
    def house_code(self) -> str:
        return house_code(self.building_code, self.unit_number, self.house_number)


def house_code(building_code: str, unit_number: str, house_number: str) -> str:
    return f"{building_code}-{unit_number}-{house_number}"


def house_clean(row: Mapping[str, str]) -> HouseValues:
    floors = parse_int(required(row, "floors"), "floors")
    floor = parse_int(required(row, "floor"), "floor")
    if not 1 <= floors <= 200 or not -5 <= floor <= floors or floor == 0:
        raise RowError(_("楼层数据不合理"), code="bad_floor")
    built = (row.get("built_year") or "").strip()
    return HouseValues(
        building_code=required(row, "building_code"),
        building_name=required(row, "building_name"),
        address=required(row, "address"),
        grid_code=required(row, "grid_code"),
        floors=floors,
        built_year=parse_int(built, "built_year") if built else None,
        unit_number=required(row, "unit_number"),
        house_number=required(row, "house_number"),
        floor=floor,
        use=_choice(required(row, "use"), HouseUse, "use"),
        area=parse_decimal(required(row, "area"), "area"),
    )


def period_check(since: date, until: date | None) -> None:
    if until is not None and until < since:
        raise RowError(_("终止日期早于起始日期"), code="bad_period")


def residence_kind_check(value: str) -> str:
    return _choice(value, ResidenceKind, "kind")


def wage_band_check(value: str) -> str:
    return _choice(value, WageBand, "wage_band")


def contribution_status_check(value: str) -> str:
    return _choice(value, ContributionStatus, "status")


def benefit_kind_check(value: str) -> str:
    return _choice(value, BenefitKind, "kind")


_CENT = Decimal("0.01")
# Benefit.monthly_amount is DECIMAL(9, 2).
_AMOUNT_LIMIT = Decimal(10_000_000)


def amount_check(value: Decimal, column: str) -> Decimal:
    """A sum of money in yuan as stored: whole fen, below ten million; as `0.00` text.

    PostgreSQL would round a third decimal and overflow on an eighth digit; rejecting both here
    keeps a re-import comparing equal values (and so changing nothing) on every database.
    """
    if value >= _AMOUNT_LIMIT or value != value.quantize(_CENT):
        raise RowError(
            _("%(column)s 应为不超过两位小数、小于一千万的金额") % {"column": column},
            code="bad_number",
        )
    return value.quantize(_CENT)


def area_code_for(*, house_area_code: str | None, hukou_division_code: str) -> str:
    """Where a person counts for scope: their house's grid, else their registered residence in
    the city, else the city itself."""
    if house_area_code:
        return house_area_code
    if hukou_division_code.startswith(CITY_PREFIX):
        return hukou_division_code
    return CITY_PREFIX + "00"
