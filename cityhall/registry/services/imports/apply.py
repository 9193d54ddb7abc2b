"""Apply: per chunk, in the main process and in one transaction: duplicates within the file,
references resolved with one query per kind of reference, then each kind's rows written through
`write`. If the database refuses a chunk (a constraint the rules did not foresee), the chunk is
retried row by row so that only the offending rows are rejected."""

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cityhall.registry.services.imports.backends import _q
from cityhall.registry.services.imports.clean import (
    _FactRecord,
    _HouseRecord,
    _PersonRecord,
    _Record,
    _Ref,
)
from cityhall.registry.services.imports.tables import (
    _BUILDING_TABLE,
    _COMPANY_TABLE,
    _GRID_TABLE,
    _HOUSE_TABLE,
    _HOUSEHOLD_TABLE,
    _LINK_TABLES,
    _PERSON_TABLE,
    _REF_REJECTS,
    _REF_TABLES,
    _TENANT_TABLE,
    _UNIT_TABLE,
)
from cityhall.registry.services.imports.write import _facts_write, _Outcome, _Pending, _Run
from cityhall.registry.validation import RowError, area_code_for
from cityhall.registry.vocab import HouseholdKind, Relation


def _households_apply(
    run: _Run, records: list[_PersonRecord], out: _Outcome
) -> tuple[list[_PersonRecord], dict[str, int]]:
    """Create or update the households the rows name; refuse a second head for a household."""
    numbers = {r.household for r in records if r.household}
    if not numbers:
        return records, {}
    known = dict(run.backend.lookup(_HOUSEHOLD_TABLE, "number", numbers))
    head_of: dict[str, str] = {}  # household number → document index of its head
    if known:
        number_of = {pk: number for number, pk in known.items()}
        heads = run.backend.lookup(
            _PERSON_TABLE, "household_id", number_of, ("relation_to_head", "document_index")
        )
        head_of = {
            number_of[household]: index
            for household, _pk, relation, index in heads
            if relation == Relation.HEAD
        }
    # Heads who stop heading their household in this chunk free their place first, so a change
    # of head inside one chunk is accepted whatever the order of the two rows.
    headed = {index: number for number, index in head_of.items()}
    for r in records:
        number = headed.get(r.key)
        if number is not None and (r.household != number or r.relation != Relation.HEAD):
            head_of.pop(number, None)
    kept: list[_PersonRecord] = []
    hukou_of: dict[str, str] = {}  # household → its head's registered residence
    for r in records:
        if r.household and r.relation == Relation.HEAD:
            if head_of.setdefault(r.household, r.key) != r.key:
                out.reject(
                    r.row, "household_head", _("户号 %(number)s 已有户主") % {"number": r.household}
                )
                continue
            hukou_of[r.household] = r.hukou
        kept.append(r)
    pending: dict[str, _Pending] = {}
    for r in kept:
        if not r.household or r.household in pending:
            continue
        if r.household in hukou_of:
            hukou = hukou_of[r.household]  # the head's row speaks for the household
        elif r.household in known:
            continue
        else:
            hukou = r.hukou  # a new household takes the first member's until its head arrives
        pending[r.household] = _Pending(
            r.row, (r.household,), (r.household, HouseholdKind.FAMILY, hukou)
        )
    written = _facts_write(run, _HOUSEHOLD_TABLE, list(pending.values()), want_ids=True)
    ids = {number: pk for (number,), pk in written.ids.items()}
    return kept, known | ids


def _persons_apply(run: _Run, records: list[_PersonRecord]) -> _Outcome:
    out = _Outcome()
    houses = {
        code: (pk, area)
        for code, pk, area in run.backend.lookup(
            _HOUSE_TABLE, "code", {r.house_code for r in records if r.house_code}, ("area_code",)
        )
    }
    resolved = []
    for r in records:
        if r.house_code and r.house_code not in houses:
            out.reject(
                r.row, "unknown_house", _("房屋编码 %(code)s 不存在") % {"code": r.house_code}
            )
        elif not run.division_known(r.hukou):
            out.reject(
                r.row,
                "unknown_division",
                _("户籍地区划代码 %(code)s 不是本市现有的区划") % {"code": r.hukou},
            )
        else:
            resolved.append(r)
    resolved, households = _households_apply(run, resolved, out)
    pending = []
    for r in resolved:
        house_id, house_area = houses[r.house_code] if r.house_code else (None, None)
        values = (
            r.document_type,
            r.document_sealed,
            r.key,
            r.name,
            r.gender,
            date.fromisoformat(r.birth_date),
            r.ethnicity,
            r.nationality,
            r.hukou,
            house_id,
            r.phone_sealed,
            r.phone_index,
            r.status,
            households[r.household] if r.household else None,
            r.relation,
            area_code_for(house_area_code=house_area, hukou_division_code=r.hukou),
            r.fingerprint,
        )
        pending.append(_Pending(r.row, (r.key,), values, {"phone": r.phone}))
    # Rows that stop being a head are written first, so that a new head never meets the old one
    # in the one-head-per-household index.
    pending.sort(key=lambda p: p.values[14] == Relation.HEAD)
    order = f"{_q('relation_to_head')} = '{Relation.HEAD.value}'"
    written = _facts_write(run, _PERSON_TABLE, pending, order=order)
    out.inserted, out.updated, out.unchanged = written.inserted, written.updated, written.unchanged
    return out


