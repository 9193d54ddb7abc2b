"""Write or check the committed OpenAPI schema (docs/openapi.json) of /api/v1/."""

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.api import api

SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "openapi.json"


def schema_text() -> str:
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Write docs/openapi.json (--write) or fail if it differs from the code (--check)."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--write", action="store_true")
        group.add_argument("--check", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        current = schema_text()
        if options["write"]:
            SCHEMA_PATH.write_text(current, encoding="utf-8")
            self.stdout.write(f"wrote {SCHEMA_PATH}")
            return
        committed = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
        if committed != current:
            raise CommandError(
                "docs/openapi.json is out of date with the API; run `make openapi` and commit it"
            )
        self.stdout.write(self.style.SUCCESS("OpenAPI schema matches docs/openapi.json"))
