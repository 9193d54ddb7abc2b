"""The state of one synthetic-city run: the seeded random stream, and the plans made before the
first row (days and ID numbers, months of contributions, legal persons) that later rows need."""

import random
from array import array
from collections.abc import Callable
from datetime import date
from pathlib import Path

from cityhall.core.identifiers import USCC_ALPHABET
from cityhall.registry.synth.identifiers import _Days, _organisation_code, _ResidentIds, _uscc
from cityhall.registry.synth.places import _District
from cityhall.registry.synth.tables import (
    _DISTRICT_BUSINESS,
    _DISTRICT_POPULATION,
    _LEGAL_KINDS,
    _MIGRANT_SOURCES,
    _MINORITIES,
    _SURNAMES_GUANGDONG,
    _SURNAMES_NATIONAL,
    _TABLE_BITS,
    PLANTED_DECEASED_WITH_BENEFIT,
    PLANTED_UNEMPLOYED_WHILE_EMPLOYED,
    _table,
)


class _CityState:
    """One run's random stream and the bounded state its rows share; the rows are made by its
    subclasses, each building on the last: _BenefitsWriter, _PersonsWriter, _HouseholdsWriter,
    _City."""

    # Row writers of the output files, bound by _City.run.
    houses_add: Callable[[str], None]
    persons_add: Callable[[str], None]
    ownerships_add: Callable[[str], None]
    residences_add: Callable[[str], None]
    rentals_add: Callable[[str], None]
    employment_add: Callable[[str], None]
    contributions_add: Callable[[str], None]
    benefits_add: Callable[[str], None]

    def __init__(
        self,
        *,
        out_dir: Path,
        persons: int,
        companies: int,
        seed: int,
        months: int,
        as_of: date,
        districts: list[_District],
    ) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
        self.rnd = self.rng.random
        self.bits = self.rng.getrandbits
        # Benefits have a stream of their own, so that adding them left every other file as it
        # was (a str seed is hashed with SHA-512: the same on every run and machine).
        self.brnd = random.Random(f"benefits:{seed}").random  # noqa: S311 - as above
        self.out_dir = out_dir
        self.target = persons
        self.persons_written = 0
        self.as_of = as_of.toordinal()
        self.as_of_year = as_of.year
        days = _Days(as_of=as_of)
        self.iso = days.iso
        self.first_day = days.first
        self.districts = districts
        self.district_pick = _table([(d, float(_DISTRICT_POPULATION[d.code])) for d in districts])
        self.business_pick = _table([(d, float(_DISTRICT_BUSINESS[d.code])) for d in districts])
        # ID division codes: the districts, then the migrants' places, then Hong Kong, Macao
        # and Taiwan (the residence permits of GB 11643 numbers beginning 81, 82, 83).
        codes = [d.code for d in districts] + [code for code, _, _ in _MIGRANT_SOURCES]
        self.hmt_first = len(codes)
        codes += ["810000", "820000", "830000"]
        self.codes = codes
        self.ids = _ResidentIds(days=days, division_codes=codes)
        self.province = [""] * len(districts) + [p for _, p, _ in _MIGRANT_SOURCES] + ["hk"] * 3
        self.sources = _table(
            [(len(districts) + i, share) for i, (_, _, share) in enumerate(_MIGRANT_SOURCES)]
        )
        self.minorities = {
            key: (share, _table(groups)) for key, (share, groups) in _MINORITIES.items()
        }
        self.surnames = {
            key: _SURNAMES_GUANGDONG if key in ("", "gd", "hk") else _SURNAMES_NATIONAL
            for key in _MINORITIES
        }
        self.id_make = self.ids.make
        self._months_plan(count=months)
        self.landlords: list[str] = []  # documents as "type,number"
        self.landlord_next = 0
        # Adults sampled as legal representatives: enough for every company, drawn thinly over
        # the whole run rather than from its first households.
        self.reps: list[tuple[str, int]] = []
        self.rep_share = min(1.0, 2.5 * companies / persons)
        self.rep_limit = companies
        self.household_seq = 0
        self.rental_seq = 0
        self.permit_seq = 0
        # Candidates seen for the planted benefit cases, and the cases planted (by name).
        self.deceased_seen = 0
        self.well_paid_seen = 0
        self.planted = {PLANTED_UNEMPLOYED_WHILE_EMPLOYED: 0, PLANTED_DECEASED_WITH_BENEFIT: 0}
        self._companies_plan(count=companies)
        nobody = [0.0] * 65  # no active legal person to work for
        self.work_local = self._work_chances(prime=0.66) if self.employers else nobody
        self.work_migrant = self._work_chances(prime=0.74) if self.employers else nobody

    # -- plans made before the first row --

    @staticmethod
    def _work_chances(*, prime: float) -> list[float]:
        """Chance of being employed, by age in years up to 64. Students, homemakers, the
        unemployed and the retired (men at 60, many women at 50 or 55) are not; `prime` is the
        chance at 25-49, higher for migrants, who came to work."""
        bands = ((16, 0.0), (20, 0.08), (25, 0.45), (50, prime), (60, 0.38), (65, 0.08))
        chances: list[float] = []
        for end, chance in bands:
            chances += [chance] * (end - len(chances))
        return chances

    def _months_plan(self, *, count: int) -> None:
        """The last `count` whole months before as_of: labels, first and last days."""
        as_of = date.fromordinal(self.as_of)
        year, month = as_of.year, as_of.month
        months = []
        for _ in range(count):
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
            first = date(year, month, 1).toordinal()
            last = date(year + month // 12, month % 12 + 1, 1).toordinal() - 1
            months.append((f"{year:04d}-{month:02d}", first, last))
        months.reverse()
        self.month_labels = [label for label, _, _ in months]
        self.month_first = [first for _, first, _ in months]
        self.month_last = [last for _, _, last in months]

    def _companies_plan(self, *, count: int) -> None:
        """Codes, kinds, statuses and dates of the legal persons, so persons can work for them
        and houses belong to them; names and representatives are written at the end."""
        rnd = self.rnd
        self.uscc: list[str] = []
        self.company_kind: list[str] = []
        self.company_status = bytearray(count)  # index into _City.STATUSES
        self.company_district: list[_District] = []
        self.established = array("i")
        first = date(1990, 1, 1).toordinal()
        reform = date(2015, 10, 1).toordinal()  # new organisation codes are issued as MA...
        seen: set[str] = set()
        big: list[int] = []
        small: list[int] = []
        while len(self.uscc) < count:
            kind, authority, category = _LEGAL_KINDS[self.bits(_TABLE_BITS)]
            district = self.business_pick[self.bits(_TABLE_BITS)]
            # Registrations grew fast in the last decade: skew towards recent dates.
            established = first + int((self.as_of - first) * rnd() ** 0.6)
            if established >= reform and authority == "9":
                body = "MA5" + "".join(USCC_ALPHABET[10 + int(rnd() * 21)] for _ in range(5))
            else:
                body = str(10_000_000 + int(rnd() * 90_000_000))
            uscc = _uscc(
                authority + category,
                "440101" if rnd() < 0.15 else district.code,
                _organisation_code(body),
            )
            if uscc in seen:
                continue
            seen.add(uscc)
            index = len(self.uscc)
            self.uscc.append(uscc)
            self.company_kind.append(kind)
            self.company_district.append(district)
            self.established.append(established)
            r = rnd()
            self.company_status[index] = 0 if r < 0.9 else 1 if r < 0.93 else 2
            if self.company_status[index] == 0:
                is_small = kind in ("individual_business", "social_organisation")
                (small if is_small else big).append(index)
        self.rng.shuffle(big)
        self.rng.shuffle(small)
        # Active employers ranked by size: picking rank int(n * u**2.5) gives a heavy tail, the
        # top 1 % of employers holding about a sixth of the jobs.
        self.employers = big + small
