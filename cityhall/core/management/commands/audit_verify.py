from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cityhall.core.audit import audit_verify


class Command(BaseCommand):
    help = "Walk the audit hash chain and name the first altered or missing entry."

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify()
        if not report.ok:
            raise CommandError(
                f"audit chain broken at entry #{report.first_bad_seq}: {report.problem} "
                f"({report.checked} entries verified before it)"
            )
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {report.checked} entries"))
