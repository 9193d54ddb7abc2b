"""Deadlines: yellow and red warnings, automatic 催办 before the deadline and 督办 after it.

`deadline_sweep` is run by the periodic job (Celery beat in production, the embedded beat
thread under `make run`); it is idempotent, so it may run as often as the schedule likes.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.hotline.models import OPEN_STATUSES, Escalation, EscalationKind, Ticket
from cityhall.hotline.services.dispatch import supervision_raise
from cityhall.hotline.services.notices import unit_tell
from cityhall.hotline.transitions import event_record

GREEN, YELLOW, RED = "green", "yellow", "red"


def warning_level(ticket: Ticket, *, now: datetime | None = None) -> str:
    """Red past the deadline; yellow once the configured share of the time is used."""
    now = now or timezone.now()
    if now > ticket.deadline:
        return RED
    share = settings.CITYHALL_SUPERVISION_YELLOW_SHARE
    if now >= ticket.received_at + (ticket.deadline - ticket.received_at) * share:
        return YELLOW
    return GREEN


@dataclass(frozen=True)
class SweepCounts:
    reminders: int
    supervisions: int


def _remind(ticket: Ticket, now: datetime) -> bool:
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                ticket=ticket,
                kind=EscalationKind.REMINDER,
                unit=ticket.holder,
                deadline=ticket.deadline,
                raised_at=now,
                reason=_("即将超过办理时限"),
            )
    except IntegrityError:
        return False  # an earlier sweep reminded them of this deadline already
    event_record(ticket=ticket, action="remind", actor=None, unit=ticket.holder)
    unit_tell(
        ticket=ticket,
        unit=ticket.holder,
        template="hotline_unit",
        context={"what": _("催办：即将超过办理时限")},
        dedupe_key=f"hotline-escalation-{escalation.pk}",
    )
    return True


def deadline_sweep(*, now: datetime | None = None) -> SweepCounts:
    """Remind units of open tickets past the yellow line; 督办 those past their deadline."""
    now = now or timezone.now()
    share = settings.CITYHALL_SUPERVISION_YELLOW_SHARE
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES).select_related(
        "holder__division", "category", "reporter"
    )
    reminders = supervisions = 0
    # Past the deadline and not yet supervised on this deadline.
    late = open_tickets.filter(deadline__lt=now).exclude(
        escalations__kind=EscalationKind.SUPERVISION, escalations__deadline=F("deadline")
    )
    for ticket in late.iterator(chunk_size=500):
        with transaction.atomic():
            if supervision_raise(ticket=ticket, reason=_("超过办理时限"), now=now):
                supervisions += 1
    # Inside the yellow band: received + share × (deadline − received) ≤ now ≤ deadline. The
    # band's start depends on each row, so the database narrows by deadline and Python decides.
    near = open_tickets.filter(deadline__gte=now).exclude(
        escalations__kind=EscalationKind.REMINDER, escalations__deadline=F("deadline")
    )
    for ticket in near.iterator(chunk_size=500):
        if now >= ticket.received_at + (ticket.deadline - ticket.received_at) * share:
            reminders += _remind(ticket, now)
    return SweepCounts(reminders=reminders, supervisions=supervisions)
