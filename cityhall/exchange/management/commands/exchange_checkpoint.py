"""Sign a checkpoint of the access log's tip now (the periodic task does this every few minutes)."""

from typing import Any

from django.core.management.base import BaseCommand

from cityhall.exchange.services.log import checkpoint_sign


class Command(BaseCommand):
    help = "Sign a checkpoint of the access log if entries were added since the last one."

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = checkpoint_sign()
        if checkpoint is None:
            self.stdout.write("no new entries since the last checkpoint")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"checkpoint #{checkpoint.seq} {checkpoint.hash} signed by key {checkpoint.key_id}"
            )
        )
