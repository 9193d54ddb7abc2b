"""Run every benchmark in one go: `python -m benchmarks` (or `make bench`)."""

import sys

from benchmarks import bench_locate

BENCHMARKS = [bench_locate.main]


def main() -> int:
    status = 0
    for bench in BENCHMARKS:
        status |= bench([])
    return status


if __name__ == "__main__":
    sys.exit(main())
