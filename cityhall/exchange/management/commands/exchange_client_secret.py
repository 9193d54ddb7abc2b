"""Issue a new secret for a client system from the command line (operators, demo)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityhall.core.errors import DomainError
from cityhall.exchange.models import ClientSystem
from cityhall.exchange.services.clients import secret_rotate


class Command(BaseCommand):
    help = (
        "Print a new client secret for a department system; older secrets keep working for "
        "--overlap-hours (default 24) so the system can switch without downtime."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("client_id")
        parser.add_argument("--overlap-hours", type=int, default=24)

    def handle(self, *args: Any, **options: Any) -> None:
        client = ClientSystem.objects.filter(client_id=options["client_id"]).first()
        if client is None:
            raise CommandError(f"no client system {options['client_id']!r}")
        try:
            issued = secret_rotate(
                client=client, overlap_hours=options["overlap_hours"], actor=None
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"client_id     {client.client_id}")
        self.stdout.write(f"client_secret {issued.secret}")
        self.stdout.write("(shown once; only its hash is stored)")
