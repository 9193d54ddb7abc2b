"""Persons of the synthetic city: holders of resident IDs and residence permits, persons from
Hong Kong, Macao, Taiwan and abroad, and their jobs and monthly contributions."""

import math
from bisect import bisect_left, bisect_right

from cityhall.registry.synth.benefits import _BenefitsWriter
from cityhall.registry.synth.places import _District
from cityhall.registry.synth.tables import (
    _BASE_CAP,
    _BASE_FLOOR,
    _DAYS_16_YEARS,
    _FOREIGNERS,
    _GIVEN_NAMES,
    _HIGH_WAGE_BANDS,
    _MOBILE_PREFIXES,
    _PHONES,
    _RECENT_MONTHS,
    _SURNAMES_GUANGDONG,
    _SURNAMES_GUANGXI,
    _SURNAMES_NATIONAL,
    _TABLE_BITS,
    _UNEMPLOYMENT_SHARE,
    _WAGE_BANDS,
)


class _PersonsWriter(_BenefitsWriter):
    """Writes persons, the employment and contributions of the adults among them, and the
    benefits of holders of resident IDs and residence permits."""

    def _phone(self, age: float) -> str:
        if age < 16 or (age >= 75 and self.rnd() < 0.2):
            return ""
        prefix, rest = divmod(int(self.rnd() * _PHONES), 100_000_000)
        return f"{_MOBILE_PREFIXES[prefix]}{rest:08d}"

    def _given_name(self, iso: str, male: bool) -> str:
        names = _GIVEN_NAMES[(0 if iso < "1970" else 2 if iso < "2000" else 4) + male]
        return names[self.bits(_TABLE_BITS)]

    def _person(
        self,
        division: int,
        age: float,
        male: bool,
        surname: str | None,
        hukou: str,
        local: bool,
        household: str = "",
        relation: str = "",
        house: str = "",
        status: str = "alive",
    ) -> tuple[str, int, str]:
        """Write a holder of a resident ID (or of an HMT residence permit, for divisions 81-83);
        their document as "type,number", birth ordinal and surname.

        The hot path of the generator (positional arguments, helpers inlined): it runs once per
        person.
        """
        rnd = self.rnd
        number, birth = self.id_make(division, self.as_of - int(age * 365.2425), male)
        iso = self.iso[birth - self.first_day]
        province = self.province[division]
        if surname is None:
            table = self.surnames[province]
            if province == "gx" and rnd() < 0.35:
                table = _SURNAMES_GUANGXI
            surname = table[self.bits(_TABLE_BITS)]
        names = _GIVEN_NAMES[(0 if iso < "1970" else 2 if iso < "2000" else 4) + male]
        given = names[self.bits(_TABLE_BITS)]
        share, groups = self.minorities[province]
        ethnicity = groups[self.bits(_TABLE_BITS)] if rnd() < share else "01"
        if age < 16 or status == "deceased" or (age >= 75 and rnd() < 0.2):
            phone = ""
        else:
            prefix, rest = divmod(int(rnd() * _PHONES), 100_000_000)
            phone = f"{_MOBILE_PREFIXES[prefix]}{rest:08d}"
        document = ("hmt_residence," if division >= self.hmt_first else "resident_id,") + number
        self.persons_add(
            f"{document},{surname}{given},{'M' if male else 'F'},{iso},{ethnicity},CHN,{hukou},"
            f"{phone},{status},{household},{relation},{house}\n"
        )
        self.persons_written += 1
        employed = age >= 16 and status == "alive" and self._adult_seen(document, birth, age, local)
        u = self.brnd()
        # Most persons draw nothing: only the old, the deceased and the few drawn by `u` are
        # worth the call.
        if age >= 55 or status == "deceased" or u < _UNEMPLOYMENT_SHARE:
            self._benefits(document, birth, age, male, local, status, employed, u)
        return document, birth, surname

    def _outsider(
        self, *, kind: str, age: float, male: bool, house: str, district: _District
    ) -> tuple[str, int]:
        """Write a person from Hong Kong, Macao, Taiwan or abroad; their document and birth."""
        rnd = self.rnd
        if kind == "hmt_residence":
            r = rnd()
            region = 0 if r < 0.5 else 1 if r < 0.65 else 2  # Hong Kong, Macao, Taiwan
            division = self.hmt_first + region
            surname = _SURNAMES_NATIONAL[self.bits(_TABLE_BITS)] if region == 2 else None
            document, birth, _ = self._person(
                division=division,
                age=age,
                male=male,
                surname=surname,
                hukou=self.codes[division],
                local=False,
                house=house,
            )
            return document, birth
        birth = self.as_of - int(age * 365.2425)
        iso = self.iso[birth - self.first_day]
        self.permit_seq += 1
        # An affine map of a counter is a bijection on 10**8: unique, yet not consecutive.
        serial = f"{(self.permit_seq * 7_919_993 + 31_415_926) % 100_000_000:08d}"
        if kind == "hk_macao_permit":
            macao = rnd() < 0.25
            document = f"hk_macao_permit,{'M' if macao else 'H'}{serial}"
            surname = _SURNAMES_GUANGDONG[self.bits(_TABLE_BITS)]
            name = surname + self._given_name(iso, male)
            nationality, ethnicity, hukou = "CHN", "01", "820000" if macao else "810000"
        else:
            nationality, letter, families, givens = _FOREIGNERS[int(rnd() * len(_FOREIGNERS))]
            document = f"passport,{letter}{serial}"
            name = f"{families[int(rnd() * len(families))]} {givens[int(rnd() * len(givens))]}"
            # A foreigner has no hukou: the registry keeps the district where their residence
            # is registered (境外人员住宿登记) in its place.
            ethnicity, hukou = "", district.code
        self.persons_add(
            f"{document},{name},{'M' if male else 'F'},{iso},{ethnicity},{nationality},"
            f"{hukou},{self._phone(age)},alive,,,{house}\n"
        )
        self.persons_written += 1
        self._adult_seen(document, birth, age, False)
        return document, birth

    def _adult_seen(self, document: str, birth: int, age: float, local: bool) -> bool:
        """An alive person of 16 or more was written: maybe a legal representative, maybe
        employed (then True)."""
        rnd = self.rnd
        if age >= 22 and len(self.reps) < self.rep_limit and rnd() < self.rep_share:
            self.reps.append((document, birth))
        if age < 65 and rnd() < (self.work_local if local else self.work_migrant)[int(age)]:
            self._employ(document, birth)
            return True
        return False

    def _employ(self, document: str, birth: int) -> None:
        """Employment at an active legal person (sometimes after an earlier job), and the
        contributions of the months worked."""
        rnd = self.rnd
        iso, first_day = self.iso, self.first_day
        company = self.employers[int(len(self.employers) * rnd() ** 2.5)]
        start = max(birth + _DAYS_16_YEARS, self.established[company])
        # Job tenures are roughly exponential, about four years on average.
        since = min(max(start, self.as_of - int(-math.log(1.0 - rnd()) * 1460)), self.as_of)
        band, low, high = _WAGE_BANDS[self.bits(_TABLE_BITS)]
        base = min(max(low + int((high - low) * rnd()), _BASE_FLOOR), _BASE_CAP)
        uscc = self.uscc[company]
        self.employment_add(f"{document},{uscc},{iso[since - first_day]},,{band}\n")
        head = document + ","
        month_first, month_last = self.month_first, self.month_last
        end = len(month_last)
        current = 0 if not end or since <= month_first[0] else bisect_left(month_last, since)
        text = ""
        if rnd() < 0.2 and since - start > 400:
            other = int(len(self.uscc) * rnd())
            until = since - 1 - int(60 * rnd())
            earlier = max(
                birth + _DAYS_16_YEARS, self.established[other], until - 30 - int(1500 * rnd())
            )
            if other != company and earlier <= until:
                other_uscc = self.uscc[other]
                self.employment_add(
                    f"{document},{other_uscc},{iso[earlier - first_day]},"
                    f"{iso[until - first_day]},{band}\n"
                )
                # Up to the month before the current job's first: one row per person and month.
                text = self._contributions(
                    head,
                    bisect_left(month_last, earlier),
                    min(bisect_right(month_first, until), current),
                    f",paid,{other_uscc},{base}.00\n",
                )
        arrears_from = max(current, end - 1 - int(3 * rnd())) if rnd() < 0.05 else end
        text += self._contributions(head, current, arrears_from, f",paid,{uscc},{base}.00\n")
        text += self._contributions(head, arrears_from, end, f",arrears,{uscc},{base}.00\n")
        suspended = -1
        if current < end and rnd() < 0.01:  # a month of suspended payment, as in unpaid leave
            suspended = current + int((end - current) * rnd())
            month = "," + self.month_labels[suspended] + ","
            text = text.replace(month + "paid,", month + "suspended,").replace(
                month + "arrears,", month + "suspended,"
            )
        if text:
            self.contributions_add(text)
        # Paid well and paid up for the recent months: a candidate for a planted benefit case.
        recent = end - min(_RECENT_MONTHS, end)
        if (
            band in _HIGH_WAGE_BANDS
            and base >= 10_000
            and current <= recent < end
            and arrears_from == end
            and suspended < recent
        ):
            self._employee_benefits(document, month_first[recent])

    def _contributions(self, head: str, first: int, end: int, tail: str) -> str:
        """Rows for months [first, end): `head` is "type,number,", `tail` ",status,uscc,base\n".

        One join for all the months: a row per month is most of what the generator writes.
        """
        if first >= end:
            return ""
        return head + (tail + head).join(self.month_labels[first:end]) + tail
