"""Write back-ends: reads by key and bulk writes (PostgreSQL: COPY into a temporary staging
table, then one set-based statement; SQLite: executemany of the same upsert)."""

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db import connection, models

# The SQL below is put together from model metadata (quoted names), never from file contents;
# values travel as parameters or through COPY.

_PROVENANCE = ("created_at", "updated_at", "supplied_by_id", "supplied_at")
_SEP = "\x1f"  # joins a list of keys into one query parameter on PostgreSQL


@dataclass(frozen=True)
class _Table:
    """How the rows of one model are matched, compared and written."""

    model: type[models.Model]
    columns: tuple[str, ...]  # attnames written besides provenance; the order of row tuples
    key: tuple[str, ...]  # attnames that identify a row (re-import upserts by them)
    compare: tuple[str, ...]  # a difference in these means the fact changed
    history: tuple[str, ...] = ()  # kept in FactChange when they change (default: `compare`)
    unique: bool = True  # the key is a unique constraint: ON CONFLICT can target it
    frozen: tuple[str, ...] = ()  # never rewritten by an update
    # A sealed column and its blind index: on update the old ciphertext stays while the index is
    # equal, so an unchanged value never gets a new ciphertext.
    sealed: tuple[tuple[str, str], ...] = ()
    provenance: bool = True

    @property
    def db_table(self) -> str:
        return self.model._meta.db_table

    @cached_property
    def index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.columns)}

    @property
    def all_columns(self) -> tuple[str, ...]:
        return (_PROVENANCE if self.provenance else ()) + self.columns

    @property
    def update_columns(self) -> tuple[str, ...]:
        fixed = {*self.key, *self.frozen, "created_at"}
        return tuple(c for c in self.all_columns if c not in fixed)

    @property
    def history_columns(self) -> tuple[str, ...]:
        return self.history or self.compare

    def field(self, attname: str) -> "models.Field[Any, Any]":
        found = self.model._meta.get_field(attname)
        assert isinstance(found, models.Field)  # noqa: S101 - attnames of concrete columns
        return found

    def column(self, attname: str) -> str:
        return "id" if attname == "id" else self.field(attname).column or attname


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _names(table: _Table, attnames: Iterable[str], prefix: str = "") -> str:
    return ", ".join(f"{prefix}{_q(table.column(c))}" for c in attnames)


