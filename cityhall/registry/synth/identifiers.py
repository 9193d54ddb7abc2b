"""Dates and identifiers at generator speed: every day the files can mention as a table, and
resident ID numbers (GB 11643), organisation codes (GB 11714) and Unified Social Credit Codes
(GB 32100) built from precomputed parts instead of through cityhall.core.identifiers."""

from array import array
from collections.abc import Sequence
from datetime import date

from cityhall.core.identifiers import (
    RESIDENT_ID_CHECK_CHARS,
    RESIDENT_ID_WEIGHTS,
    USCC_ALPHABET,
    USCC_WEIGHTS,
)


class _Days:
    """Every day the files can mention, by ordinal: ISO text, ID digits and their weighted sum.

    Formatting dates would be a large part of the cost of a row; a table makes it one index.
    """

    def __init__(self, *, as_of: date) -> None:
        self.first = as_of.toordinal() - 103 * 366
        self.count = as_of.toordinal() + 1200 - self.first  # leases end up to ~2 years ahead
        weights = RESIDENT_ID_WEIGHTS[6:14]
        # Month and day of every day of a leap year: ISO part, ID digits, their weighted sum.
        leap_year = [
            date.fromordinal(n)
            for n in range(date(2000, 1, 1).toordinal(), date(2001, 1, 1).toordinal())
        ]
        month_days = [
            (
                f"-{d.month:02d}-{d.day:02d}",
                f"{d.month:02d}{d.day:02d}",
                sum(
                    int(c) * w
                    for c, w in zip(f"{d.month:02d}{d.day:02d}", weights[4:], strict=True)
                ),
            )
            for d in leap_year
        ]
        self.iso: list[str] = []
        self.compact: list[str] = []
        self.id_sum = array("i")
        first = date.fromordinal(self.first)
        for year in range(first.year, date.fromordinal(self.first + self.count).year + 1):
            year_text = f"{year:04d}"
            year_sum = sum(int(c) * w for c, w in zip(year_text, weights[:4], strict=True))
            leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
            for iso_tail, digits, digits_sum in (
                month_days if leap else month_days[:59] + month_days[60:]
            ):
                self.iso.append(year_text + iso_tail)
                self.compact.append(year_text + digits)
                self.id_sum.append(year_sum + digits_sum)
        # The loop ran over whole years: keep the days from `first` on, `count` of them.
        skip = (first - date(first.year, 1, 1)).days
        del self.iso[:skip], self.compact[:skip], self.id_sum[:skip]
        del self.iso[self.count :], self.compact[self.count :], self.id_sum[self.count :]


class _ResidentIds:
    """Unique, valid resident ID numbers (GB 11643), without parsing each one back.

    identifiers.resident_id_make parses what it builds; at millions of persons that parse would
    be much of the run, so the check character is summed here from precomputed parts (the tests
    hold every number to resident_id_parse). Uniqueness: a counter per division, birth day and
    sex hands out sequence numbers; a full day moves the birth one day earlier.
    """

    _PER_CELL = 250  # sequence numbers handed out per division, day and sex (of 500)

    def __init__(self, *, days: _Days, division_codes: Sequence[str]) -> None:
        self.days = days
        self.codes = tuple(division_codes)
        self.code_sums = tuple(
            sum(int(c) * w for c, w in zip(code, RESIDENT_ID_WEIGHTS[:6], strict=True))
            for code in self.codes
        )
        self.sequences = tuple(f"{n:03d}" for n in range(1000))
        self.sequence_sums = tuple(
            sum(int(c) * w for c, w in zip(s, RESIDENT_ID_WEIGHTS[14:], strict=True))
            for s in self.sequences
        )
        self.used = bytearray(len(self.codes) * days.count * 2)

    def make(self, division: int, birth: int, male: bool) -> tuple[str, int]:
        """A new number for this division index, birth ordinal and sex; and the birth it has."""
        days = self.days
        offset = birth - days.first
        cell = (division * days.count + offset) * 2 + male
        while self.used[cell] >= self._PER_CELL:
            offset -= 1
            cell -= 2
        k = self.used[cell]
        self.used[cell] = k + 1
        # Spread each day's first numbers over the range, as the ranges of real offices are.
        sequence = (cell * 37 + k) % 500 * 2 + male
        total = self.code_sums[division] + days.id_sum[offset] + self.sequence_sums[sequence]
        number = (
            self.codes[division]
            + days.compact[offset]
            + self.sequences[sequence]
            + RESIDENT_ID_CHECK_CHARS[total % 11]
        )
        return number, offset + days.first


def _organisation_code(body: str) -> str:
    """A GB 11714 organisation code: eight characters and their check character."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, weights, strict=True)
    )
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def _uscc(kind: str, division_code: str, organisation_code: str) -> str:
    """A Unified Social Credit Code (GB 32100) from its parts.

    The local twin of identifiers.uscc_make, which parses what it builds: ten times slower, and
    the tests hold every code written here to uscc_parse.
    """
    body = kind + division_code + organisation_code
    total = sum(_USCC_VALUES[c] * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return body + USCC_ALPHABET[(31 - total % 31) % 31]


_USCC_VALUES = {c: i for i, c in enumerate(USCC_ALPHABET)}
