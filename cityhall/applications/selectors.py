"""Reads of applications, each scoped to who asks: the applicant, the unit's reviewers, the
supervisors of an area, or anyone on the public verify page (which shows no personal data)."""

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from cityhall.applications.models import (
    FINISHED,
    Application,
    Certificate,
    Rating,
    Rectification,
    Status,
    SubmittedMaterial,
    SupervisionCard,
    Task,
    TaskStatus,
)
from cityhall.applications.services.numbers import acceptance_number_valid
from cityhall.core.errors import DomainError, NotFoundError
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import account_can, require_capability


def certificate_item_codes(*, holder: Account) -> set[str]:
    """Codes of the items whose valid e-certificates the holder has (for materials not asked)."""
    return set(
        Certificate.objects.filter(holder=holder, revoked_at__isnull=True).values_list(
            "version__item__code", flat=True
        )
    )


def applications_of(*, applicant: Account) -> QuerySet[Application]:
    return Application.objects.filter(applicant=applicant).select_related("lead_unit")


def applications_to_supplement(*, applicant: Account) -> QuerySet[Application]:
    """The applicant's applications waiting for them to supply missing materials (补正)."""
    return applications_of(applicant=applicant).filter(status=Status.SUPPLEMENT)


def applications_to_rate(*, applicant: Account) -> QuerySet[Application]:
    """Finished applications the applicant has not rated yet (好差评)."""
    return (
        applications_of(applicant=applicant)
        .filter(status__in=FINISHED)
        .exclude(status=Status.WITHDRAWN)
        .exclude(ratings__rater=applicant)
    )


def application_of(*, applicant: Account, number: str) -> Application:
    """The applicant's own application; anyone else's number is simply not found."""
    application = (
        applications_of(applicant=applicant)
        .select_related("division", "bundle", "clerk", "intake_unit")
        .prefetch_related(
            "items__version__item",
            "materials",
            "certificates",
            "ratings",
            Prefetch("tasks", Task.objects.select_related("unit").order_by("id")),
            "events",
        )
        .filter(number=number)
        .first()
    )
    if application is None:
        raise NotFoundError(_("没有这个办件"))
    return application


def certificates_of(*, holder: Account) -> QuerySet[Certificate]:
    return Certificate.objects.filter(holder=holder).select_related("application", "version")


def certificate_of(*, holder: Account, number: str) -> Certificate:
    certificate = certificates_of(holder=holder).filter(number=number).first()
    if certificate is None:
        raise NotFoundError(_("没有这个证照"))
    return certificate


def certificate_verify(*, code: str) -> Certificate:
    """A certificate found by its verification code; a forged code is refused clearly."""
    code = code.strip().upper().replace(" ", "").replace("-", "")
    if len(code) != 16:
        raise DomainError(_("核验码应为16位字母数字，请核对后重新输入"), code="bad_code")
    certificate = (
        Certificate.objects.select_related("version__item", "application")
        .filter(verification_code=code)
        .first()
    )
    if certificate is None:
        raise NotFoundError(_("查无此证：核验码不存在，该证照可能是伪造的"))
    return certificate


def application_progress(*, number: str) -> Application:
    """Public progress of an acceptance number (办件查询): no personal data is shown for it."""
    number = number.strip().upper()
    if not acceptance_number_valid(number):
        raise DomainError(
            _("受理编号无效：格式或校验位不正确，请核对回执上的编号"), code="bad_number"
        )
    application = Application.objects.filter(number=number).select_related("lead_unit").first()
    if application is None:
        raise NotFoundError(_("查无此办件"))
    return application


def inbox_for(*, actor: Account, done: bool = False) -> QuerySet[Task]:
    """The tasks of the reviewer's own unit: open and claimed (or, with done, the finished)."""
    require_capability(actor, Capability.APPLICATION_REVIEW)
    statuses = [TaskStatus.DONE] if done else [TaskStatus.OPEN, TaskStatus.CLAIMED]
    return (
        Task.objects.filter(unit=actor.unit, status__in=statuses)
        .select_related("application", "claimed_by")
        .order_by("due_date", "id")
    )


def task_for(*, actor: Account, task_id: int) -> Task:
    require_capability(actor, Capability.APPLICATION_REVIEW)
    task = (
        Task.objects.select_related("application__division", "application__lead_unit", "unit")
        .prefetch_related(
            "application__materials",
            "application__items__version",
            Prefetch("application__tasks", Task.objects.select_related("unit").order_by("id")),
        )
        .filter(pk=task_id, unit=actor.unit)
        .first()
    )
    if task is None:
        raise NotFoundError(_("没有这个审批任务"))
    return task


def material_for_staff(*, actor: Account, material_id: int) -> SubmittedMaterial:
    """A submitted file, for reviewers whose unit holds a task of that application."""
    require_capability(actor, Capability.APPLICATION_REVIEW)
    found = (
        SubmittedMaterial.objects.filter(pk=material_id, application__tasks__unit=actor.unit)
        .exclude(file="")
        .first()
    )
    if found is None:
        raise NotFoundError(_("没有这份材料"))
    return found


def cards_for(*, actor: Account, open_only: bool = True) -> QuerySet[SupervisionCard]:
    """E-supervision cards of units within the supervisor's area."""
    prefix = require_capability(actor, Capability.SUPERVISION)
    cards = SupervisionCard.objects.filter(unit__division__code__startswith=prefix)
    if open_only:
        cards = cards.filter(resolved_at__isnull=True)
    return cards.select_related("application", "task", "unit").order_by("unit__name", "-raised_at")


def ratings_for_supervisor(*, actor: Account) -> QuerySet[Rating]:
    """Ratings with the raters' identities: supervisors only."""
    prefix = require_capability(actor, Capability.SUPERVISION)
    return Rating.objects.filter(unit__division__code__startswith=prefix).select_related(
        "rater", "application", "unit"
    )


def rectifications_for(*, actor: Account) -> QuerySet[Rectification]:
    """Rectification cases: a supervisor's area, or a reviewer's own unit (raters hidden)."""
    if actor.unit is None:
        raise NotFoundError(_("没有整改事项"))
    try:
        prefix = require_capability(actor, Capability.SUPERVISION)
        scope = Q(unit__division__code__startswith=prefix)
    except DomainError:
        require_capability(actor, Capability.APPLICATION_REVIEW)
        scope = Q(unit=actor.unit)
    return Rectification.objects.filter(scope).select_related("rating__application", "unit")


def can_see_raters(*, actor: Account) -> bool:
    """Raters' identities are for supervisors; the rated unit sees the rating, not who gave it."""
    return account_can(actor, Capability.SUPERVISION)
