"""Serve the product on one machine: the web server plus, in embedded mode, the periodic jobs."""

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from cityhall.core.background import embedded_beat_start


class Command(BaseCommand):
    help = "Run the web server; in embedded mode also fire the periodic jobs in-process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.CITYHALL_EMBEDDED_TASKS:
            embedded_beat_start()
            self.stdout.write(
                "embedded mode: periodic jobs run in this process (Celery beat thread)"
            )
        else:
            self.stdout.write("broker mode: run `celery -A config worker -B` for background jobs")
        # No autoreloader: it would fork a child and start a second beat thread.
        call_command(
            "runserver",
            f"{options['host']}:{options['port']}",
            use_reloader=False,
            use_threading=True,
        )
