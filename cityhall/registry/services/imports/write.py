"""Write: the rows of one table upserted by key — existing rows fetched in bulk, rows sorted into
new / changed / unchanged, each changed field kept in `FactChange`, new and changed rows written in
bulk through the back-end. Unchanged rows are not written at all."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from cityhall.geo.models import DivisionLevel
from cityhall.identity.models import OrgUnit
from cityhall.registry.models import FactChange
from cityhall.registry.services.history import as_text
from cityhall.registry.services.imports.backends import _Backend, _Table
from cityhall.registry.services.imports.clean import _Reject
from cityhall.registry.validation import CITY_PREFIX

_LEVEL_BY_LENGTH = {6: DivisionLevel.DISTRICT, 9: DivisionLevel.STREET, 12: DivisionLevel.COMMUNITY}


class _Pending(NamedTuple):
    row: int
    key: tuple[Any, ...]
    values: tuple[Any, ...]  # in `table.columns` order, as written (sealed where sealed)
    # Clear values of sealed columns (for history) and values of pseudo-columns (many-to-many).
    extra: Mapping[str, Any] | None = None


@dataclass
class _Outcome:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejects: list[_Reject] = field(default_factory=list)

    def reject(self, row: int, code: str, reason: str) -> None:
        self.rejects.append(_Reject(row, code, reason))

    def add(self, other: "_Outcome") -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejects.extend(other.rejects)


@dataclass
class _Run:
    kind: str
    source: OrgUnit
    now: datetime
    batch: str
    reason: str
    backend: _Backend
    divisions: dict[str, str]  # the city's division codes → level
    # 64-bit digests of the keys seen so far: a later row with the same key is a duplicate.
    # About 60 bytes a key (60 MB for a million rows) while the file itself is streamed.
    seen: set[int] = field(default_factory=set)
    buildings: dict[str, int] = field(default_factory=dict)  # building code → digest of values

    def division_known(self, code: str) -> bool:
        # Inside Guangzhou a code must name a division at the level its length says. The national
        # division table is not in the product, so outside the city only the shape (validation)
        # and, for resident IDs, the province are checked.
        if not code.startswith(CITY_PREFIX):
            return True
        return self.divisions.get(code) == _LEVEL_BY_LENGTH.get(len(code))


@dataclass(frozen=True)
class _Written:
    inserted: int
    updated: int
    unchanged: int
    ids: dict[tuple[Any, ...], int]  # key → id of every pending row, when asked for


def _facts_write(
    run: _Run,
    table: _Table,
    pending: Sequence[_Pending],
    *,
    want_ids: bool = False,
    order: str = "",
    extra: Callable[[list[int]], dict[int, dict[str, Any]]] | None = None,
) -> _Written:
    """Upsert rows by key: unchanged rows are left alone, each changed field goes to history.

    `extra` adds the values of pseudo-columns (many-to-many sets) to the existing rows by id.
    """
    index = table.index
    existing = run.backend.existing(
        table, [p.key for p in pending], [c for c in table.compare if c in index]
    )
    if extra and existing:
        more = extra([row["id"] for row in existing.values()])
        for row in existing.values():
            row.update(more.get(row["id"], {}))
    new: list[_Pending] = []
    changed: list[tuple[int, _Pending]] = []
    for p in pending:
        old = existing.get(p.key)
        if old is None:
            new.append(p)
        elif any(
            old[c] != (p.values[index[c]] if c in index else p.extra[c])  # type: ignore[index]
            for c in table.compare
        ):
            changed.append((old["id"], p))
    if changed:
        _history_write(run, table, changed, existing)
    if table.unique:
        # Changed rows first (a head who steps down frees the place for a new one), then the new
        # rows straight into the table: none of their keys was there, and the import lock keeps
        # other imports of the kind out (a row added meanwhile by hand fails the chunk, which is
        # then written row by row as an update).
        run.backend.upsert(table, [p.values for _pk, p in changed], order)
        run.backend.insert(table, [p.values for p in new])
    else:
        run.backend.insert(table, [p.values for p in new])
        run.backend.update(table, [(pk, *p.values) for pk, p in changed])
    ids: dict[tuple[Any, ...], int] = {}
    if want_ids:
        ids = {key: row["id"] for key, row in existing.items()}
        if new:
            created = run.backend.existing(table, [p.key for p in new], ())
            ids.update({key: row["id"] for key, row in created.items()})
    return _Written(len(new), len(changed), len(pending) - len(new) - len(changed), ids)


def _history_write(
    run: _Run,
    table: _Table,
    changed: Sequence[tuple[int, _Pending]],
    existing: Mapping[tuple[Any, ...], dict[str, Any]],
) -> None:
    columns = table.history_columns
    if "fingerprint" in table.compare:
        # A digest tells that something changed, not what: read the old values (in clear).
        olds = {
            row["id"]: row
            for row in table.model._default_manager.filter(
                pk__in=[pk for pk, _p in changed]
            ).values("id", *columns)
        }
    else:
        olds = {row["id"]: row for row in existing.values()}
    names = {c: table.model._meta.get_field(c).name for c in columns}
    changes = []
    for pk, p in changed:
        for column in columns:
            old = olds[pk][column]
            new = (
                p.extra[column] if p.extra and column in p.extra else p.values[table.index[column]]
            )
            if old == new or as_text(old) == as_text(new):
                continue
            changes.append(
                FactChange(
                    fact_type=table.model._meta.label,
                    fact_id=pk,
                    field=names[column],
                    old_value=as_text(old),
                    new_value=as_text(new),
                    changed_by=None,
                    supplied_by=run.source,
                    reason=run.reason,
                    at=run.now,
                    import_batch=run.batch,
                )
            )
    FactChange.objects.bulk_create(changes, batch_size=1000)
