"""Department review: claim, approve / reject with reason / ask for supplements (补正), and the
window's part (acceptance at intake, instant decisions on the spot)."""

from collections.abc import Mapping

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.applications.models import (
    FINISHED,
    Application,
    Outcome,
    Status,
    Task,
    TaskStatus,
)
from cityhall.applications.services import process
from cityhall.applications.services.notices import applicant_notify
from cityhall.applications.services.results import certificates_issue
from cityhall.applications.transitions import event_record, transition
from cityhall.applications.validation import uploaded_material
from cityhall.catalog.models import Material
from cityhall.catalog.workflow import WorkflowRun
from cityhall.core.calendar import add_working_days, working_days_between
from cityhall.core.errors import DomainError, NotFoundError
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import require_capability


def _complete(
    *,
    application: Application,
    run: WorkflowRun,
    task: Task,
    outcome: str,
    opinion: str,
    by: Account,
) -> None:
    """Complete one task in the run and bring the application up to date with the run."""
    rejected = outcome == Outcome.REJECT
    run.complete(
        task.ref,
        {
            "rejected": rejected,
            "reason": opinion if rejected else "",
            f"opinion_{task.spec_id}": outcome,
        },
    )
    task.status = TaskStatus.DONE
    task.outcome = outcome
    task.opinion = opinion
    task.completed_at = timezone.now()
    task.claimed_by = task.claimed_by or by
    task.save()
    if (
        task.spec_id in process.ACCEPTANCE_STEPS
        and not rejected
        and application.accepted_at is None
    ):
        application.accepted_at = task.completed_at
        if application.status == Status.SUBMITTED and not run.completed:
            transition(application=application, to=Status.IN_REVIEW, action="accepted", actor=by)
    if rejected and not run.completed:
        # 并联审批 is joint: one department's refusal ends the case for all of them.
        run.cancel()
        application.reason = opinion
        application.tasks.filter(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED]).update(
            status=TaskStatus.CANCELLED
        )
        to = Status.NOT_ACCEPTED if application.accepted_at is None else Status.REJECTED
        transition(application=application, to=to, action="rejected", actor=by, note=opinion)
        application.completed_at = timezone.now()
    elif process.run_finished(application=application, run=run, actor=by):
        if application.status == Status.APPROVED:
            certificates_issue(application=application, by=by)
    else:
        process.tasks_sync(application=application, run=run)


def window_accept(*, application: Application, run: WorkflowRun, clerk: Account) -> None:
    """Intake at a window is the acceptance: the clerk has checked identity and materials."""
    for ready in application.tasks.filter(spec_id="accept", status=TaskStatus.OPEN):
        _complete(
            application=application,
            run=run,
            task=ready,
            outcome=Outcome.APPROVE,
            opinion="",
            by=clerk,
        )


def instant_decide(*, application: Application, run: WorkflowRun, clerk: Account) -> None:
    """即审即办: an instant item is decided at the window, in the same transaction as intake."""
    application.decided_on_spot = True
    for _round in range(10):  # an instant process has one or two steps; never loop forever
        ready = list(application.tasks.filter(status=TaskStatus.OPEN))
        if not ready or application.status in FINISHED:
            break
        for task in ready:
            _complete(
                application=application,
                run=run,
                task=task,
                outcome=Outcome.APPROVE,
                opinion="",
                by=clerk,
            )
    if application.status not in FINISHED:
        raise DomainError(_("该即办件的流程未能当场办结，请按普通件受理"), code="not_instant")


def _locked(application_id: int) -> Application:
    return (
        Application.objects.select_for_update()
        .select_related("applicant", "lead_unit", "division")
        .get(pk=application_id)
    )


def _task_for(*, task_id: int, by: Account) -> Task:
    require_capability(by, Capability.APPLICATION_REVIEW)
    task = Task.objects.select_for_update().filter(pk=task_id, unit=by.unit).first()
    if task is None:
        raise NotFoundError(_("没有这个审批任务"))
    return task


@transaction.atomic
def task_claim(*, task_id: int, by: Account) -> Task:
    """签收: the task is the claimant's until decided; a colleague's claim is not taken over."""
    task = _task_for(task_id=task_id, by=by)
    if task.status == TaskStatus.CLAIMED and task.claimed_by_id == by.pk:
        return task
    if task.status != TaskStatus.OPEN:
        raise DomainError(_("该任务已被签收或已办结"), code="task_not_open")
    task.status = TaskStatus.CLAIMED
    task.claimed_by = by
    task.save(update_fields=["status", "claimed_by"])
    event_record(application=task.application, action="claimed", actor=by, note=task.name)
    return task


