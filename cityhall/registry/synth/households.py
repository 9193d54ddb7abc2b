"""Who lives in the houses of the synthetic city: owners and their families, landlords and
tenants, and the ownerships, residences and rentals that link them."""

from cityhall.registry.synth.persons import _PersonsWriter
from cityhall.registry.synth.places import _District, _Place
from cityhall.registry.synth.tables import (
    _COMPOSITIONS,
    _DAYS_20_YEARS,
    _HEAD_AGES,
    _TABLE_BITS,
    _TENANT_GROUPS,
)


class _HouseholdsWriter(_PersonsWriter):
    """Fills a residential house: a family that owns it, tenants of a landlord, or an owner
    alone."""

    _LANDLORD_RING = 4096  # recent local owners, among whom landlords are drawn

    def _landlord(self) -> str:
        return self.landlords[int(self.rnd() * len(self.landlords))]

    def _landlord_add(self, document: str) -> None:
        if len(self.landlords) < self._LANDLORD_RING:
            self.landlords.append(document)
        else:
            self.landlords[self.landlord_next] = document
            self.landlord_next = (self.landlord_next + 1) % self._LANDLORD_RING

    def _bought_on(self, *, built: int, earliest: int, latest: int) -> int:
        """When an owner bought: after completion and `earliest`, by `latest`, mostly early."""
        start = max(built + 180, earliest)
        if start >= latest:
            return latest
        return start + int((latest - start) * self.rnd() ** 1.5)

    def _owner_any(self, *, house: str, built: int, company_share: float) -> None:
        """An owner for a house nobody lives in: a company, or a local landlord."""
        if self.employers and self.rnd() < company_share:
            company = self.employers[int(len(self.employers) * self.rnd() ** 2.5)]
            since = self._bought_on(
                built=built, earliest=self.established[company], latest=self.as_of
            )
            owner = f",,{self.uscc[company]}"
        elif self.landlords:
            since = self._bought_on(built=built, earliest=0, latest=self.as_of)
            owner = f"{self._landlord()},"
        else:
            return  # the first houses of a run, before anyone could own them
        self.ownerships_add(f"{house},{owner},100,{self.iso[since - self.first_day]},\n")

    def _previous_owner(self, *, house: str, built: int, since: int) -> None:
        """Sometimes the house changed hands: the earlier owner's ownership, now ended."""
        if self.landlords and since - built > 900 and self.rnd() < 0.12:
            bought = built + 180 + int((since - built - 540) * self.rnd())
            iso, first_day = self.iso, self.first_day
            self.ownerships_add(
                f"{house},{self._landlord()},,100,{iso[bought - first_day]},"
                f"{iso[since - 1 - first_day]}\n"
            )

    def _family(self, *, place: _Place, house: str, built: int, local: bool) -> None:
        """A family living in the house it owns: locals in a registered household, or migrants
        (who keep their household where their hukou is)."""
        rnd = self.rnd
        district = place.district
        composition = _COMPOSITIONS[self.bits(_TABLE_BITS)]
        ages = _HEAD_AGES[composition]
        low, high = ages[self.bits(_TABLE_BITS)]
        head_age = low + (high - low) * rnd()
        head_male = rnd() < (0.2 if composition == "single_parent" else 0.7)
        if local:
            hukou = place.street_code if rnd() < 0.85 else district.code
            self.household_seq += 1
            household = f"{place.street_code}{self.household_seq:08d}"
            family_division = district.id_index
        else:
            family_division = self.sources[self.bits(_TABLE_BITS)]
            hukou = self.codes[family_division]
            household = ""
        pick = self.district_pick

        def member(
            age: float, male: bool, relation: str, surname: str | None
        ) -> tuple[str, int, str]:
            division = family_division
            if local and rnd() < 0.25:  # born elsewhere in the city
                division = pick[self.bits(_TABLE_BITS)].id_index
            if not local:
                relation = ""
            return self._person(
                division, age, male, surname, hukou, local, household, relation, house
            )

        head, head_birth, head_surname = member(head_age, head_male, "head", None)
        owners = [head]
        family: list[tuple[str, int]] = []
        mother_age = -1.0 if head_male else head_age
        father_surname = head_surname if head_male else None
        with_spouse = composition in ("couple", "nuclear", "three_generations")
        if with_spouse and self.persons_written < self.target:
            gap = 1 + 4 * rnd()
            spouse_age = max(20.0, head_age - gap if head_male else head_age + gap)
            spouse, spouse_birth, spouse_surname = member(spouse_age, not head_male, "spouse", None)
            if head_male:
                mother_age = spouse_age
            else:
                father_surname = spouse_surname
            if rnd() < 0.45:
                owners.append(spouse)
            else:
                family.append((spouse, spouse_birth))
        if composition in ("nuclear", "single_parent", "three_generations"):
            parent_age = mother_age if mother_age > 0 else head_age  # or a single father's
            r = rnd()
            children = 1 if r < 0.5 or composition == "single_parent" else 2 if r < 0.93 else 3
            for _ in range(children):
                child_age = parent_age - 23 - 13 * rnd()
                if child_age >= 0 and self.persons_written < self.target:
                    family.append(member(child_age, rnd() < 0.52, "child", father_surname)[:2])
        if composition == "three_generations":
            elder_age = head_age + 25 + 8 * rnd()
            for male in (True, False) if rnd() < 0.5 else (rnd() < 0.35,):
                age = elder_age + (2 if male else 0)
                if age < 99 and self.persons_written < self.target:
                    surname = head_surname if male else None
                    family.append(member(age, male, "parent", surname)[:2])
        if local:
            self._former_member(district=district, hukou=hukou, head_age=head_age)
            for owner in owners:
                self._landlord_add(owner)
        since = self._bought_on(
            built=built, earliest=head_birth + _DAYS_20_YEARS, latest=self.as_of
        )
        self._previous_owner(house=house, built=built, since=since)
        share = "100" if len(owners) == 1 else "50"
        since_iso = self.iso[since - self.first_day]
        for owner in owners:
            self.ownerships_add(f"{house},{owner},,{share},{since_iso},\n")
            self.residences_add(f"{owner},{house},owner,{since_iso},\n")
        for document, birth in family:
            moved_in = self.iso[max(since, birth) - self.first_day]
            self.residences_add(f"{document},{house},family,{moved_in},\n")

    def _former_member(self, *, district: _District, hukou: str, head_age: float) -> None:
        """Now and then, a registered person of the family who died or left the city."""
        rnd = self.rnd
        r = rnd()
        if self.persons_written >= self.target or r >= 0.032:
            return
        deceased = r < 0.02 and head_age > 40
        self._person(
            division=district.id_index,
            # A parent of the head, died at 75 or later; at most 100 today (the date table's
            # and the age pyramid's end).
            age=min(100.0, max(head_age + 22, 75 + 22 * rnd())) if deceased else 22 + 28 * rnd(),
            male=rnd() < 0.5,
            surname=None,
            hukou=hukou,
            local=True,
            status="deceased" if deceased else "moved_away",
        )

    def _let(self, *, place: _Place, house: str, built: int) -> None:
        """A house let by a local landlord to migrants, with its rental registration."""
        rnd = self.rnd
        iso, first_day = self.iso, self.first_day
        landlord = self._landlord()
        starts = self.as_of - int(700 * rnd())
        ends = starts + (365 if rnd() < 0.6 else 730) - 1
        owned = self._bought_on(built=built, earliest=0, latest=starts)
        self._previous_owner(house=house, built=built, since=owned)
        self.ownerships_add(f"{house},{landlord},,100,{iso[owned - first_day]},\n")
        tenants: list[tuple[str, int]] = []
        children: list[tuple[str, int]] = []
        if rnd() < 0.026:
            self._outsiders(place=place, house=house, tenants=tenants)
        else:
            self._migrants(house=house, tenants=tenants, children=children)
        self.rental_seq += 1
        documents = "|".join(document.replace(",", ":") for document, _ in tenants)
        self.rentals_add(
            f"CZ{place.district.code}{self.rental_seq:09d},{house},{landlord},{documents},"
            f"{iso[starts - first_day]},{iso[ends - first_day]}\n"
        )
        for kind, people in (("tenant", tenants), ("family", children)):
            for document, birth in people:
                moved_in = iso[max(starts, birth) - first_day]
                self.residences_add(f"{document},{house},{kind},{moved_in},\n")

    def _migrants(
        self, *, house: str, tenants: list[tuple[str, int]], children: list[tuple[str, int]]
    ) -> None:
        """Migrants renting: one worker, workers sharing, a couple, or a family."""
        rnd = self.rnd
        sources = self.sources
        group = _TENANT_GROUPS[self.bits(_TABLE_BITS)]
        source = sources[self.bits(_TABLE_BITS)]

        def person(age: float, male: bool, division: int, surname: str | None = None) -> str:
            document, birth, surname = self._person(
                division, age, male, surname, self.codes[division], False, "", "", house
            )
            (tenants if age >= 16 else children).append((document, birth))
            return surname

        # The first person of a house is always written: the caller checked there is room.
        if group == "single":
            person(18 + 27 * rnd(), rnd() < 0.55, source)
        elif group == "sharing":
            male = rnd() < 0.6
            for _ in range(2 + int(3 * rnd())):
                if self.persons_written < self.target:
                    person(18 + 22 * rnd(), male, sources[self.bits(_TABLE_BITS)])
        else:
            husband_age = 22 + 23 * rnd()
            surname = person(husband_age, True, source)
            wife_age = max(20.0, husband_age - 4 * rnd())
            if self.persons_written < self.target:
                person(wife_age, False, source)
            if group == "family":
                for _ in range(1 if rnd() < 0.6 else 2):
                    age = wife_age - 22 - 12 * rnd()
                    if age >= 0 and self.persons_written < self.target:
                        person(age, rnd() < 0.52, source, surname)
                if rnd() < 0.15 and self.persons_written < self.target:
                    person(55 + 15 * rnd(), rnd() < 0.3, source)  # a grandparent who helps

    def _outsiders(self, *, place: _Place, house: str, tenants: list[tuple[str, int]]) -> None:
        """One or two persons from Hong Kong, Macao, Taiwan or abroad renting together."""
        rnd = self.rnd
        r = rnd()
        kind = "hmt_residence" if r < 0.4 else "hk_macao_permit" if r < 0.7 else "passport"
        for _ in range(1 if rnd() < 0.6 else 2):
            if self.persons_written < self.target:
                tenants.append(
                    self._outsider(
                        kind=kind,
                        age=22 + 40 * rnd(),
                        male=rnd() < 0.55,
                        house=house,
                        district=place.district,
                    )
                )