def _houses_apply(run: _Run, records: list[_HouseRecord]) -> _Outcome:
    out = _Outcome()
    grids = dict(run.backend.lookup(_GRID_TABLE, "code", {r.building[2] for r in records}))
    resolved = []
    for r in records:
        if r.building[2] in grids:
            resolved.append(r)
        else:
            out.reject(
                r.row, "unknown_grid", _("网格编码 %(code)s 不存在") % {"code": r.building[2]}
            )
    buildings: dict[str, _Pending] = {}
    for r in resolved:
        if r.building_code not in buildings:
            name, address, grid_code, floors, built_year = r.building
            buildings[r.building_code] = _Pending(
                r.row,
                (r.building_code,),
                (r.building_code, name, address, grids[grid_code], floors, built_year),
            )
    building_ids = _facts_write(run, _BUILDING_TABLE, list(buildings.values()), want_ids=True).ids
    units: dict[tuple[int, str], _Pending] = {}
    for r in resolved:
        key = (building_ids[(r.building_code,)], r.unit_number)
        units.setdefault(key, _Pending(r.row, key, key))
    unit_ids = _facts_write(run, _UNIT_TABLE, list(units.values()), want_ids=True).ids
    pending = [
        _Pending(
            r.row,
            (r.key,),
            (
                r.key,
                unit_ids[(building_ids[(r.building_code,)], r.unit_number)],
                r.house_number,
                r.floor,
                r.use,
                r.area,
                r.building[2],  # a house counts in its building's grid
            ),
        )
        for r in resolved
    ]
    written = _facts_write(run, _HOUSE_TABLE, pending)
    out.inserted, out.updated, out.unchanged = written.inserted, written.updated, written.unchanged
    return out


def _refs_resolve(run: _Run, records: Sequence[_FactRecord], out: _Outcome) -> list[_FactRecord]:
    """Replace every `_Ref` by the id it names (one query per kind); reject unknown references."""
    wanted: dict[str, set[str]] = {kind: set() for kind in _REF_TABLES}
    for r in records:
        for value in r.values.values():
            refs = value if isinstance(value, tuple) and not isinstance(value, _Ref) else (value,)
            for ref in refs:
                if isinstance(ref, _Ref):
                    wanted[ref.kind].add(ref.key)
    ids = {
        kind: dict(run.backend.lookup(*_REF_TABLES[kind], keys))
        for kind, keys in wanted.items()
        if keys
    }

    def resolve(ref: _Ref) -> int:
        pk = ids[ref.kind].get(ref.key)
        if pk is None:
            code, reason = _REF_REJECTS[ref.kind]
            raise RowError(_(reason) % {"column": ref.column, "code": ref.key}, code=code)
        return pk

    resolved = []
    for r in records:
        values: dict[str, Any] = {}
        try:
            for name, value in r.values.items():
                if isinstance(value, _Ref):
                    values[name] = resolve(value)
                elif isinstance(value, tuple):
                    values[name] = frozenset(resolve(ref) for ref in value)
                else:
                    values[name] = value
        except RowError as exc:
            out.reject(r.row, exc.code, exc.message)
            continue
        resolved.append(r._replace(values=values))
    return resolved


