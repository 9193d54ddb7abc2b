"""Benchmark: locate a point in a grid at city scale (≥ 10,000 grids), against a naive scan.

Run from the project root:

    .venv/bin/python -m benchmarks.bench_locate [--communities 8] [--grids 8] [--calls 20000]

It uses `config.settings.test` (unless DJANGO_SETTINGS_MODULE says otherwise) and creates a
throwaway test database with Django's test machinery: in-memory SQLite by default, or a test
database on the server named by DATABASE_URL. Migrations load the real divisions; the demo layout
service then draws communities × grids for every one of the 177 streets (8 × 8 by default:
11,328 grids). The timed calls go through `cityhall.geo.selectors.locate`, the code path of the
API and the pages, and return the full grid → community → street → district answer. The naive
baseline tests every polygon in turn; it is timed on fewer points and extrapolated.
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Sequence

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402
from shapely.geometry import shape  # noqa: E402

from cityhall.geo.models import Division, Grid  # noqa: E402
from cityhall.geo.selectors import CITY_CODE, LocateResult, locate  # noqa: E402
from cityhall.geo.services import demo_layout_build  # noqa: E402

TARGET_MICROSECONDS = 1000.0


def _naive_locate(
    polygons: Sequence[shapely.Geometry], codes: Sequence[str], lat: float, lng: float
) -> str | None:
    """Every polygon in code order until one holds the point: what no index looks like."""
    point = shapely.Point(lng, lat)
    for polygon, code in zip(polygons, codes, strict=True):
        if polygon.intersects(point):
            return code
    return None


def _run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    report = demo_layout_build(
        communities_per_street=args.communities, grids_per_community=args.grids
    )
    build_seconds = time.perf_counter() - started
    grid_count = Grid.objects.count()
    print(
        f"grids:              {grid_count:>10,}  (layout built in {build_seconds:.1f} s, "
        f"{report.grids_created:,} created)"
    )
    if grid_count < 10_000:
        print("warning: fewer than 10,000 grids; raise --communities or --grids")

    city = Division.objects.get(code=CITY_CODE)
    min_lng, min_lat, max_lng, max_lat = shape(city.boundary).bounds
    rng = np.random.default_rng(args.seed)
    lats = rng.uniform(min_lat, max_lat, args.calls).tolist()
    lngs = rng.uniform(min_lng, max_lng, args.calls).tolist()

    started = time.perf_counter()
    locate(lat=lats[0], lng=lngs[0])  # the first call builds the process's index
    index_seconds = time.perf_counter() - started

    answers: list[LocateResult] = []
    durations_ns = []
    clock = time.perf_counter_ns
    loop_started = clock()
    for lat, lng in zip(lats, lngs, strict=True):
        t0 = clock()
        answers.append(locate(lat=lat, lng=lng))
        durations_ns.append(clock() - t0)
    loop_seconds = (clock() - loop_started) / 1e9

    inside = [a for a in answers if a.inside]
    incomplete = [a for a in inside if not (a.grid_code and a.street_code and a.district_code)]
    micros = [d / 1000 for d in durations_ns]
    mean_us = statistics.fmean(micros)
    p50_us, p99_us = np.percentile(micros, [50, 99])
    print(
        f"calls:              {args.calls:>10,}  (random points in the city's bounding box; "
        f"{len(inside) / len(answers):.1%} inside a grid)"
    )
    print(f"index build:        {index_seconds * 1000:>10.1f} ms (first call, once per process)")
    print(f"calls/s:            {args.calls / loop_seconds:>10,.0f}")
    print(f"mean:               {mean_us:>10.1f} µs/call")
    print(f"p50:                {p50_us:>10.1f} µs")
    print(f"p99:                {p99_us:>10.1f} µs")

    grids = list(Grid.objects.order_by("code").values_list("code", "boundary"))
    codes = [code for code, _ in grids]
    polygons = [shape(boundary) for _, boundary in grids]
    naive_points = list(zip(lats, lngs, strict=True))[: args.naive_calls]
    started = time.perf_counter()
    naive_codes = [_naive_locate(polygons, codes, lat, lng) for lat, lng in naive_points]
    naive_seconds = time.perf_counter() - started
    naive_us = naive_seconds / len(naive_points) * 1e6
    mismatches = sum(
        naive != answer.grid_code
        for naive, answer in zip(naive_codes, answers[: len(naive_points)], strict=True)
    )
    print(
        f"naive linear scan:  {naive_us:>10.1f} µs/call, timed on {len(naive_points)} points "
        f"and extrapolated: {args.calls:,} calls would take {naive_us * args.calls / 1e6:.1f} s "
        f"(indexed: {loop_seconds:.2f} s)"
    )
    print(f"speed-up vs naive:  {naive_us / mean_us:>10.0f}×")

    ok = mean_us < TARGET_MICROSECONDS and not mismatches and not incomplete
    print(
        f"answers agree with the naive scan on {len(naive_points) - mismatches}"
        f"/{len(naive_points)} points; {len(incomplete)} inside answers lack part of the chain"
    )
    print(f"target mean < {TARGET_MICROSECONDS:.0f} µs/call: {'met' if ok else 'NOT MET'}")
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--communities", type=int, default=8, help="communities per street")
    parser.add_argument("--grids", type=int, default=8, help="grids per community")
    parser.add_argument("--calls", type=int, default=20_000, help="timed locate() calls")
    parser.add_argument("--naive-calls", type=int, default=100, help="points for the naive scan")
    parser.add_argument("--seed", type=int, default=2260, help="seed of the random points")
    args = parser.parse_args(argv)

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        return _run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    sys.exit(main())
