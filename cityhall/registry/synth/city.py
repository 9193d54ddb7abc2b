"""The synthetic city's run: houses handed out district by district and filled, then the legal
persons; and city_write, which writes a whole city's files."""

import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from django.utils import timezone

from cityhall.core.errors import DomainError
from cityhall.registry.synth.households import _HouseholdsWriter
from cityhall.registry.synth.output import FILES, SynthReport, _Out
from cityhall.registry.synth.places import _Building, _districts_load, _Place
from cityhall.registry.synth.tables import (
    _AREAS,
    _ASSOCIATIONS,
    _COMPANY_TRADES,
    _DAYS_18_YEARS,
    _ESTATE_SUFFIXES,
    _ESTATE_WORDS,
    _INDUSTRIAL,
    _OFFICE,
    _P,
    _Q,
    _S,
    _SHOP_TRADES,
    _SURNAMES_GUANGDONG,
    _TABLE_BITS,
    _TRADE_WORDS,
    _VILLAGE,
    _BuildingKind,
)

DEFAULT_SEED = 20260101
DEFAULT_MONTHS = 12


class _City(_HouseholdsWriter):
    """One run: the random stream, the output files, and the bounded state later rows need."""

    # -- the run --

    def run(self) -> dict[str, int]:
        outs = {name: _Out(self.out_dir / f"{name}.csv", FILES[name]) for name in FILES}
        try:
            self.houses_add = outs["houses"].add
            self.persons_add = outs["persons"].add
            self.ownerships_add = outs["ownerships"].add
            self.residences_add = outs["residences"].add
            self.rentals_add = outs["rentals"].add
            self.employment_add = outs["employment"].add
            self.contributions_add = outs["contributions"].add
            self.benefits_add = outs["benefits"].add
            self._houses_fill(list(outs.values()))
            self._companies_write(outs["companies"].add)
        finally:
            for out in outs.values():
                out.close()
        return {name: out.rows for name, out in outs.items()}

    def _houses_fill(self, outs: list[_Out]) -> None:
        """Hand out houses, district by census weight, and fill them, until all persons exist."""
        rnd = self.rnd
        pick = self.district_pick
        houses = 0
        while self.persons_written < self.target:
            houses += 1
            if houses % 256 == 0:  # keeps the buffers, and so memory, small
                for out in outs:
                    out.flush()
            district = pick[self.bits(_TABLE_BITS)]
            place = district.places[int(rnd() * len(district.places))]
            kind = district.kinds[self.bits(_TABLE_BITS)]
            house, use, built = self._house_next(place, kind)
            if use != "residential":
                self._owner_any(house=house, built=built, company_share=0.65)
                continue
            r = rnd()
            if self.landlords and r < kind.vacant:
                self._owner_any(house=house, built=built, company_share=0.4)
            elif self.landlords and r < kind.vacant + kind.let:
                self._let(place=place, house=house, built=built)
            else:
                local = r >= kind.vacant + kind.let + kind.migrant_owner
                self._family(place=place, house=house, built=built, local=local)

    def _house_next(self, place: _Place, kind: _BuildingKind) -> tuple[str, str, int]:
        """Write the next house of this kind in the place; its code, use and completion day."""
        building = place.buildings.get(kind.name)
        if building is None or building.position >= building.total:
            building = self._building_start(place, kind)
        position = building.position
        building.position = position + 1
        unit, rest = divmod(position * building.stride % building.total, building.per_unit)
        floor, index = divmod(rest, building.per_floor)
        floor += 1
        number = f"{floor}{index + 1:02d}"
        if floor <= building.shop_floors:
            use, areas = "commercial", _AREAS["shop"]
        else:
            use, areas = kind.use, _AREAS[kind.name]
        area = areas[self.bits(_TABLE_BITS)]
        self.houses_add(f"{building.row_prefix}{unit + 1},{number},{floor},{use},{area}\n")
        return f"{building.code}-{unit + 1}-{number}", use, building.built_day

    def _building_start(self, place: _Place, kind: _BuildingKind) -> _Building:
        rnd = self.rnd

        def between(bounds: tuple[int, int]) -> int:
            return bounds[0] + int((bounds[1] - bounds[0] + 1) * rnd())

        place.started += 1
        n = place.started
        code = f"{place.grid_code}{n:05d}"
        built = between((kind.built[0], min(kind.built[1], self.as_of_year - 1)))
        floors = between(kind.floors)
        if not place.estate:
            words = _ESTATE_WORDS
            suffix = _ESTATE_SUFFIXES[int(rnd() * len(_ESTATE_SUFFIXES))]
            place.estate = words[int(rnd() * len(words))] + words[int(rnd() * len(words))] + suffix
        if kind is _VILLAGE:
            name = f"{place.road}{n}号"
        elif kind is _OFFICE:
            name = f"{place.estate[:2]}{'大厦' if n % 2 else '商务中心'}"
        elif kind is _INDUSTRIAL:
            name = f"{place.stem}工业园{n}栋"
        else:
            name = f"{place.estate}{n}栋"
        address = f"{place.district.name}{place.street_name}{place.road}{n}号"
        building = _Building(
            kind=kind,
            code=code,
            row_prefix=f"{code},{name},{address},{place.grid_code},{floors},{built},",
            built_day=date(built, 6, 30).toordinal(),
            units=between(kind.units),
            floors=floors,
            per_floor=between(kind.per_floor),
            shop_floors=((1 if kind is _VILLAGE else 2) if rnd() < kind.shop_share else 0),
        )
        place.buildings[kind.name] = building
        return building

    # -- legal persons, written last: their representatives are sampled from the persons --

    STATUSES = ("active", "revoked", "cancelled")

    def _companies_write(self, add: Callable[[str], None]) -> None:
        rnd = self.rnd
        for index, uscc in enumerate(self.uscc):
            kind = self.company_kind[index]
            district = self.company_district[index]
            place = district.places[int(rnd() * len(district.places))]
            established = self.established[index]
            name, industry = self._company_name(kind=kind, place=place)
            rep = ","  # empty type and number: allowed, and only when no adult was sampled
            for _ in range(6):  # prefer someone who was an adult when it was established
                if not self.reps:
                    break
                rep, rep_birth = self.reps[int(rnd() * len(self.reps))]
                if rep_birth + _DAYS_18_YEARS <= established:
                    break
            address = f"{district.name}{place.street_name}{place.road}{1 + int(300 * rnd())}号"
            add(
                f"{uscc},{name},{kind},{rep},{address},{place.street_code},{industry},"
                f"{self.STATUSES[self.company_status[index]]},"
                f"{self.iso[established - self.first_day]}\n"
            )

    def _company_name(self, *, kind: str, place: _Place) -> tuple[str, str]:
        rnd = self.rnd
        words = _TRADE_WORDS
        brand = words[int(rnd() * len(words))] + words[int(rnd() * len(words))]
        district = place.district.name
        if kind == "company":
            trade, industry = _COMPANY_TRADES[self.bits(_TABLE_BITS)]
            city = "广州市" if rnd() < 0.5 else "广州"
            form = "股份有限公司" if rnd() < 0.05 else "有限公司"
            return f"{city}{brand}{trade}{form}", industry
        if kind == "individual_business":
            trade, industry = _SHOP_TRADES[self.bits(_TABLE_BITS)]
            if rnd() < 0.4:  # 陈记, 李记: the Cantonese shop named after the owner's family
                brand = _SURNAMES_GUANGDONG[self.bits(_TABLE_BITS)] + "记"
            return f"广州市{district}{brand}{trade}", industry
        if kind == "social_organisation":
            if rnd() < 0.4:
                return f"广州市{district}{brand}社会工作服务中心", _Q
            return f"广州市{brand}{_ASSOCIATIONS[int(rnd() * len(_ASSOCIATIONS))]}", _S
        n = 1 + int(80 * rnd())
        r = rnd()
        if r < 0.3:
            return f"广州市{district}第{n}中学", _P
        if r < 0.6:
            return f"广州市{district}第{n}小学", _P
        if r < 0.8:
            return f"广州市{district}{place.stem}社区卫生服务中心", _Q
        return f"广州市{district}{place.stem}幼儿园", _P


def city_write(
    *,
    out_dir: Path,
    persons: int,
    companies: int,
    seed: int = DEFAULT_SEED,
    months: int = DEFAULT_MONTHS,
    as_of: date | None = None,
) -> SynthReport:
    """Write a synthetic city's registry files into out_dir; the same arguments, the same bytes.

    `as_of` (default: today) is the day the data describe: ages, tenancies and the months of
    contributions count back from it, so pin it when files must be reproduced on another day.
    """
    if persons < 1 or companies < 0 or months < 0:
        raise DomainError("persons must be at least 1, companies and months at least 0")
    started = time.perf_counter()
    districts = _districts_load()
    out_dir.mkdir(parents=True, exist_ok=True)
    city = _City(
        out_dir=out_dir,
        persons=persons,
        companies=companies,
        seed=seed,
        months=months,
        as_of=as_of or timezone.localdate(),
        districts=districts,
    )
    rows = city.run()
    return SynthReport(
        out_dir=out_dir,
        rows=rows,
        seconds=time.perf_counter() - started,
        planted=dict(city.planted),
    )
