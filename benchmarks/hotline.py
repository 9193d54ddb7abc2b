"""Benchmark: the 12345 hotline at a megacity's scale on PostgreSQL — intake and hotspots.

Run from the project root:

    .venv/bin/python -m benchmarks.hotline [--tickets 1000000] [--intake 3000] [--workers 2]
        [--http 1000] [--clients 3] [--train 30000] [--database cityhall_bench_hotline]
        [--keep] [--profile]

It drops and creates the scratch database named by --database (its name must contain
"bench_hotline"; dropped again at the end unless --keep), migrates it (which loads the
categories), lays out the demo city's grids (4 communities × 3 grids in each of the 177 streets)
and its units, and loads --tickets synthetic historical tickets over the year before yesterday
with `demo_history.history_build(events=False)` (the load time is reported). It then trains the
classifier on the newest --train finished tickets (`training.classifier_train`). Settings are
`config.settings.test` with DEBUG off.

1. Intake in-process: --intake drafts (random points inside random grids, texts from the demo
   corpus, a reporter's phone, no category: the classifier decides) through `ticket_create`
   (check, classify, locate, route, create, dispatch the first hop, tell the reporter), timed one
   by one, in this process; then as many again split over --workers processes, each with its own
   database connection, started together. Throughput and p50/p95 latency. Every ticket must
   exist, dispatched, with its two events. Queries per ticket are listed; with --profile, or when
   the aim is missed, cProfile shows where the time goes.
2. Intake over HTTP: `manage.py serve` (Django's threaded server, the product's one-machine
   mode) on a free port against the same database, and --http form-encoded POSTs to
   /open311/v2/requests.json with an api_key from `open311_client_create`, from --clients
   threads. p50/p95 latency and requests/s; every answer must carry a tracking number whose
   ticket exists, dispatched.
3. Hotspots: `analysis.hotspots` for the last month and the last year, city-wide and for one
   category: the first call on a fresh connection ("cold": the PostgreSQL buffers may still hold
   the table from the load) and the median of five more ("warm"); EXPLAIN (ANALYZE, BUFFERS) of
   the year query. The top grids must be the planted hotspots' kind: far above the median grid.

Aims (issue): ≥ 300 tickets/s in-process on 2 cores; the hotspot year query under 1 s.
"""

import argparse
import cProfile
import io
import json
import multiprocessing
import os
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cityhall_bench_hotline")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DJANGO_DEBUG", "false")  # no query log, as in production
django.setup()

import shapely  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.db.models import Count, F, Q  # noqa: E402
from django.utils import timezone  # noqa: E402
from shapely.geometry import shape  # noqa: E402

from benchmarks.measure import (  # noqa: E402
    CpuMeter,
    database_recreate,
    free_port,
    line,
    load_average,
    percentiles,
    scratch_database,
    statement_shape,
)
from cityhall.geo.models import Grid  # noqa: E402
from cityhall.geo.services import demo_layout_build  # noqa: E402
from cityhall.hotline import analysis, training  # noqa: E402
from cityhall.hotline.demo_corpus import corpus  # noqa: E402
from cityhall.hotline.demo_history import history_build  # noqa: E402
from cityhall.hotline.models import (  # noqa: E402
    Category,
    Channel,
    HandlerLevel,
    Status,
    Ticket,
    TicketEvent,
)
from cityhall.hotline.services import dispatch as dispatch_module  # noqa: E402
from cityhall.hotline.services import intake as intake_module  # noqa: E402
from cityhall.hotline.services.intake import TicketDraft, ticket_create  # noqa: E402
from cityhall.hotline.services.open311 import open311_client_create  # noqa: E402
from cityhall.identity.demo import demo_units_build  # noqa: E402

AIM_PER_SECOND = 300.0
AIM_YEAR_SECONDS = 1.0
SEED = 20260101
ROOT = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------------------------
# Figures


# --------------------------------------------------------------------------------------------
# Drafts: random points inside random grids, texts from the demo corpus