@transaction.atomic
def task_decide(*, task_id: int, by: Account, outcome: str, opinion: str = "") -> Application:
    """Approve, reject (a reason is required) or ask for supplements (say what is missing)."""
    opinion = opinion.strip()
    if outcome not in Outcome.values:
        raise DomainError(_("未知的审批意见"))
    if outcome in (Outcome.REJECT, Outcome.SUPPLEMENT) and not opinion:
        raise DomainError(_("不同意或要求补正时必须写明理由"), code="reason_required")
    task = _task_for(task_id=task_id, by=by)
    application = _locked(task.application_id)
    if task.status == TaskStatus.OPEN:
        task.claimed_by = by
    elif task.status != TaskStatus.CLAIMED or task.claimed_by_id != by.pk:
        raise DomainError(_("该任务不在您的办理中"), code="task_not_yours")
    if application.status == Status.SUPPLEMENT:
        raise DomainError(_("办件正在补正，请等待申请人补齐材料"), code="transition_not_allowed")
    if outcome == Outcome.SUPPLEMENT:
        # The request stays on the task (what is missing) until the task is decided.
        task.status = TaskStatus.CLAIMED
        task.opinion = opinion
        task.save(update_fields=["status", "claimed_by", "opinion"])
        application.paused_since = timezone.localdate()
        transition(
            application=application,
            to=Status.SUPPLEMENT,
            action="supplement_requested",
            actor=by,
            note=opinion,
        )
        application.save()
        applicant_notify(application=application, note=opinion)
        return application
    run = process.run_load(application)
    _complete(application=application, run=run, task=task, outcome=outcome, opinion=opinion, by=by)
    process.run_save(application, run)
    application.save()
    applicant_notify(application=application, note=application.reason)
    return application


@transaction.atomic
def supplement_provide(
    *, application_id: int, by: Account, uploads: Mapping[int, UploadedFile]
) -> Application:
    """The applicant hands in what was asked for; the clock restarts where it stopped."""
    application = _locked(application_id)
    if application.applicant_id != by.pk:
        raise NotFoundError(_("没有这个办件"))
    if application.status != Status.SUPPLEMENT:
        raise DomainError(_("办件不在补正状态"), code="transition_not_allowed")
    if not uploads:
        raise DomainError(_("请上传补正材料"), code="missing_material")
    versions = list(application.items.values_list("version_id", flat=True))
    materials = {m.pk: m for m in Material.objects.filter(version_id__in=versions, pk__in=uploads)}
    rows = []
    for material_id, upload in uploads.items():
        material = materials.get(material_id)
        if material is None:
            raise DomainError(_("上传了不属于本事项的材料"))
        rows.append((uploaded_material(material=material, upload=upload), upload))
    for row, upload in rows:
        row.application = application
        row.file.save(upload.name or "material", upload, save=False)
        row.save()
    today = timezone.localdate()
    paused = max(0, working_days_between(application.paused_since or today, today))
    application.paused_days += paused
    application.paused_since = None
    if paused:
        application.due_date = add_working_days(application.due_date, paused)
        application.tasks.filter(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED]).update(
            due_date=application.due_date
        )
    back = Status.SUBMITTED if application.accepted_at is None else Status.IN_REVIEW
    transition(application=application, to=back, action="supplement_provided", actor=by)
    application.save()
    applicant_notify(application=application)
    return application


@transaction.atomic
def application_withdraw(*, application_id: int, by: Account, reason: str = "") -> Application:
    application = _locked(application_id)
    if application.applicant_id != by.pk:
        raise NotFoundError(_("没有这个办件"))
    if application.status in FINISHED:
        raise DomainError(_("办件已办结，不能撤回"), code="transition_not_allowed")
    run = process.run_load(application)
    run.cancel()
    process.run_save(application, run)
    application.tasks.filter(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED]).update(
        status=TaskStatus.CANCELLED
    )
    transition(
        application=application, to=Status.WITHDRAWN, action="withdrawn", actor=by, note=reason
    )
    application.completed_at = timezone.now()
    application.save()
    applicant_notify(application=application)
    return application