class _Backend(ABC):
    """Reads by key and writes in bulk; the SQL differs per database, the semantics do not."""

    def __init__(self, now: datetime, source_id: int) -> None:
        self.provenance: tuple[Any, ...] = (now, now, source_id, now)

    @abstractmethod
    def lookup(
        self, table: _Table, column: str, values: Iterable[Any], fields: Sequence[str] = ()
    ) -> list[tuple[Any, ...]]:
        """(column, id, *fields) of the rows whose `column` is one of `values`."""

    @abstractmethod
    def existing(
        self, table: _Table, keys: Sequence[tuple[Any, ...]], fields: Sequence[str]
    ) -> dict[tuple[Any, ...], dict[str, Any]]:
        """The rows with these keys: key → {"id", *key, *fields}."""

    @abstractmethod
    def upsert(self, table: _Table, rows: Sequence[tuple[Any, ...]], order: str = "") -> None:
        """Insert rows (values of `table.columns`); on a key conflict update what differs."""

    def insert(self, table: _Table, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert rows whose keys are not in the table (values of `table.columns`)."""
        self.upsert(table, rows)

    @abstractmethod
    def update(self, table: _Table, rows: Sequence[tuple[Any, ...]]) -> None:
        """Rows are (id, *values of `table.columns`); update them by id."""

    def close(self) -> None:  # noqa: B027 - optional hook: only PostgreSQL holds a staging table
        """Release what the back-end holds for the import (nothing by default)."""

    def conflict_sql(self, table: _Table, excluded: str, distinct: str) -> str:
        target = _q(table.db_table)
        key = _names(table, table.key)
        if not table.update_columns:
            return f"ON CONFLICT ({key}) DO NOTHING"
        sealed = dict(table.sealed)
        sets = []
        for attname in table.update_columns:
            col = _q(table.column(attname))
            if attname in sealed:
                index = _q(table.column(sealed[attname]))
                sets.append(
                    f"{col} = CASE WHEN {target}.{index} = {excluded}.{index} "
                    f"THEN {target}.{col} ELSE {excluded}.{col} END"
                )
            else:
                sets.append(f"{col} = {excluded}.{col}")
        compare = [_q(table.column(c)) for c in table.compare if c in table.index]
        sql = f"ON CONFLICT ({key}) DO UPDATE SET {', '.join(sets)}"
        if compare:
            sql += " WHERE " + distinct.format(
                old=", ".join(f"{target}.{c}" for c in compare),
                new=", ".join(f"{excluded}.{c}" for c in compare),
                pairs=" OR ".join(f"{target}.{c} IS NOT {excluded}.{c}" for c in compare),
            )
        return sql


class _SqliteBackend(_Backend):
    """Batched statements through the DB-API's executemany (SQLite ≥ 3.24 has upserts)."""

    def __init__(self, now: datetime, source_id: int) -> None:
        db_now = connection.ops.adapt_datetimefield_value(now)
        self.provenance = (db_now, db_now, source_id, db_now)
        self.batch = (connection.features.max_query_params or 1000) - 1

    def lookup(
        self, table: _Table, column: str, values: Iterable[Any], fields: Sequence[str] = ()
    ) -> list[tuple[Any, ...]]:
        wanted = sorted(set(values), key=str)
        found: list[tuple[Any, ...]] = []
        select = _names(table, (column, "id", *fields))
        with connection.cursor() as cursor:
            for start in range(0, len(wanted), self.batch):
                part = wanted[start : start + self.batch]
                cursor.execute(
                    f"SELECT {select} FROM {_q(table.db_table)} "  # noqa: S608 - see above
                    f"WHERE {_q(table.column(column))} IN ({', '.join(['%s'] * len(part))})",
                    part,
                )
                found.extend(cursor.fetchall())
        return found

    def existing(
        self, table: _Table, keys: Sequence[tuple[Any, ...]], fields: Sequence[str]
    ) -> dict[tuple[Any, ...], dict[str, Any]]:
        # Through the ORM for its type conversions; narrowed by the first key column, the whole
        # key matched here (SQLite runs small files).
        wanted = set(keys)
        first = sorted({k[0] for k in keys}, key=str)
        found: dict[tuple[Any, ...], dict[str, Any]] = {}
        names = ("id", *table.key, *fields)
        manager = table.model._default_manager
        for start in range(0, len(first), self.batch):
            part = first[start : start + self.batch]
            for values in manager.filter(**{f"{table.key[0]}__in": part}).values_list(*names):
                row = dict(zip(names, values, strict=True))
                key = tuple(row[k] for k in table.key)
                if key in wanted:
                    found[key] = row
        return found

    def upsert(self, table: _Table, rows: Sequence[tuple[Any, ...]], order: str = "") -> None:
        if not rows:
            return
        columns = table.all_columns
        sql = (
            f"INSERT INTO {_q(table.db_table)} ({_names(table, columns)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        if table.unique:
            sql += " " + self.conflict_sql(table, "excluded", "{pairs}")
        prefix = self.provenance if table.provenance else ()
        with connection.cursor() as cursor:
            cursor.executemany(sql, [prefix + row for row in rows])

    def update(self, table: _Table, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        updates = table.update_columns
        position = {c: i for i, c in enumerate(table.all_columns)}
        sets = ", ".join(f"{_q(table.column(c))} = %s" for c in updates)
        prefix = self.provenance if table.provenance else ()
        params = []
        for pk, *values in rows:
            full = prefix + tuple(values)
            params.append([full[position[c]] for c in updates] + [pk])
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {_q(table.db_table)} SET {sets} WHERE id = %s",  # noqa: S608 - see above
                params,
            )


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# COPY's text format of the values an import writes; any other type goes through psycopg.
_COPY_TEXT: dict[type, Callable[[Any], str]] = {
    str: str,
    int: str,
    Decimal: str,
    date: date.isoformat,
    datetime: datetime.isoformat,
    type(None): lambda _value: "\\N",
}


def _copy_lines(prefix: tuple[Any, ...], rows: Sequence[tuple[Any, ...]]) -> bytes | None:
    """Rows in COPY's text format, built in one pass rather than value by value through psycopg's
    dumpers (`write_row` was the main process's largest cost under the profiler); None if a value
    is of a type not handled here (the caller then lets psycopg dump the rows)."""
    text = _COPY_TEXT
    try:
        head = [text[type(v)](v) for v in prefix]
        head_nulls = prefix.count(None)
        lines = []
        for row in rows:
            cells = head + [text[type(v)](v) for v in row]
            line = "\t".join(cells)
            # The only backslashes should be those of NULLs, and the only tabs the separators;
            # a value with a tab, a line end or a backslash (none in practice) is escaped.
            if (
                line.count("\\") != head_nulls + row.count(None)
                or line.count("\t") != len(cells) - 1
                or "\n" in line
                or "\r" in line
            ):
                values = (*prefix, *row)
                line = "\t".join(
                    "\\N" if v is None else c.translate(_COPY_ESCAPES)
                    for c, v in zip(cells, values, strict=True)
                )
            lines.append(line)
    except KeyError:
        return None
    return ("\n".join(lines) + "\n").encode()


class _PostgresBackend(_Backend):
    """COPY into a temporary staging table, then one set-based statement into the real table.

    Lists of keys travel as one delimited text parameter split on the server: building and
    parsing a query with ten thousand parameters costs more than the query itself.
    """

    def __init__(self, now: datetime, source_id: int) -> None:
        super().__init__(now, source_id)
        self.staged: list[str] = []
        self.types: dict[str, list[int]] = {}  # staging or real table → type oids of its columns

    @staticmethod
    def _array(table: _Table, attname: str) -> str:
        return f"string_to_array(%s, chr(31), '')::{table.field(attname).db_type(connection)}[]"

    @staticmethod
    def _joined(values: Iterable[Any]) -> str:
        # '' stands for NULL; keys are never empty strings (the rules require them).
        return _SEP.join("" if v is None else str(v) for v in values)

    def lookup(
        self, table: _Table, column: str, values: Iterable[Any], fields: Sequence[str] = ()
    ) -> list[tuple[Any, ...]]:
        wanted = set(values)
        if not wanted:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {_names(table, (column, 'id', *fields))} FROM {_q(table.db_table)} "  # noqa: S608
                f"WHERE {_q(table.column(column))} = ANY({self._array(table, column)})",
                [self._joined(wanted)],
            )
            return cursor.fetchall()

    def existing(
        self, table: _Table, keys: Sequence[tuple[Any, ...]], fields: Sequence[str]
    ) -> dict[tuple[Any, ...], dict[str, Any]]:
        if not keys:
            return {}
        names = ("id", *table.key, *fields)
        select = _names(table, names, prefix="t.")
        if len(table.key) == 1:
            column, array = _q(table.column(table.key[0])), self._array(table, table.key[0])
            sql = (
                f"SELECT {select} FROM {_q(table.db_table)} t "  # noqa: S608 - see above
                f"WHERE t.{column} = ANY({array})"
            )
        else:
            aliases = [f"k{i}" for i in range(len(table.key))]
            arrays = ", ".join(self._array(table, k) for k in table.key)
            on = " AND ".join(
                f"t.{_q(table.column(k))} "
                f"{'IS NOT DISTINCT FROM' if table.field(k).null else '='} k.{alias}"
                for k, alias in zip(table.key, aliases, strict=True)
            )
            sql = (
                f"SELECT {select} FROM unnest({arrays}) AS k({', '.join(aliases)}) "  # noqa: S608
                f"JOIN {_q(table.db_table)} t ON {on}"
            )
        params = [self._joined(key[i] for key in keys) for i in range(len(table.key))]
        found = {}
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for values in cursor.fetchall():
                row = dict(zip(names, values, strict=True))
                found[tuple(row[k] for k in table.key)] = row
        return found

    def _stage(self, table: _Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> str:
        stage = f"import_stage_{table.db_table}_{len(columns)}"
        names = _names(table, columns)
        with connection.cursor() as cursor:
            # IF NOT EXISTS every time: a rolled-back chunk may have taken the table with it.
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {_q(stage)} AS "  # noqa: S608 - see above
                f"SELECT {names} FROM {_q(table.db_table)} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {_q(stage)}")
            if stage not in self.types:
                cursor.execute(f"SELECT {names} FROM {_q(stage)} LIMIT 0")  # noqa: S608
                self.types[stage] = [column.type_code for column in cursor.description]
            with cursor.copy(f"COPY {_q(stage)} ({names}) FROM STDIN") as copy:
                # Declared types spare psycopg from guessing a dumper for every value.
                copy.set_types(self.types[stage])
                for row in rows:
                    copy.write_row(row)
        if stage not in self.staged:
            self.staged.append(stage)
        return stage

    def upsert(self, table: _Table, rows: Sequence[tuple[Any, ...]], order: str = "") -> None:
        if not rows:
            return
        prefix = self.provenance if table.provenance else ()
        stage = self._stage(table, table.all_columns, (prefix + row for row in rows))
        names = _names(table, table.all_columns)
        sql = f"INSERT INTO {_q(table.db_table)} ({names}) SELECT {names} FROM {_q(stage)}"  # noqa: S608
        if order:
            sql += f" ORDER BY {order}"
        if table.unique:
            sql += " " + self.conflict_sql(table, "EXCLUDED", "({old}) IS DISTINCT FROM ({new})")
        with connection.cursor() as cursor:
            cursor.execute(sql)

    def insert(self, table: _Table, rows: Sequence[tuple[Any, ...]]) -> None:
        # COPY straight into the table: no staging, no conflict handling to plan.
        if not rows:
            return
        prefix = self.provenance if table.provenance else ()
        names = _names(table, table.all_columns)
        with connection.cursor() as cursor:
            if table.db_table not in self.types:
                cursor.execute(f"SELECT {names} FROM {_q(table.db_table)} LIMIT 0")  # noqa: S608
                self.types[table.db_table] = [column.type_code for column in cursor.description]
            # Django's own errors (IntegrityError, DataError) as for any statement: the caller
            # retries a refused chunk row by row.
            with (
                connection.wrap_database_errors,
                cursor.copy(f"COPY {_q(table.db_table)} ({names}) FROM STDIN") as copy,
            ):
                lines = _copy_lines(prefix, rows)
                if lines is not None:
                    copy.write(lines)
                else:
                    copy.set_types(self.types[table.db_table])
                    for row in rows:
                        copy.write_row(prefix + row)

    def update(self, table: _Table, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        prefix = self.provenance if table.provenance else ()
        columns = ("id", *table.all_columns)
        stage = self._stage(table, columns, ((row[0], *prefix, *row[1:]) for row in rows))
        sets = ", ".join(
            f"{_q(table.column(c))} = s.{_q(table.column(c))}" for c in table.update_columns
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_q(table.db_table)} t SET {sets} FROM {_q(stage)} s WHERE t.id = s.id"  # noqa: S608
            )

    def close(self) -> None:
        with connection.cursor() as cursor:
            for stage in self.staged:
                cursor.execute(f"DROP TABLE IF EXISTS {_q(stage)}")