class Places:
    """Random points strictly inside the city's grids (each grid equally likely)."""

    def __init__(self) -> None:
        self.polygons = []
        for boundary in Grid.objects.order_by("code").values_list("boundary", flat=True):
            polygon = shape(boundary)
            shapely.prepare(polygon)
            self.polygons.append(polygon)

    def point(self, rng: random.Random) -> tuple[float, float]:
        polygon = rng.choice(self.polygons)
        min_x, min_y, max_x, max_y = polygon.bounds
        while True:
            x = round(rng.uniform(min_x, max_x), 6)
            y = round(rng.uniform(min_y, max_y), 6)
            if shapely.contains_xy(polygon, x, y):
                return y, x


def _drafts(n: int, seed: int) -> list[tuple[TicketDraft, str]]:
    """n phone-channel drafts without a category, with the corpus label of each text."""
    rng = random.Random(seed)
    places = Places()
    drafts = []
    for text, label, _kind in corpus(n, seed=seed):
        lat, lng = places.point(rng)
        phone = f"139{rng.randrange(10**8):08d}"
        draft = TicketDraft(
            description=text, channel=Channel.PHONE, lat=lat, lng=lng, reporter_phone=phone
        )
        drafts.append((draft, label))
    return drafts


def _intake_run(drafts: Sequence[tuple[TicketDraft, str]]) -> tuple[list[int], list[float]]:
    """ticket_create for each draft: (ticket ids, latencies in ms)."""
    ids, ms = [], []
    for draft, _label in drafts:
        started = time.perf_counter()
        ticket = ticket_create(draft=draft)
        ms.append((time.perf_counter() - started) * 1e3)
        ids.append(ticket.pk)
    return ids, ms


def _intake_check(ids: Sequence[int], labels: Sequence[str], what: str) -> None:
    """Every ticket exists, dispatched from the city centre with its receive and dispatch
    events; and how often the classifier agreed with the corpus label."""
    rows = dict(Ticket.objects.filter(pk__in=ids).values_list("pk", "status"))
    events = dict(
        TicketEvent.objects.filter(ticket_id__in=ids)
        .values_list("ticket_id")
        .annotate(n=Count("id"))
        .values_list("ticket_id", "n")
    )
    codes = dict(Ticket.objects.filter(pk__in=ids).values_list("pk", "category__code"))
    direct = set(
        Category.objects.filter(handler_level=HandlerLevel.HOTLINE).values_list("code", flat=True)
    )
    # Consultations are answered by the hotline itself (热线直办): received, not dispatched.
    expected = {
        pk: (Status.RECEIVED, 1) if codes.get(pk) in direct else (Status.DISPATCHED, 2)
        for pk in ids
    }
    dispatched = sum(1 for pk in ids if rows.get(pk) == expected[pk][0])
    with_events = sum(1 for pk in ids if events.get(pk) == expected[pk][1])
    agreed = sum(1 for pk, label in zip(ids, labels, strict=True) if codes.get(pk) == label)
    line(
        "  outcome checked",
        f"{dispatched:,}/{len(ids):,}",
        f"dispatched (or held for 热线直办), {with_events:,} with their events; "
        f"category = corpus label for {agreed / max(len(ids), 1):.1%}",
    )
    if len(rows) != len(ids) or dispatched != len(ids) or with_events != len(ids):
        statuses = Counter(rows.values())
        raise AssertionError(f"{what}: not every ticket was created and dispatched: {statuses}")


def _worker(
    number: int,
    database: str,
    drafts: list[tuple[TicketDraft, str]],
    barrier: Any,
    out: Any,
) -> None:
    """One intake process: its own connection, warmed up, then timed after the barrier."""
    connection.settings_dict["NAME"] = database
    _intake_run(drafts[:WORKER_WARM_UP])  # caches (classifier, grid index, calendar): untimed
    barrier.wait()
    started = time.monotonic()
    with CpuMeter() as cpu:
        ids, ms = _intake_run(drafts[WORKER_WARM_UP:])
    out.put((number, ids, ms, started, time.monotonic(), cpu.python, cpu.postgres))
    connections.close_all()


WORKER_WARM_UP = 20


