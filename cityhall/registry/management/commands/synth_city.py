"""Write a synthetic Guangzhou as registry CSV files (for the demo and for benchmarks)."""

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityhall.core.errors import DomainError
from cityhall.registry.synth import DEFAULT_MONTHS, DEFAULT_SEED, FILES, city_write


class Command(BaseCommand):
    help = (
        "Generate a synthetic city (houses, persons, companies, their links and benefits) as the "
        "CSV files of docs/registry-files.md, placed in the grids of the database, with a few "
        "planted cases for the cross-checks to find. The same options (including --as-of) give "
        "byte-identical files."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True, help="directory for the files")
        parser.add_argument("--persons", type=int, required=True)
        parser.add_argument("--companies", type=int, required=True)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--months", type=int, default=DEFAULT_MONTHS, help="months of contributions"
        )
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=None,
            help="the day the data describe, YYYY-MM-DD (default: today)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = city_write(
                out_dir=options["out"],
                persons=options["persons"],
                companies=options["companies"],
                seed=options["seed"],
                months=options["months"],
                as_of=options["as_of"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for name in FILES:
            self.stdout.write(f"{name + '.csv':<18} {report.rows[name]:>12,} rows")
        for case, count in report.planted.items():
            self.stdout.write(f"planted {case:<30} {count:>6,}")
        self.stdout.write(
            self.style.SUCCESS(
                f"wrote {report.out_dir} in {report.seconds:.2f} s "
                f"({report.persons_per_second:,.0f} persons/s)"
            )
        )
