"""Run cross-checks (比对) for one month with one client system and print how each went."""

import re
import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cityhall.core.errors import DomainError
from cityhall.exchange.models import ClientSystem
from cityhall.exchange.services.crosschecks import crosscheck_run, previous_month
from cityhall.exchange.vocab import CrossCheckRule, RunStatus

PERIOD = re.compile(r"(\d{4})-(\d{2})")


def _period(text: str | None) -> date:
    if not text:
        return previous_month()
    match = PERIOD.fullmatch(text.strip())
    if match is None or not 1 <= int(match[2]) <= 12:
        raise CommandError(_("比对月份格式应为 YYYY-MM，例如 2026-10"))
    return date(int(match[1]), int(match[2]), 1)


class Command(BaseCommand):
    help = (
        "Run the cross-checks for a month (default: every rule, the previous month) as the "
        "given client system; print status, matches, new findings and seconds per rule."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rule", choices=CrossCheckRule.values, help="only this rule")
        parser.add_argument("--period", metavar="YYYY-MM", help="the month (default: last month)")
        parser.add_argument(
            "--client", required=True, metavar="CLIENT_ID", help="the system that runs the checks"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        period = _period(options["period"])
        client = (
            ClientSystem.objects.select_related("department")
            .filter(client_id=options["client"])
            .first()
        )
        if client is None:
            raise CommandError(_("没有接入系统“%(id)s”") % {"id": options["client"]})
        rules = [options["rule"]] if options["rule"] else list(CrossCheckRule.values)
        failed = 0
        for rule in rules:
            started = time.perf_counter()
            try:
                run = crosscheck_run(rule=rule, period=period, client=client)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            seconds = time.perf_counter() - started
            line = _(
                "%(rule)s %(period)s：%(status)s，匹配 %(total)d，新线索 %(new)d，用时 %(s).1f 秒"
            ) % {
                "rule": rule,
                "period": f"{period:%Y-%m}",
                "status": run.get_status_display(),
                "total": run.findings_total,
                "new": run.findings_new,
                "s": seconds,
            }
            if run.status == RunStatus.FAILED:
                failed += 1
                self.stderr.write(f"{line} — {run.error}")
            else:
                self.stdout.write(line)
        if failed:
            raise CommandError(
                _("%(failed)d 项比对失败（共 %(n)d 项）") % {"failed": failed, "n": len(rules)}
            )