def _part_intake(args: argparse.Namespace, database: str) -> float:
    """Part 1: intake through the service in one process, then in --workers processes (each
    freshly started, as a web worker would be); returns the best tickets/s."""
    print(
        f"\n1. intake in-process: {args.intake:,} drafts through ticket_create (classify, locate, "
        f"route, create, dispatch, tell), in 1 and in {args.workers} processes; "
        f"load average {load_average()}",
        flush=True,
    )
    one = _intake_processes(args, database, 1, None)
    best = one
    if args.workers > 1:
        best = max(best, _intake_processes(args, database, args.workers, one))
    _queries_per_ticket()
    _breakdown(300)
    if args.profile or best < AIM_PER_SECOND:
        _profile(300)
    return best


def _intake_processes(
    args: argparse.Namespace,
    database: str,
    workers: int,
    one: float | None,
) -> float:
    """--intake tickets split over `workers` processes started together; their tickets/s."""
    context = multiprocessing.get_context("spawn")
    per = args.intake // workers
    seed = SEED + 10 * workers
    chunks = [_drafts(per + WORKER_WARM_UP, seed=seed + n) for n in range(workers)]
    barrier = context.Barrier(workers)
    out = context.Queue()
    connections.close_all()  # nothing shared with the children
    processes = [
        context.Process(target=_worker, args=(n, database, chunks[n], barrier, out))
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    results = sorted(out.get(timeout=3600) for _process in processes)
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise AssertionError(f"an intake worker failed (exit code {process.exitcode})")
    ids = [pk for result in results for pk in result[1]]
    ms = [m for result in results for m in result[2]]
    labels = [label for chunk in chunks for _draft, label in chunk[WORKER_WARM_UP:]]
    wall = max(r[4] for r in results) - min(r[3] for r in results)
    rate = len(ids) / wall
    p = percentiles(ms)
    versus = f"; {rate / one:.2f}× one process" if one else ""
    line(
        f"  {workers} process{'es' if workers > 1 else ''}",
        f"{rate:,.1f} /s",
        f"p50 {p[50]:.1f} ms, p95 {p[95]:.1f} ms, p99 {p[99]:.1f} ms "
        f"({len(ids):,} tickets in {wall:.1f} s{versus})",
    )
    python = sum(r[5] for r in results) / len(ids) * 1e3
    postgres = [r[6] for r in results if r[6] is not None]
    cpu = f"Python {python:.1f} ms"
    if len(postgres) == len(results):
        cpu += f", PostgreSQL backend {sum(postgres) / len(ids) * 1e3:.1f} ms"
        total = python + sum(postgres) / len(ids) * 1e3
        cpu += f": at most {(os.cpu_count() or 1) * 1e3 / total:,.0f} /s on {os.cpu_count()} cores"
    line("  CPU per ticket", "", cpu)
    _intake_check(ids, labels, f"{workers} processes")
    return rate


def _queries_per_ticket(samples: int = 30) -> None:
    """The statements one ticket_create issues (over `samples` tickets), costliest first."""
    drafts = _drafts(samples + 10, seed=SEED + 3)
    _intake_run(drafts[:10])  # this process's caches: not counted
    drafts = drafts[10:]
    by_statement: dict[str, list[float]] = {}

    def capture(execute: Callable[..., Any], sql_text: str, *rest: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql_text, *rest)
        finally:
            ms = (time.perf_counter() - started) * 1e3
            by_statement.setdefault(statement_shape(sql_text), []).append(ms)

    started = time.perf_counter()
    with connection.execute_wrapper(capture):
        _intake_run(drafts)
    total = (time.perf_counter() - started) * 1e3 / samples
    count = sum(len(v) for v in by_statement.values()) / samples
    waiting = sum(sum(v) for v in by_statement.values()) / samples
    line(
        "  queries per ticket",
        f"{count:.1f}",
        f"{waiting:.2f} ms of {total:.2f} ms per ticket in round trips to PostgreSQL (wall "
        "time seen from Python); per ticket:",
    )
    for key, times in sorted(by_statement.items(), key=lambda kv: -sum(kv[1])):
        per = len(times) / samples
        print(f"      {per:5.2f}× {sum(times) / len(times):6.3f} ms  {key}")


# Where intake's time goes, measured by wrapping the functions ticket_create calls (no profiler,
# so the figures are real): (module, function, label). Nested ones are indented.
BREAKDOWN: tuple[tuple[Any, str, str], ...] = (
    (intake_module, "suggest", "classify: suggest()"),
    (intake_module, "_category", "category by code: _category()"),
    (intake_module, "known_citizen", "caller's account by phone: known_citizen()"),
    (intake_module, "place_resolve", "locate: place_resolve()"),
    (intake_module, "_receiving_centre", "receiving centre: _receiving_centre()"),
    (intake_module, "route_unit", "route: route_unit()"),
    (intake_module, "deadline_for", "deadline_for()"),
    (intake_module, "next_hop", "next hop: next_hop()"),
    (intake_module, "dispatch_record", "dispatch_record() (event, unit_tell)"),
    (dispatch_module, "unit_tell", "  unit_tell() (the unit's people, messages)"),
    (intake_module, "reporter_tell", "reporter_tell() (SMS text, on_commit)"),
)


def _breakdown(calls: int) -> None:
    """Wall time and queries per ticket in each step of ticket_create, over `calls` tickets."""
    drafts = _drafts(calls, seed=SEED + 5)
    _intake_run(drafts[:10])
    queries = [0]
    spent: dict[str, float] = dict.fromkeys((label for _m, _f, label in BREAKDOWN), 0.0)
    counted: dict[str, int] = dict.fromkeys(spent, 0)
    originals = []

    def count(execute: Callable[..., Any], *args: Any) -> Any:
        queries[0] += 1
        return execute(*args)

    def timed(label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            before, started = queries[0], time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - started
                counted[label] += queries[0] - before

        return wrapper

    for module, name, label in BREAKDOWN:
        if hasattr(module, name):
            originals.append((module, name, getattr(module, name)))
            setattr(module, name, timed(label, getattr(module, name)))
    try:
        with connection.execute_wrapper(count):
            started = time.perf_counter()
            _intake_run(drafts[10:])
            total = time.perf_counter() - started
    finally:
        for module, name, function in originals:
            setattr(module, name, function)
    n = len(drafts) - 10
    print(f"  where a ticket's {total / n * 1e3:.2f} ms and {queries[0] / n:.1f} queries go:")
    top = [label for label in spent if not label.startswith(" ")]
    for label in spent:
        print(f"    {label:<52}{spent[label] / n * 1e3:7.2f} ms {counted[label] / n:5.1f} queries")
    rest = total - sum(spent[label] for label in top)
    rest_queries = queries[0] - sum(counted[label] for label in top)
    print(
        f"    {'the rest: checks, INSERT ticket + event, UPDATE, COMMIT':<52}"
        f"{rest / n * 1e3:7.2f} ms {rest_queries / n:5.1f} queries"
    )


def _profile(calls: int) -> None:
    """cProfile of `calls` ticket_create calls: which Python functions spend the time."""
    drafts = _drafts(calls, seed=SEED + 4)
    profiler = cProfile.Profile()
    profiler.enable()
    _intake_run(drafts)
    profiler.disable()
    for order, lines in (("tottime", 25), ("cumulative", 40)):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(lines)
        print(f"\n  cProfile of {calls} ticket_create calls by {order} (with the profiler's cost):")
        print("\n".join("    " + line for line in out.getvalue().splitlines()[4:] if line.strip()))


# --------------------------------------------------------------------------------------------
# Part 2: Open311 over HTTP


def _server_start(database_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    """`manage.py serve` on the bench database; returns once it answers."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],
        "DJANGO_DEBUG": "false",
        "CITYHALL_PUBLIC_URL": f"http://127.0.0.1:{port}",
        # The periodic sweeps would run in the server: keep them out of the measurement.
        "CITYHALL_HOTLINE_SWEEP_SECONDS": "86400",
        "CITYHALL_SUPERVISION_SWEEP_SECONDS": "86400",
    }
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/open311/v2/discovery.json"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited; see {log}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError(f"the server did not answer within 90 s; see {log}")


def _post(url: str, form: dict[str, str]) -> tuple[int, bytes, float]:
    body = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1
        url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            status, content = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, content = error.code, error.read()
    return status, content, (time.perf_counter() - started) * 1e3


def _forms(n: int, key: str, seed: int) -> list[dict[str, str]]:
    forms = []
    for draft, label in _drafts(n, seed=seed):
        forms.append(
            {
                "api_key": key,
                "service_code": label,
                "description": draft.description,
                "lat": f"{draft.lat:.6f}",
                "long": f"{draft.lng:.6f}",
                "phone": draft.reporter_phone,
                "first_name": "小明",
                "last_name": "陈",
            }
        )
    return forms


def _part_http(args: argparse.Namespace, database_url: str, work: Path) -> dict[int, float]:
    """Part 2: Open311 POSTs through the real server; their latency percentiles."""
    _client, key = open311_client_create(name="benchmark")
    port = free_port()
    log = work / "serve.log"
    print(
        f"\n2. intake over HTTP: {args.http:,} form-encoded POSTs to /open311/v2/requests.json "
        f"(api_key) from {args.clients} client threads, to `manage.py serve` on port {port} "
        f"(Django's threaded server, one process); load average {load_average()}",
        flush=True,
    )
    connections.close_all()
    server = _server_start(database_url, port, log)
    url = f"http://127.0.0.1:{port}/open311/v2/requests.json"
    try:
        for form in _forms(20, key, SEED + 5):  # warm-up: imports, caches, the model
            status, content, _ms = _post(url, form)
            if status != 200:
                raise AssertionError(f"warm-up POST answered {status}: {content[:300]!r}")
        forms = _forms(args.http, key, SEED + 6)
        results: list[tuple[int, bytes, float]] = []
        lock = threading.Lock()
        queue = list(reversed(forms))

        def client() -> None:
            while True:
                with lock:
                    if not queue:
                        return
                    form = queue.pop()
                answer = _post(url, form)
                with lock:
                    results.append(answer)

        threads = [threading.Thread(target=client) for _n in range(args.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    bad = Counter(status for status, _content, _ms in results if status != 200)
    numbers = []
    for status, content, _ms in results:
        if status == 200:
            numbers.append(json.loads(content)[0]["service_request_id"])
    ms = [m for _status, _content, m in results]
    p = percentiles(ms)
    line(
        "  Open311 POST",
        f"p50 {p[50]:.1f} ms",
        f"p95 {p[95]:.1f} ms, p99 {p[99]:.1f} ms; {len(results) / seconds:,.1f} requests/s "
        f"({len(results):,} in {seconds:.1f} s)",
    )
    # Dispatched, or (consultations) held at the centre that answers them itself.
    dispatched = (
        Ticket.objects.filter(tracking_number__in=numbers, channel=Channel.OPEN311)
        .filter(
            Q(status=Status.DISPATCHED)
            | Q(status=Status.RECEIVED, category__handler_level=HandlerLevel.HOTLINE)
        )
        .count()
    )
    line(
        "  outcome checked",
        f"{dispatched:,}/{args.http:,}",
        f"tickets found dispatched (or held for 热线直办) by their tracking numbers; "
        f"answers other than 200: "
        f"{dict(bad) or 'none'}",
    )
    if bad or dispatched != args.http or len(set(numbers)) != args.http:
        raise AssertionError(f"HTTP intake: not every request made a dispatched ticket ({log})")
    return p


# --------------------------------------------------------------------------------------------
# Part 3: hotspots


def _timed_hotspots(**kwargs: Any) -> tuple[float, list[analysis.Hotspot]]:
    started = time.perf_counter()
    found = analysis.hotspots(**kwargs)
    return time.perf_counter() - started, found


def _part_hotspots(end: date) -> dict[str, tuple[float, float]]:
    """Part 3: hotspot queries for a month and a year; (cold, warm median) seconds each."""
    year = {"start": end - timedelta(days=364), "end": end}
    month = {"start": end - timedelta(days=29), "end": end}
    print(
        f"\n3. hotspots (analysis.hotspots, top 20 grids); load average {load_average()}",
        flush=True,
    )
    _seconds, top = _timed_hotspots(**year)
    busiest = (
        Ticket.objects.filter(grid_code=top[0].grid_code)
        .values_list("category__code")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    category = busiest[0] if busiest else None
    figures: dict[str, tuple[float, float]] = {}
    for label, period, code in (
        ("month, all categories", month, None),
        ("year, all categories", year, None),
        (f"month, {category}", month, category),
        (f"year, {category}", year, category),
    ):
        connections.close_all()  # a fresh connection: nothing cached on the Django side
        cold, found = _timed_hotspots(**period, category_code=code)
        warm = [_timed_hotspots(**period, category_code=code)[0] for _run in range(5)]
        figures[label] = (cold, statistics.median(warm))
        tickets = Ticket.objects.filter(
            received_at__gte=analysis.period_bounds(**period)[0],
            received_at__lt=analysis.period_bounds(**period)[1],
        )
        if code:
            tickets = tickets.filter(category__code=code)
        mean = tickets.count() / Grid.objects.count()
        ratio = found[0].count / mean if found and mean else 0.0
        line(
            f"  {label}",
            f"{statistics.median(warm) * 1e3:,.0f} ms",
            f"warm median of 5; first call {cold * 1e3:,.0f} ms; top grid {found[0].grid_code} "
            f"{found[0].street_name} {found[0].count:,} tickets = {ratio:.0f}× the mean grid",
        )
        if ratio < 3:
            raise AssertionError(f"hotspots {label}: the top grid is not a hotspot ({ratio:.1f}×)")
    _explain(year)
    return figures


def _explain(period: dict[str, date]) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the year's aggregate, as hotspots() sends it."""
    captured: list[tuple[str, Any]] = []

    def capture(execute: Callable[..., Any], sql_text: str, params: Any, *rest: Any) -> Any:
        captured.append((sql_text, params))
        return execute(sql_text, params, *rest)

    with connection.execute_wrapper(capture):
        analysis.hotspots(start=period["start"], end=period["end"])
    statement, params = next(c for c in captured if "GROUP BY" in c[0])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
        plan = [row[0] for row in cursor.fetchall()]
    print("  EXPLAIN (ANALYZE, BUFFERS) of the year query:")
    for row in plan:
        print("    " + row)


# --------------------------------------------------------------------------------------------
# Set-up and summary


def _prepare(args: argparse.Namespace) -> date:
    """Migrate, lay out the city and its units, load the history, train the classifier."""
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    demo_layout_build(communities_per_street=4, grids_per_community=3)
    units = demo_units_build()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
    line(
        "database ready",
        f"{time.perf_counter() - started:.1f} s",
        f"({connection.settings_dict['NAME']}, PostgreSQL {version}, {os.cpu_count()} CPUs; "
        f"{Grid.objects.count():,} grids, {units} units)",
    )
    end = timezone.localdate() - timedelta(days=1)
    started = time.perf_counter()
    loaded = history_build(count=args.tickets, seed=SEED, end=end, days=365, events=False)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE hotline_ticket")
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('hotline_ticket'))")
        size = cursor.fetchone()[0]
    vacuum = time.perf_counter() - started
    if Ticket.objects.count() != loaded or loaded != args.tickets:
        raise AssertionError(f"history: {loaded} loaded, {Ticket.objects.count()} in the table")
    line(
        "history loaded",
        f"{seconds:,.1f} s",
        f"{loaded:,} tickets over {end - timedelta(days=364)} … {end} "
        f"({loaded / seconds:,.0f} /s; table with indexes {size}; VACUUM ANALYZE {vacuum:.1f} s)",
    )
    statuses = Counter(dict(Ticket.objects.values_list("status").annotate(n=Count("id"))))
    line("  statuses", "", ", ".join(f"{k} {v:,}" for k, v in statuses.most_common()))
    shares = Ticket.objects.aggregate(
        resolved=Count("id", filter=Q(resolved_at__isnull=False)),
        on_time=Count("id", filter=Q(resolved_at__lte=F("deadline"))),
        rated=Count("id", filter=~Q(satisfaction="")),
        satisfied=Count("id", filter=Q(satisfaction__in=["satisfied", "basic"])),
        corrected=Count("id", filter=~Q(suggested_category=F("category__code"))),
        returned=Count("id", filter=Q(return_count__gt=0)),
        reopened=Count("id", filter=Q(reopen_count__gt=0)),
    )
    line(
        "  shares",
        "",
        f"on time {shares['on_time'] / shares['resolved']:.1%} of resolved; satisfied or basic "
        f"{shares['satisfied'] / shares['rated']:.1%} of rated; re-dispatched (category "
        f"corrected) {shares['corrected'] / loaded:.1%}; returned {shares['returned'] / loaded:.1%}"
        f"; reopened {shares['reopened'] / loaded:.1%}",
    )
    if args.train:
        started = time.perf_counter()
        samples = training.training_samples(limit=args.train)
        model = training.classifier_train(samples=samples)
        line(
            "classifier trained",
            f"{time.perf_counter() - started:.1f} s",
            f"on {model.samples:,} finished tickets: held-out accuracy {model.accuracy:.1%}, "
            f"top-3 {model.top3_accuracy:.1%} (keyword baseline {model.baseline_accuracy:.1%})",
        )
    args.load_seconds = seconds
    return end


def _summary(args: argparse.Namespace, figures: dict[str, Any]) -> bool:
    print("\nsummary" + " " * 27 + "figure        aim        ratio")
    met = True

    def row(label: str, value: float, unit: str, aim: float | None, higher: bool) -> None:
        nonlocal met
        if aim is None:
            print(f"  {label:<32}{value:>10,.1f} {unit:<6}")
            return
        ratio = value / aim
        ok = ratio >= 1 if higher else ratio <= 1
        met = met and ok
        sign = "≥" if higher else "<"
        print(
            f"  {label:<32}{value:>10,.1f} {unit:<6}{sign} {aim:>6,.0f} {unit:<4} {ratio:>5.2f}× "
            f"{'met' if ok else 'NOT MET'}"
        )

    if args.load_seconds is not None:
        row(f"load {args.tickets:,} tickets", args.load_seconds, "s", None, True)
    if "intake" in figures:
        row("intake, best (tickets/s)", figures["intake"], "/s", AIM_PER_SECOND, True)
    if "http" in figures:
        row("Open311 POST p50", figures["http"][50], "ms", None, True)
        row("Open311 POST p95", figures["http"][95], "ms", None, True)
    for label, (cold, warm) in figures.get("hotspots", {}).items():
        aim = AIM_YEAR_SECONDS * 1e3 if label.startswith("year") else None
        row(f"hotspots {label}, warm", warm * 1e3, "ms", aim, False)
        row(f"hotspots {label}, first", cold * 1e3, "ms", aim, False)
    return met


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tickets", type=int, default=1_000_000, help="historical tickets")
    parser.add_argument("--intake", type=int, default=3_000, help="tickets through ticket_create")
    parser.add_argument("--workers", type=int, default=2, help="intake processes")
    parser.add_argument("--http", type=int, default=1_000, help="Open311 POSTs (0: skip)")
    parser.add_argument("--clients", type=int, default=3, help="HTTP client threads")
    parser.add_argument("--train", type=int, default=30_000, help="classifier training samples")
    parser.add_argument("--database", default="", help="scratch database (from DATABASE_URL)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--profile", action="store_true", help="cProfile intake in any case")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure on the database an earlier --keep run loaded (implies --keep)",
    )
    args = parser.parse_args(argv)

    if connection.vendor != "postgresql":
        print("this benchmark needs PostgreSQL (DATABASE_URL=postgres://…)", file=sys.stderr)
        return 2
    scratch = scratch_database(args.database, "bench_hotline")
    if scratch is None:
        return 2
    base_url, name = scratch
    if args.reuse:
        args.keep, args.load_seconds = True, None
        end = timezone.localdate() - timedelta(days=1)
    else:
        database_recreate(base_url, name)
    figures: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench_hotline_") as work:
            if not args.reuse:
                end = _prepare(args)
            if args.intake:
                figures["intake"] = _part_intake(args, name)
            if args.http:
                figures["http"] = _part_http(args, f"{base_url}/{name}", Path(work))
            figures["hotspots"] = _part_hotspots(end)
            line("\nload average at the end", load_average(), "(1, 5, 15 min)")
            met = _summary(args, figures)
            print(f"\n(settings {settings.SETTINGS_MODULE}; DEBUG {settings.DEBUG})")
            return 0 if met else 1
    finally:
        connections.close_all()
        if not args.keep:
            database_recreate(base_url, name, drop_only=True)


if __name__ == "__main__":
    sys.exit(main())
