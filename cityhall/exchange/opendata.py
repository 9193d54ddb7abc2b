"""Open data (开放数据): the aggregate views of the registry that anyone may download, rendered as
CSV and JSON.

A catalogue resource is open data when it is open, published and its `view` names one of
OPEN_VIEWS. Each view is one set-based query in registry.selectors that already withholds small
cells. Generating a view scans a whole registry table, so its rows and each rendered file are
cached, keyed by the view, the day (ages move with it) and `registry_stamp()`, which moves as soon
as registry rows are added or a recorded fact changes; CACHE_SECONDS bounds how long a change the
stamp does not see (a correction written without history) can stay unpublished.
"""

import dataclasses
import json
import types
import typing
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone, translation

from cityhall.core.spreadsheets import csv_text
from cityhall.exchange.models import DataResource
from cityhall.exchange.vocab import KeyKind, ResourceStatus, Sensitivity
from cityhall.registry import selectors as registry

CACHE_SECONDS = 600
CACHE_PREFIX = "opendata:v1"
# How a withheld count reads in the CSV (JSON has null and the `suppressed` column).
SUPPRESSED_TEXT = f"<{registry.SMALL_CELL_MIN}"
# DataStore-style column types (what CKAN clients expect in a `fields` list).
COLUMN_TYPES: dict[type, str] = {str: "text", int: "int", bool: "bool", Decimal: "numeric"}


@dataclasses.dataclass(frozen=True)
class OpenView:
    """One aggregate view: its rows are instances of `row_type`, a dataclass whose fields are
    the columns; `count_column` is the count withheld in small cells."""

    name: str
    row_type: type
    count_column: str
    build: Callable[[date], Sequence[Any]]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(self.row_type))

    def column_types(self) -> dict[str, str]:
        hints = typing.get_type_hints(self.row_type)
        out = {}
        for column in self.columns:
            hint = hints[column]
            if isinstance(hint, types.UnionType):  # `int | None`: the type of the values given
                hint = next(a for a in typing.get_args(hint) if a is not type(None))
            out[column] = COLUMN_TYPES[hint]
        return out


OPEN_VIEWS: dict[str, OpenView] = {
    view.name: view
    for view in (
        OpenView(
            "open_population_by_street_age",
            registry.PopulationCell,
            "persons",
            lambda as_of: registry.population_by_street_age(as_of=as_of),
        ),
        OpenView(
            "open_legal_persons_by_industry_district",
            registry.LegalPersonCell,
            "legal_persons",
            lambda as_of: registry.legal_persons_by_industry_district(),
        ),
        OpenView(
            "open_houses_by_district_use",
            registry.HouseCell,
            "houses",
            lambda as_of: registry.houses_by_district_use(),
        ),
    )
}


@dataclasses.dataclass(frozen=True)
class FileFormat:
    code: str  # the file extension
    label: str  # CKAN's resource `format`
    mimetype: str
    content_type: str


FORMATS: dict[str, FileFormat] = {
    f.code: f
    for f in (
        FileFormat("csv", "CSV", "text/csv", "text/csv; charset=utf-8"),
        FileFormat("json", "JSON", "application/json", "application/json"),
    )
}


@dataclasses.dataclass(frozen=True)
class OpenTable:
    view: str
    as_of: date
    generated_at: datetime
    rows: list[Any]


@dataclasses.dataclass(frozen=True)
class OpenFile:
    body: bytes
    generated_at: datetime
    format: FileFormat

    @property
    def size(self) -> int:
        return len(self.body)


def data_stamp() -> str:
    """What a generated file depends on: today's date and the registry's stamp (index reads)."""
    return f"{timezone.localdate().isoformat()}:{registry.registry_stamp()}"


def _key(*parts: str) -> str:
    return ":".join((CACHE_PREFIX, *parts))


def open_table(view: OpenView, *, stamp: str) -> OpenTable:
    """The view's rows for this stamp, computed once and shared by both formats."""
    key = _key(view.name, "rows", stamp)
    table: OpenTable | None = cache.get(key)
    if table is None:
        as_of = date.fromisoformat(stamp.split(":", 1)[0])
        # Kind and use names are part of the file, which is the same for every visitor.
        with translation.override(settings.LANGUAGE_CODE):
            rows = list(view.build(as_of))
        table = OpenTable(view.name, as_of, timezone.now(), rows)
        cache.set(key, table, CACHE_SECONDS)
    return table


def _csv(view: OpenView, table: OpenTable) -> bytes:
    def cells(row: Any) -> list[object]:
        values = dataclasses.asdict(row)
        if values["suppressed"]:
            values[view.count_column] = SUPPRESSED_TEXT
        values["suppressed"] = "true" if values["suppressed"] else "false"
        return [values[c] for c in view.columns]

    return csv_text(view.columns, (cells(r) for r in table.rows)).encode("utf-8")


def _json_value(value: object) -> object:
    return float(value) if isinstance(value, Decimal) else value


def _json(view: OpenView, table: OpenTable) -> bytes:
    body = {
        "view": view.name,
        "as_of": table.as_of.isoformat(),
        "generated_at": table.generated_at.isoformat(),
        "small_cell_min": registry.SMALL_CELL_MIN,
        "fields": [{"id": c, "type": t} for c, t in view.column_types().items()],
        "records": [
            {k: _json_value(v) for k, v in dataclasses.asdict(r).items()} for r in table.rows
        ],
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


RENDERERS: dict[str, Callable[[OpenView, OpenTable], bytes]] = {"csv": _csv, "json": _json}


def open_file(view: OpenView, fmt: FileFormat, *, stamp: str | None = None) -> OpenFile:
    """The rendered file of a view, from the cache when the registry has not moved."""
    stamp = stamp or data_stamp()
    key = _key(view.name, fmt.code, stamp)
    found: OpenFile | None = cache.get(key)
    if found is None:
        table = open_table(view, stamp=stamp)
        found = OpenFile(RENDERERS[fmt.code](view, table), table.generated_at, fmt)
        cache.set(key, found, CACHE_SECONDS)
    return found


def open_files_cached(
    wanted: Sequence[tuple[OpenView, FileFormat]], *, stamp: str
) -> dict[tuple[str, str], OpenFile]:
    """The files already generated for this stamp (for sizes in listings; generates nothing)."""
    keys = {_key(v.name, f.code, stamp): (v.name, f.code) for v, f in wanted}
    return {keys[k]: file for k, file in cache.get_many(list(keys)).items()}


def open_resources() -> QuerySet[DataResource]:
    """The catalogue's open data: open, published, aggregate resources whose fields are all
    public (checked here as well, since a loaded catalogue is published without the steward's
    checks)."""
    return (
        DataResource.objects.filter(
            is_open=True, status=ResourceStatus.PUBLISHED, key_kind=KeyKind.AGGREGATE
        )
        .exclude(fields__sensitivity__in=[s for s in Sensitivity if s != Sensitivity.PUBLIC])
        .select_related("owner")
        .order_by("code")
    )
