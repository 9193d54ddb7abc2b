"""Benchmark: import persons at city scale into PostgreSQL, against a bare COPY of the same rows.

Run from the project root:

    .venv/bin/python -m benchmarks.bench_registry_import [--persons 100000] [--workers N]

It drops and creates the database named by DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/cityhall_bench; its name must contain "bench"; dropped again
at the end unless --keep),
migrates it, lays out the demo grids, writes a synthetic city with `registry.synth.city_write`,
imports its houses, then times the import of its persons through the product's service
(validation, AES-GCM sealing, blind indexes, households, provenance, the upsert) and a second,
no-op import of the same file. In the same run it COPYs the same persons file into a bare table
of text columns with no checks and no indexes, prints rows/s of both and their ratio, and times
exact lookups by document through `registry.selectors.person_find_by_document` on random persons.

To show where the time goes it also prints the CPU each process spent per row (main, cleaning
workers, the PostgreSQL backend; the last one read from /proc, so only for a local server), the
rate of the cleaning alone in one process, and the "schema floor": PostgreSQL copying the stored
persons into a table with the persons table's indexes, with no Python at all.

Aim (issue): ≥ 100,000 persons/s for 1,000,000 persons, ratio to bare COPY ≥ 0.4.
"""

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import django

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cityhall_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DJANGO_DEBUG", "false")  # no query log, as in production
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.measure import backend_cpu_seconds, database_recreate, line  # noqa: E402
from cityhall.geo.models import Division  # noqa: E402
from cityhall.geo.services import demo_layout_build  # noqa: E402
from cityhall.identity.models import OrgUnit, UnitKind, UnitLevel  # noqa: E402
from cityhall.registry.models import Person  # noqa: E402
from cityhall.registry.selectors import person_find_by_document  # noqa: E402
from cityhall.registry.services.imports import (  # noqa: E402
    ImportProgress,
    ImportReport,
    _clean_chunk,
    _Reader,
    registry_import,
)
from cityhall.registry.synth import city_write  # noqa: E402
from cityhall.registry.validation import PERSON_COLUMNS  # noqa: E402

TARGET_ROWS_PER_SECOND = 100_000
TARGET_RATIO = 0.4
T = TypeVar("T")


def _timed_import(call: Callable[[], T]) -> tuple[T, str]:
    """Run an import; what it cost in CPU per process, per row, as a line to print."""
    backend_before, before = backend_cpu_seconds(), os.times()
    result = call()
    backend_after, after = backend_cpu_seconds(), os.times()
    rows = max(getattr(result, "read", 1), 1)
    main = after.user - before.user + after.system - before.system
    # Pool workers are reaped when the import ends, so their time shows up as children's.
    workers = (
        after.children_user - before.children_user + after.children_system - before.children_system
    )
    parts = [f"main {main / rows * 1e6:.0f} µs", f"cleaning workers {workers / rows * 1e6:.0f} µs"]
    if backend_before is not None and backend_after is not None:
        parts.append(f"PostgreSQL backend {(backend_after - backend_before) / rows * 1e6:.0f} µs")
    return result, ", ".join(parts)


def _sample_documents(path: Path, count: int, seed: int) -> list[tuple[str, str]]:
    """A reservoir sample of (document type, number) from a persons file, in one pass."""
    rng = random.Random(seed)
    sample: list[tuple[str, str]] = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        for seen, row in enumerate(csv.DictReader(f)):
            item = (row["document_type"], row["document_number"])
            if seen < count:
                sample.append(item)
            elif (slot := rng.randrange(seen + 1)) < count:
                sample[slot] = item
    return sample


