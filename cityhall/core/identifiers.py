"""Parse and validate resident ID numbers (GB 11643) and Unified Social Credit Codes (GB 32100)."""

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.core.errors import DomainError


class IdentifierError(DomainError):
    """An ID number or credit code breaks one rule of its standard; the message names the rule."""


# --- Resident ID number (GB 11643-1999) ----------------------------------------------------------

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_CHARS = "10X98765432"  # indexed by (weighted sum mod 11), ISO 7064 MOD 11-2

# First two digits of the division code: the province-level codes of GB/T 2260.
# 83 is not in GB/T 2260 but is real: since 2018 the residence permits of Taiwan residents
# (港澳台居民居住证) carry a GB 11643 number with division code 830000 (Hong Kong and Macao
# residents get 810000 / 820000), and a Taiwan resident of Guangzhou must be able to register.
PROVINCE_CODES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23"}
    | {"31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46"}
    | {"50", "51", "52", "53", "54"}
    | {"61", "62", "63", "64", "65"}
    | {"71", "81", "82", "83"}
)

# GB 11643's own example (440524188001010014) is born in 1880, so "before 1900" would reject the
# standard. No holder of a resident ID (issued from 1984) was born before the 1870s; 1850 still
# catches a mistyped century (0985, 1085) without ever rejecting a real person or the example.
EARLIEST_BIRTH_DATE = date(1850, 1, 1)

_RESIDENT_ID_SHAPE = re.compile(r"\d{17}[\dX]")


@dataclass(frozen=True)
class ResidentId:
    number: str  # normalised: 18 characters, check character upper-case
    division_code: str
    birth_date: date
    sequence: int
    gender: str  # "M" or "F": an odd sequence number is given to men
    check: str


def mod11_2_check(body: str) -> str:
    """ISO 7064 MOD 11-2 check character of a digit string (weights 2^k mod 11, right to left)."""
    total = sum(int(digit) * pow(2, k, 11) for k, digit in enumerate(reversed(body), start=1))
    return RESIDENT_ID_CHECK_CHARS[total % 11]


def _resident_id_check(body: str) -> str:
    if len(body) != len(RESIDENT_ID_WEIGHTS):
        raise ValueError("a resident ID body has 17 digits")
    return mod11_2_check(body)


def resident_id_parse(value: str, *, today: date | None = None) -> ResidentId:
    """Parse an 18-character resident ID number, or raise IdentifierError naming the broken rule."""
    number = value.strip().upper()
    if not _RESIDENT_ID_SHAPE.fullmatch(number):
        raise IdentifierError(
            _("公民身份号码应为 18 位：前 17 位为数字，最后一位为数字或 X。"),
            code="resident_id_format",
        )
    division_code, body = number[:6], number[:17]
    if division_code[:2] not in PROVINCE_CODES:
        raise IdentifierError(
            _("公民身份号码前两位“%(prefix)s”不是有效的省级行政区划代码。")
            % {"prefix": division_code[:2]},
            code="resident_id_province",
        )
    try:
        birth_date = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentifierError(
            _("公民身份号码中的出生日期“%(digits)s”不是真实存在的日期。")
            % {"digits": number[6:14]},
            code="resident_id_date",
        ) from None
    if birth_date > (today or timezone.localdate()):
        raise IdentifierError(
            _("公民身份号码中的出生日期不能晚于今天。"), code="resident_id_date_future"
        )
    if birth_date < EARLIEST_BIRTH_DATE:
        raise IdentifierError(
            _("公民身份号码中的出生日期不能早于 %(year)s 年。")
            % {"year": EARLIEST_BIRTH_DATE.year},
            code="resident_id_date_past",
        )
    if _resident_id_check(body) != number[17]:
        raise IdentifierError(
            _("公民身份号码校验码不正确，请检查是否有输错的数字。"), code="resident_id_check"
        )
    sequence = int(number[14:17])
    return ResidentId(
        number=number,
        division_code=division_code,
        birth_date=birth_date,
        sequence=sequence,
        gender="M" if sequence % 2 else "F",
        check=number[17],
    )