def _companies_apply(run: _Run, records: list[_FactRecord]) -> _Outcome:
    out = _Outcome()
    pending = []
    for r in _refs_resolve(run, records, out):
        if not run.division_known(r.values["division_code"]):
            out.reject(
                r.row,
                "unknown_division",
                _("登记地区划代码 %(code)s 不是本市现有的区划")
                % {"code": r.values["division_code"]},
            )
            continue
        values = tuple(r.values[c] for c in _COMPANY_TABLE.columns)
        pending.append(_Pending(r.row, (r.key,), values))
    written = _facts_write(run, _COMPANY_TABLE, pending)
    out.inserted, out.updated, out.unchanged = written.inserted, written.updated, written.unchanged
    return out


def _tenant_sets(rental_ids: list[int]) -> dict[int, dict[str, Any]]:
    sets: dict[int, set[int]] = {pk: set() for pk in rental_ids}
    through = _TENANT_TABLE.model._default_manager
    for rental, person in through.filter(rentalregistration_id__in=rental_ids).values_list(
        "rentalregistration_id", "person_id"
    ):
        sets[rental].add(person)
    return {pk: {"tenants": frozenset(people)} for pk, people in sets.items()}


def _links_apply(run: _Run, records: list[_FactRecord]) -> _Outcome:
    out = _Outcome()
    table = _LINK_TABLES[run.kind]
    rentals = run.kind == "rentals"
    pending = [
        _Pending(
            r.row,
            tuple(r.values[k] for k in table.key),
            tuple(r.values[c] for c in table.columns),
            {"tenants": r.values["tenants"]} if rentals else None,
        )
        for r in _refs_resolve(run, records, out)
    ]
    written = _facts_write(
        run, table, pending, want_ids=rentals, extra=_tenant_sets if rentals else None
    )
    if rentals:
        ids = written.ids
        current = _tenant_sets(list(ids.values()))
        replaced = [(ids[p.key], p.extra["tenants"]) for p in pending]  # type: ignore[index]
        replaced = [(pk, new) for pk, new in replaced if current[pk]["tenants"] != new]
        _TENANT_TABLE.model._default_manager.filter(
            rentalregistration_id__in=[pk for pk, _new in replaced]
        ).delete()
        run.backend.upsert(
            _TENANT_TABLE, [(pk, person) for pk, new in replaced for person in sorted(new)]
        )
    out.inserted, out.updated, out.unchanged = written.inserted, written.updated, written.unchanged
    return out


_APPLIERS: dict[str, Callable[[_Run, list[Any]], _Outcome]] = {
    "houses": _houses_apply,
    "persons": _persons_apply,
    "companies": _companies_apply,
    **dict.fromkeys(_LINK_TABLES, _links_apply),
}
_KEY_LABELS = {
    "houses": gettext_noop("房屋编码"),
    "persons": gettext_noop("证件"),
    "companies": gettext_noop("统一社会信用代码"),
    "ownerships": gettext_noop("房屋、产权人、起始日期"),
    "residences": gettext_noop("证件、房屋、起始日期"),
    "rentals": gettext_noop("登记编号"),
    "employment": gettext_noop("证件、单位、入职日期"),
    "contributions": gettext_noop("证件、缴费月份"),
    "benefits": gettext_noop("证件、待遇类别、起始日期"),
}


def _file_checks(run: _Run, records: list[_Record], out: _Outcome) -> list[_Record]:
    """Rules about the file as a whole: a key only once; a building described one way."""
    kept = []
    for r in records:
        digest = hash(r.key)
        if digest in run.seen:
            out.reject(
                r.row,
                "duplicate",
                _("文件中前面已有相同%(key)s的记录") % {"key": _(_KEY_LABELS[run.kind])},
            )
            continue
        run.seen.add(digest)
        if isinstance(r, _HouseRecord):
            described = hash(r.building)
            if run.buildings.setdefault(r.building_code, described) != described:
                out.reject(
                    r.row,
                    "building_mismatch",
                    _("楼栋 %(code)s 的名称、地址、网格、层数或建成年份与文件中前面的行不一致")
                    % {"code": r.building_code},
                )
                continue
        kept.append(r)
    return kept


def _chunk_apply(run: _Run, records: list[Any]) -> _Outcome:
    """Write one chunk in one transaction; if the database refuses it, go row by row."""
    apply = _APPLIERS[run.kind]
    try:
        with transaction.atomic():
            return apply(run, records)
    except (IntegrityError, DataError):
        pass
    out = _Outcome()
    for record in records:
        try:
            with transaction.atomic():
                out.add(apply(run, [record]))
        except (IntegrityError, DataError) as exc:
            out.reject(
                record.row,
                "constraint",
                _("数据库拒绝该行：%(error)s") % {"error": str(exc).strip().splitlines()[0]},
            )
    return out
