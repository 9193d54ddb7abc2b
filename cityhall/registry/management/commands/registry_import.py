"""Import a registry file (docs/registry-files.md): upsert by key, bad rows to a rejects file."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityhall.core.errors import DomainError
from cityhall.identity.models import OrgUnit
from cityhall.registry.services.imports import (
    CHUNK_ROWS,
    KINDS,
    ImportProgress,
    registry_import,
)


class Command(BaseCommand):
    help = (
        "Import houses, persons, companies or a link file (ownerships, residences, rentals, "
        "employment, contributions, benefits) supplied by one organisation unit. Safe to run "
        "again: rows are upserted by key and unchanged rows are left alone. Bad rows are written "
        "to FILE.rejects.csv with their line number and the broken rule."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("path", type=Path, help="CSV file, UTF-8")
        parser.add_argument("--source", required=True, help="code of the supplying OrgUnit")
        parser.add_argument("--rejects", type=Path, help="default: FILE.rejects.csv")
        parser.add_argument(
            "--progress",
            action="store_true",
            help="show progress on stderr even when it is not a terminal",
        )
        parser.add_argument("--chunk-rows", type=int, default=CHUNK_ROWS)
        parser.add_argument(
            "--workers", type=int, help="cleaning processes (default: one per core for big files)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = OrgUnit.objects.filter(code=options["source"]).first()
        if source is None:
            raise CommandError(f"no organisation unit with code {options['source']!r}")
        show = options["progress"] or self.stderr.isatty()
        try:
            report = registry_import(
                kind=options["kind"],
                path=options["path"],
                source=source,
                rejects_path=options["rejects"],
                progress=self._show_progress if show else None,
                chunk_rows=options["chunk_rows"],
                workers=options["workers"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        finally:
            if show:
                self.stderr.write("")
        style = self.style.SUCCESS if not report.rejected else self.style.WARNING
        self.stdout.write(
            style(
                f"{report.kind}: read {report.read:,}, inserted {report.inserted:,}, "
                f"updated {report.updated:,}, unchanged {report.unchanged:,}, "
                f"rejected {report.rejected:,} in {report.seconds:.1f} s "
                f"({report.rows_per_second:,.0f} rows/s), batch {report.batch}"
            )
        )
        self.stdout.write(f"rejects: {report.rejects_path}")

    def _show_progress(self, progress: ImportProgress) -> None:
        self.stderr.write(
            f"\r{progress.read:>12,} rows  {progress.rows_per_second:>9,.0f} rows/s  "
            f"{progress.rejected:>9,} rejected",
            ending="",
        )
        self.stderr.flush()