def resident_id_make(*, division_code: str, birth_date: date, sequence: int) -> str:
    """Build a valid resident ID number from its parts (demo data and test factories)."""
    if not 0 <= sequence <= 999:
        raise IdentifierError(_("顺序码应在 000 至 999 之间。"), code="resident_id_sequence")
    if not re.fullmatch(r"\d{6}", division_code):
        raise IdentifierError(_("行政区划代码应为 6 位数字。"), code="resident_id_format")
    body = f"{division_code}{birth_date:%Y%m%d}{sequence:03d}"
    number = body + _resident_id_check(body)
    # Parsing what we built applies every other rule (province, date range) in one place.
    return resident_id_parse(number).number


# --- Unified Social Credit Code (GB 32100-2015) --------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 symbols: no I, O, Z, S, V
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Registration authorities of GB 32100 and its amendments: 1–9, A (military), N (agriculture),
# Y (others). Category codes per authority are left unchecked: the table keeps growing and a
# stale copy would reject real organisations.
USCC_AUTHORITIES = frozenset("123456789ANY")

_USCC_SHAPE = re.compile(rf"[{USCC_ALPHABET}]{{18}}")
_USCC_BODY = re.compile(rf"[{USCC_ALPHABET}]{{17}}")


@dataclass(frozen=True)
class Uscc:
    code: str
    registration_authority: str
    category: str
    division_code: str
    organisation_code: str
    check: str


def _uscc_check(body: str) -> str:
    total = sum(
        USCC_ALPHABET.index(char) * weight for char, weight in zip(body, USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_parse(value: str) -> Uscc:
    """Parse an 18-character Unified Social Credit Code, or raise IdentifierError naming a rule."""
    code = value.strip().upper()
    if len(code) != 18:
        raise IdentifierError(_("统一社会信用代码应为 18 位。"), code="uscc_length")
    if not _USCC_SHAPE.fullmatch(code):
        raise IdentifierError(
            _("统一社会信用代码只能由数字和大写字母组成，且不含 I、O、Z、S、V。"),
            code="uscc_alphabet",
        )
    if code[0] not in USCC_AUTHORITIES:
        raise IdentifierError(
            _("统一社会信用代码第 1 位“%(char)s”不是有效的登记管理部门代码。") % {"char": code[0]},
            code="uscc_authority",
        )
    if not code[2:8].isdigit():
        raise IdentifierError(
            _("统一社会信用代码第 3 至 8 位应为行政区划代码（6 位数字）。"), code="uscc_division"
        )
    if _uscc_check(code[:17]) != code[17]:
        raise IdentifierError(
            _("统一社会信用代码校验码不正确，请检查是否有输错的字符。"), code="uscc_check"
        )
    return Uscc(
        code=code,
        registration_authority=code[0],
        category=code[1],
        division_code=code[2:8],
        organisation_code=code[8:17],
        check=code[17],
    )


def uscc_make(*, authority: str, category: str, division_code: str, organisation_code: str) -> str:
    """Build a valid Unified Social Credit Code from its parts (demo data and test factories)."""
    parts = (authority, category, division_code, organisation_code)
    if [len(part) for part in parts] != [1, 1, 6, 9]:
        raise IdentifierError(
            _("统一社会信用代码各部分长度应依次为 1、1、6、9 位。"), code="uscc_parts"
        )
    body = "".join(parts).upper()
    if not _USCC_BODY.fullmatch(body):
        raise IdentifierError(
            _("统一社会信用代码只能由数字和大写字母组成，且不含 I、O、Z、S、V。"),
            code="uscc_alphabet",
        )
    return uscc_parse(body + _uscc_check(body)).code


# --- Django validators ---------------------------------------------------------------------------


def validate_resident_id(value: str) -> None:
    """Model/form field validator for resident ID numbers."""
    try:
        resident_id_parse(value)
    except IdentifierError as exc:
        raise ValidationError(exc.message, code=exc.code) from exc


def validate_uscc(value: str) -> None:
    """Model/form field validator for Unified Social Credit Codes."""
    try:
        uscc_parse(value)
    except IdentifierError as exc:
        raise ValidationError(exc.message, code=exc.code) from exc
