"""Verify the exchange access log: the whole chain and its signed checkpoints, or one entry."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityhall.exchange.services.log import entry_prove, log_verify


class Command(BaseCommand):
    help = (
        "Walk the access-log chain and check every signed checkpoint; with --entry N prove one "
        "entry untouched between the signed checkpoints around it. Exits non-zero and names "
        "the first broken entry if anything was altered, removed or inserted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entry", type=int, help="prove only this entry (its seq)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["entry"] is not None:
            proof = entry_prove(options["entry"])
            if not proof.ok:
                raise CommandError(f"entry #{proof.seq}: NOT proven: {proof.problem}")
            sealed = (
                f"sealed by signed checkpoint #{proof.to_checkpoint}"
                if proof.to_checkpoint is not None
                else "not yet covered by a checkpoint (checked up to the chain head)"
            )
            start = f"checkpoint #{proof.from_checkpoint}" if proof.from_checkpoint else "the start"
            self.stdout.write(
                self.style.SUCCESS(
                    f"entry #{proof.seq} is intact: chain checked from {start}, {sealed}"
                )
            )
            return
        report = log_verify()
        if not report.ok:
            raise CommandError(
                f"access log BROKEN at entry #{report.first_bad_seq}: {report.problem} "
                f"({report.checked} entries checked before it)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"access log intact: {report.checked} entries, "
                f"{report.checkpoints} signed checkpoints verified"
            )
        )
