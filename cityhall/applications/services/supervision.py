"""Electronic supervision (电子监察): yellow and red cards on time limits, late acceptance and
rejections without a reason, raised by a periodic sweep and told to the unit and its supervisors."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from cityhall.applications.models import (
    Application,
    CardKind,
    Status,
    SupervisionCard,
    Task,
    TaskStatus,
)
from cityhall.applications.services import process
from cityhall.applications.transitions import event_record
from cityhall.core.calendar import working_days_between
from cityhall.identity.models import Account, AccountKind, OrgUnit
from cityhall.identity.roles import Role
from cityhall.notify.services import message_send

OPEN = [Status.SUBMITTED, Status.IN_REVIEW]


@dataclass(frozen=True)
class SweepCounts:
    yellow: int
    red: int
    late_acceptance: int
    no_reason: int
    resolved: int


def _raise(
    *,
    application: Application,
    task: Task | None,
    kind: str,
    unit: OrgUnit,
    due: date,
    now: datetime,
) -> SupervisionCard | None:
    try:
        with transaction.atomic():
            card = SupervisionCard.objects.create(
                application=application,
                task=task,
                kind=kind,
                unit=unit,
                raised_at=now,
                due_date=due,
            )
    except IntegrityError:
        return None  # raised by an earlier sweep: one card per kind and task
    event_record(
        application=application, action=f"card_{kind}", actor=None, note=task.name if task else ""
    )
    _tell(card)
    return card


def responsible_people(unit: OrgUnit) -> list[Account]:
    """The unit's reviewers and the supervisors whose area covers the unit."""
    code = unit.division.code
    prefixes = {code[:4], code[:6], code[:9], code}
    return list(
        Account.objects.filter(kind=AccountKind.STAFF, is_active=True)
        .filter(
            Q(unit=unit, roles__role=Role.DEPARTMENT_REVIEWER)
            | Q(roles__role=Role.SUPERVISOR, unit__division__code__in=prefixes)
            | Q(roles__role=Role.SUPERVISOR, unit__division__code="440100")
        )
        .distinct()
    )


def _tell(card: SupervisionCard) -> None:
    for person in responsible_people(card.unit):
        message_send(
            recipient=person,
            template="supervision_card",
            context={
                "card": card,
                "kind": card.get_kind_display(),
                "application": card.application,
                "unit": card.unit,
            },
            dedupe_key=f"card-{card.pk}",
        )


def supervision_sweep(*, now: datetime | None = None) -> SweepCounts:
    """Raise every card that is due; idempotent, so the schedule may run it as often as it likes."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    share = settings.CITYHALL_SUPERVISION_YELLOW_SHARE
    counts: Counter[str] = Counter()

    def on_application(application: Application, kind: str) -> None:
        if _raise(
            application=application,
            task=None,
            kind=kind,
            unit=application.lead_unit,
            due=application.due_date,
            now=now,
        ):
            counts[kind] += 1

    def on_task(task: Task, kind: str) -> None:
        if _raise(
            application=task.application,
            task=task,
            kind=kind,
            unit=task.unit,
            due=task.due_date,
            now=now,
        ):
            counts[kind] += 1

    running = Application.objects.filter(status__in=OPEN).select_related("lead_unit__division")
    for application in running.iterator(chunk_size=500):
        used = working_days_between(timezone.localdate(application.submitted_at), today)
        used -= application.paused_days
        if today > application.due_date:
            on_application(application, CardKind.RED)
        elif application.limit_days and used >= share * application.limit_days:
            on_application(application, CardKind.YELLOW)
        # The process's own boundary timers (deadline warnings drawn in the BPMN).
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=application.pk)
            if locked.status in OPEN and locked.workflow_state:
                run = process.run_load(locked)
                if run.refresh(now):
                    process.run_save(locked, run)
                    locked.save(update_fields=["workflow_state", "updated_at"])
                    for task in locked.tasks.filter(
                        status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED]
                    ).select_related("application", "unit"):
                        on_task(task, CardKind.YELLOW)
    late_tasks = Task.objects.filter(
        status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED],
        due_date__lt=today,
        application__status__in=OPEN,
    ).select_related("application", "unit")
    for task in late_tasks:
        on_task(task, CardKind.NOT_ACCEPTED if task.spec_id == "accept" else CardKind.RED)
    unexplained = Application.objects.filter(
        status__in=[Status.REJECTED, Status.NOT_ACCEPTED], reason=""
    ).exclude(cards__kind=CardKind.NO_REASON)
    for application in unexplained.select_related("lead_unit"):
        on_application(application, CardKind.NO_REASON)
    # Cards of finished work, or of tasks done, are resolved (kept, with when).
    resolved = (
        SupervisionCard.objects.filter(resolved_at__isnull=True)
        .filter(
            Q(application__status__in=[Status.APPROVED, Status.WITHDRAWN])
            | Q(task__status__in=[TaskStatus.DONE, TaskStatus.CANCELLED])
        )
        .exclude(kind=CardKind.NO_REASON)
        .update(resolved_at=now)
    )
    return SweepCounts(
        yellow=counts[CardKind.YELLOW],
        red=counts[CardKind.RED],
        late_acceptance=counts[CardKind.NOT_ACCEPTED],
        no_reason=counts[CardKind.NO_REASON],
        resolved=resolved,
    )
