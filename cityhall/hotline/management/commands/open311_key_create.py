"""Issue an Open311 API key to an outside system; the key is printed once and never stored."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityhall.core.errors import DomainError
from cityhall.hotline.services.open311 import open311_client_create


class Command(BaseCommand):
    help = (
        "Register an Open311 client and print its API key. Only a hash is kept: copy the key "
        "now, it cannot be shown again (issue a new one if it is lost)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="who the key is for, e.g. the app")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            client, key = open311_client_create(name=options["name"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"client: {client.name} (id {client.pk}, prefix {client.key_prefix})")
        self.stdout.write(f"api_key: {key}")
        self.stdout.write(self.style.WARNING("This key is shown once; store it now."))
