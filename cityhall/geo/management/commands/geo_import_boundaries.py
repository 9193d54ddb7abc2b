"""Import real street, community or grid boundaries from a GeoJSON FeatureCollection file."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityhall.core.errors import DomainError
from cityhall.geo.services import IMPORT_LEVELS, boundaries_import


class Command(BaseCommand):
    help = (
        "Create or update streets, communities or grids from a GeoJSON FeatureCollection (WGS84). "
        "Each feature has properties code, name and (for new records) parent_code. "
        "The whole file is imported or, at the first bad feature, none of it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="GeoJSON file (UTF-8)")
        parser.add_argument("--level", required=True, choices=IMPORT_LEVELS)
        parser.add_argument(
            "--source",
            default="",
            help="Provenance recorded on each boundary (default: the file name)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{path} is not UTF-8 JSON: {exc}") from exc
        try:
            report = boundaries_import(
                feature_collection=data,
                level=options["level"],
                source=options["source"] or f"GeoJSON 导入：{path.name}",
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.level}: {len(report.created)} created, {len(report.updated)} updated"
            )
        )
