"""Compile locale/*.po to .mo with polib, so a fresh machine needs no gettext tools."""

from pathlib import Path
from typing import Any

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the project's translation catalogues (.po → .mo)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        app_locales = [Path(cfg.path) / "locale" for cfg in apps.get_app_configs()]
        project_apps = [
            p for p in app_locales if str(p).startswith(str(settings.BASE_DIR / "cityhall"))
        ]
        for locale_dir in [*settings.LOCALE_PATHS, *project_apps]:
            for po_path in Path(locale_dir).glob("*/LC_MESSAGES/*.po"):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
                count += 1
        self.stdout.write(f"compiled {count} catalogue(s)")
