"""Acceptance numbers (统一受理编号) and certificate numbers.

An acceptance number is the handling division (6 digits), the date, a daily sequence and an
ISO 7064 MOD 11-2 check character, so a mistyped or invented number is caught before any lookup.
"""

import re
import secrets
from datetime import date

from cityhall.applications.models import NumberSeries
from cityhall.core.identifiers import mod11_2_check

ACCEPTANCE_NUMBER = re.compile(r"^\d{20}[0-9X]$")
# Crockford's base32 without I, L, O, U: easy to read out and type from a printed certificate.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def series_next(key: str) -> int:
    """The next value of a counter; the row stays locked until the caller's transaction ends."""
    series = NumberSeries.objects.select_for_update().filter(key=key).first()
    if series is None:  # the first number of the day (or of the series)
        NumberSeries.objects.get_or_create(key=key)
        series = NumberSeries.objects.select_for_update().get(key=key)
    series.last += 1
    series.save(update_fields=["last"])
    return series.last


def acceptance_number_make(*, division_code: str, day: date) -> str:
    prefix = f"{division_code[:6]}{day:%Y%m%d}"
    body = f"{prefix}{series_next(f'acc-{prefix}'):06d}"
    return body + mod11_2_check(body)


def acceptance_number_valid(number: str) -> bool:
    return bool(ACCEPTANCE_NUMBER.match(number)) and mod11_2_check(number[:-1]) == number[-1]


def certificate_number_make(*, item_code: str, day: date) -> str:
    return f"{item_code}-{day:%Y}-{series_next(f'cert-{item_code}-{day:%Y}'):07d}"


def verification_code_make() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
