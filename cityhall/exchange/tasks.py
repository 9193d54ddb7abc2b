"""Thin Celery tasks over the exchange's services: access-log checkpoints, monthly cross-checks."""

import logging

from celery import shared_task

from cityhall.exchange.models import ClientSystem, CrossCheckRun
from cityhall.exchange.services.crosschecks import crosscheck_run, previous_month
from cityhall.exchange.services.log import checkpoint_sign
from cityhall.exchange.vocab import CrossCheckRule, RunStatus

logger = logging.getLogger(__name__)

# The system each rule runs as. Its department needs the grants the rule reads (see
# services.crosschecks.RULES); register the systems and ask for the grants before the first run.
CROSSCHECK_CLIENTS: dict[str, str] = {
    CrossCheckRule.UNEMPLOYMENT_WHILE_EMPLOYED: "440100-sb-crosscheck",
    CrossCheckRule.CONTRIBUTION_ARREARS: "440100-sb-crosscheck",
    CrossCheckRule.DECEASED_RECEIVING: "440100-mz-crosscheck",
}


@shared_task(name="cityhall.exchange.tasks.crosschecks_run_all")
def crosschecks_run_all() -> dict[str, str]:
    """Every rule for the previous month. A rule already run successfully for that month is
    skipped, so a repeated or redelivered task reads nobody's data twice."""
    period = previous_month()
    outcome: dict[str, str] = {}
    for rule, client_id in CROSSCHECK_CLIENTS.items():
        if CrossCheckRun.objects.filter(
            rule=rule, period=period, status=RunStatus.SUCCEEDED
        ).exists():
            outcome[rule] = "done"
            continue
        client = (
            ClientSystem.objects.select_related("department").filter(client_id=client_id).first()
        )
        if client is None:
            logger.warning("cross-check %s skipped: no client system %r", rule, client_id)
            outcome[rule] = "skipped"
            continue
        outcome[rule] = crosscheck_run(rule=rule, period=period, client=client).status
    return outcome


@shared_task(name="cityhall.exchange.tasks.access_log_checkpoint")
def access_log_checkpoint() -> int | None:
    """Sign the access log's tip if it moved (idempotent: nothing new, nothing signed)."""
    checkpoint = checkpoint_sign()
    return checkpoint.seq if checkpoint is not None else None