def _run(args: argparse.Namespace, work: Path) -> int:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    demo_layout_build(communities_per_street=args.communities, grids_per_community=args.grids)
    source, _created = OrgUnit.objects.get_or_create(
        code="BENCH-GA",
        defaults={
            "name": "市公安局（基准测试）",
            "kind": UnitKind.DEPARTMENT,
            "level": UnitLevel.CITY,
            "division": Division.objects.get(code="440100"),
        },
    )
    line(
        "database ready",
        f"{time.perf_counter() - started:.1f} s",
        f"({connection.settings_dict['NAME']}, {os.cpu_count()} CPUs)",
    )

    started = time.perf_counter()
    synth = city_write(
        out_dir=work, persons=args.persons, companies=args.companies, seed=args.seed, months=0
    )
    houses_csv, persons_csv = work / "houses.csv", work / "persons.csv"
    line(
        "synthetic city",
        f"{time.perf_counter() - started:.1f} s",
        f"({synth.rows['houses']:,} houses, {synth.rows['persons']:,} persons, "
        f"{persons_csv.stat().st_size / 2**20:,.0f} MiB persons file)",
    )

    def progress(p: ImportProgress) -> None:
        if args.progress:
            print(
                f"\r{p.read:>12,} rows {p.rows_per_second:>10,.0f} rows/s", end="", file=sys.stderr
            )

    def persons_import() -> ImportReport:
        report = registry_import(
            kind="persons", path=persons_csv, source=source, workers=args.workers, progress=progress
        )
        if args.progress:
            print(file=sys.stderr)
        return report

    houses = registry_import(
        kind="houses", path=houses_csv, source=source, workers=args.workers, progress=progress
    )
    if args.progress:
        print(file=sys.stderr)
    line(
        "houses import",
        f"{houses.rows_per_second:,.0f} rows/s",
        f"({houses.inserted:,} inserted, {houses.rejected:,} rejected, {houses.seconds:.1f} s)",
    )

    persons, persons_cpu = _timed_import(persons_import)
    stored = Person.objects.count()
    line(
        "persons import",
        f"{persons.rows_per_second:,.0f} rows/s",
        f"({persons.read:,} read, {persons.inserted:,} inserted, {persons.rejected:,} rejected, "
        f"{persons.seconds:.1f} s)",
    )
    line("  CPU per row", "", persons_cpu)

    again, again_cpu = _timed_import(persons_import)
    line(
        "persons re-import",
        f"{again.rows_per_second:,.0f} rows/s",
        f"({again.unchanged:,} unchanged, {again.inserted + again.updated:,} written, "
        f"{again.seconds:.1f} s)",
    )
    line("  CPU per row", "", again_cpu)

    # The CPU part alone, in one process: what one core does per second.
    with persons_csv.open("rb") as raw:
        reader = _Reader(raw, PERSON_COLUMNS)
        chunk = next(reader.chunks(min(20_000, args.persons)))
    t0 = time.perf_counter()
    _clean_chunk("persons", reader.header, chunk, timezone.localdate())
    clean_rate = len(chunk.records) / (time.perf_counter() - t0)
    line("cleaning only", f"{clean_rate:,.0f} rows/s", "(1 process: parse, rules, seal, index)")

    with connection.cursor() as cursor:
        # PostgreSQL alone, no Python: the stored rows into a table with the persons table's
        # indexes. No import into this schema can beat it on this machine.
        cursor.execute("CREATE TABLE bench_person_floor (LIKE registry_person INCLUDING INDEXES)")
        t0 = time.perf_counter()
        cursor.execute("INSERT INTO bench_person_floor SELECT * FROM registry_person")
        floor_rate = stored / (time.perf_counter() - t0)
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'bench_person_floor'")
        indexes = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_person_floor")
    line(
        "schema floor",
        f"{floor_rate:,.0f} rows/s",
        f"(INSERT … SELECT of the stored persons into a copy of registry_person "
        f"with its {indexes} indexes)",
    )

    with connection.cursor() as cursor:
        columns = ", ".join(f"{c} text" for c in PERSON_COLUMNS)
        cursor.execute(f"CREATE TABLE bench_bare_person ({columns})")
        t0 = time.perf_counter()
        with (
            persons_csv.open("rb") as f,
            cursor.copy("COPY bench_bare_person FROM STDIN (FORMAT csv, HEADER true)") as copy,
        ):
            while block := f.read(1 << 20):
                copy.write(block)
        bare_seconds = time.perf_counter() - t0
        cursor.execute("SELECT count(*) FROM bench_bare_person")
        bare_rows = cursor.fetchone()[0]
    bare_rate = bare_rows / bare_seconds
    ratio = persons.rows_per_second / bare_rate
    line("bare COPY", f"{bare_rate:,.0f} rows/s", f"({bare_rows:,} rows, {bare_seconds:.1f} s)")
    line("ratio import/COPY", f"{ratio:.3f}", f"(aim ≥ {TARGET_RATIO})")

    sample = _sample_documents(persons_csv, args.lookups, args.seed)
    person_find_by_document(*sample[0])  # warm the connection and the code path
    t0 = time.perf_counter()
    found = sum(person_find_by_document(kind, number) is not None for kind, number in sample)
    lookup_seconds = time.perf_counter() - t0
    line(
        "exact-ID lookups",
        f"{len(sample) / lookup_seconds:,.0f} /s",
        f"({found:,}/{len(sample):,} found, {lookup_seconds / len(sample) * 1e6:.0f} µs each, "
        f"{stored:,} persons stored)",
    )

    met = persons.rows_per_second >= TARGET_ROWS_PER_SECOND and ratio >= TARGET_RATIO
    workers = "auto" if args.workers is None else args.workers
    print(
        f"aim ≥ {TARGET_ROWS_PER_SECOND:,} rows/s and ratio ≥ {TARGET_RATIO}: "
        f"{'met' if met else 'NOT MET'} (workers: {workers})"
    )
    return 0 if met else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--companies", type=int, default=0, help="written, not imported")
    parser.add_argument("--workers", type=int, default=None, help="cleaning processes (auto)")
    parser.add_argument("--lookups", type=int, default=20_000, help="timed exact-ID lookups")
    parser.add_argument("--communities", type=int, default=4, help="communities per street")
    parser.add_argument("--grids", type=int, default=3, help="grids per community")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--progress", action="store_true", help="progress on stderr")
    args = parser.parse_args(argv)

    if connection.vendor != "postgresql":
        print("this benchmark needs PostgreSQL (DATABASE_URL=postgres://…)", file=sys.stderr)
        return 2
    url = os.environ["DATABASE_URL"]
    if "bench" not in connection.settings_dict["NAME"]:
        # The database is dropped and created: never one that may hold real or dev data.
        print(
            f"refusing to drop {connection.settings_dict['NAME']!r}: "
            "DATABASE_URL must name a database whose name contains 'bench'",
            file=sys.stderr,
        )
        return 2
    database_recreate(*url.rsplit("/", 1))
    try:
        with tempfile.TemporaryDirectory(prefix="bench_registry_import_") as work:
            return _run(args, Path(work))
    finally:
        connections.close_all()
        if not args.keep:
            database_recreate(*url.rsplit("/", 1), drop_only=True)


if __name__ == "__main__":
    sys.exit(main())
