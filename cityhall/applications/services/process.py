"""Between the BPMN run and the database: the run's state on the application, its ready user
tasks as department tasks, and what the end of the run means for the application."""

import math
from datetime import date, datetime, time

from django.conf import settings
from django.utils import timezone

from cityhall.applications.models import Application, Status, Task, TaskStatus
from cityhall.applications.transitions import transition
from cityhall.catalog import selectors as catalog
from cityhall.catalog.workflow import WorkflowRun
from cityhall.core.calendar import add_working_days
from cityhall.identity.models import Account

# End events of the shipped processes. A process a modeller drew names its ends freely: an end
# whose name starts with 不予 (不予受理 / 不予批准 / 不予许可 / 不予登记, the legal wording of a
# refusal) or a run whose data says `rejected` is a refusal; any other end is an approval.
END_NOT_ACCEPTED = "end_not_accepted"
END_REJECTED = "end_rejected"
REFUSAL_PREFIX = "不予"
NOT_ACCEPTED_NAME = "不予受理"
ACCEPTANCE_STEPS = frozenset({"accept", "decide"})


def warn_at(*, start: date, limit_days: int) -> str:
    """When the yellow card is due: the configured share of the time limit, at office opening."""
    share = settings.CITYHALL_SUPERVISION_YELLOW_SHARE
    day = add_working_days(start, math.floor(limit_days * share))
    moment = datetime.combine(day, time(9, 0), tzinfo=timezone.get_current_timezone())
    return moment.isoformat()


def run_load(application: Application) -> WorkflowRun:
    return WorkflowRun.loads(application.workflow_state)


def run_save(application: Application, run: WorkflowRun) -> None:
    application.workflow_state = run.dumps()


def tasks_sync(*, application: Application, run: WorkflowRun) -> list[Task]:
    """Create a task for each ready user task not yet in an inbox; route it by its lane."""
    known = set(application.tasks.values_list("ref", flat=True))
    now = timezone.now()
    created = []
    for ready in run.ready_user_tasks():
        if ready.id in known:
            continue
        lane = ready.lane or application.lead_unit.name
        department = catalog.department_by_name(lane)
        unit = (
            catalog.unit_for(department=department, division_code=application.division.code)
            if department is not None
            else application.lead_unit
        )
        # Acceptance is due within one working day of submission; reviews share the item's limit.
        due = (
            add_working_days(timezone.localdate(now), 1)
            if ready.spec_id == "accept"
            else application.due_date
        )
        created.append(
            Task.objects.create(
                application=application,
                ref=ready.id,
                spec_id=ready.spec_id,
                name=ready.name,
                lane=lane,
                unit=unit,
                created_at=now,
                due_date=due,
            )
        )
    return created


def run_finished(*, application: Application, run: WorkflowRun, actor: Account | None) -> bool:
    """Apply the end of a finished run to the application; False while the run goes on."""
    if not run.completed:
        return False
    application.tasks.filter(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED]).update(
        status=TaskStatus.CANCELLED
    )
    reason = str(run.data.get("reason") or "")
    name = run.end_event_name
    if run.end_event == END_NOT_ACCEPTED or name.startswith(NOT_ACCEPTED_NAME):
        application.reason = reason
        transition(
            application=application,
            to=Status.NOT_ACCEPTED,
            action="not_accepted",
            actor=actor,
            note=reason,
        )
    elif (
        run.end_event == END_REJECTED or name.startswith(REFUSAL_PREFIX) or run.data.get("rejected")
    ):
        application.reason = reason
        transition(
            application=application, to=Status.REJECTED, action="rejected", actor=actor, note=reason
        )
    else:
        transition(application=application, to=Status.APPROVED, action="approved", actor=actor)
    application.completed_at = timezone.now()
    return True
