"""好差评: one rating per application and channel; a bad one opens a rectification case."""

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityhall.applications.models import (
    FINISHED,
    Application,
    Channel,
    Rating,
    RatingLevel,
    Rectification,
    RectificationStatus,
    Status,
)
from cityhall.applications.services.supervision import responsible_people
from cityhall.core.calendar import add_working_days
from cityhall.core.errors import DomainError, NotFoundError
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import account_can
from cityhall.notify.services import message_send

# The online dimensions of the national 好差评 system (国办发〔2019〕51号 lists what is rated:
# the guide, the process, timeliness, the attitude/result); each is rated 1–5.
DIMENSIONS: dict[str, Any] = {
    "guide": gettext_lazy("办事指南准确清晰"),
    "convenience": gettext_lazy("办理流程便捷"),
    "timeliness": gettext_lazy("办理时效"),
    "attitude": gettext_lazy("服务态度"),
    "result": gettext_lazy("办理结果"),
}
BAD = RatingLevel.DISSATISFIED  # 不满意 or worse opens a rectification


def _level(value: Any) -> int:
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = 0
    if level not in RatingLevel.values:
        raise DomainError(_("评价等级应为1至5"), code="rating_level")
    return level


@transaction.atomic
def rating_submit(
    *,
    application_id: int,
    rater: Account,
    level: Any,
    dimensions: dict[str, Any] | None = None,
    comment: str = "",
    channel: str = Channel.ONLINE,
) -> Rating:
    """The applicant rates a finished application once (and once more at the window for a
    window intake)."""
    application = (
        Application.objects.select_for_update()
        .select_related("lead_unit")
        .filter(pk=application_id, applicant=rater)
        .first()
    )
    if application is None:
        raise NotFoundError(_("没有这个办件"))
    if application.status not in FINISHED or application.status == Status.WITHDRAWN:
        raise DomainError(_("办件办结后才能评价"), code="not_finished")
    if channel == Channel.WINDOW and application.channel != Channel.WINDOW:
        raise DomainError(_("只有窗口受理的办件才有窗口评价"), code="not_window")
    scores = {}
    for key, value in (dimensions or {}).items():
        if key not in DIMENSIONS:
            raise DomainError(_("未知的评价项：%(key)s") % {"key": key})
        scores[key] = _level(value)
    now = timezone.now()
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                application=application,
                channel=channel,
                rater=rater,
                level=_level(level),
                dimensions=scores,
                comment=comment.strip()[:2000],
                unit=application.lead_unit,
                at=now,
            )
    except IntegrityError:
        raise DomainError(_("该办件已评价过，每个办件只能评价一次"), code="already_rated") from None
    if rating.level <= BAD:
        rectification = Rectification.objects.create(
            rating=rating,
            unit=application.lead_unit,
            opened_at=now,
            due_date=add_working_days(
                timezone.localdate(now), settings.CITYHALL_RECTIFICATION_DAYS
            ),
        )
        for person in responsible_people(application.lead_unit):
            message_send(
                recipient=person,
                template="rectification_opened",
                context={"application": application, "rectification": rectification},
                dedupe_key=f"rectification-{rectification.pk}",
            )
    return rating


def _rectification(*, rectification_id: int, by: Account) -> Rectification:
    rectification = (
        Rectification.objects.select_for_update()
        .select_related("rating__application", "unit")
        .filter(pk=rectification_id)
        .first()
    )
    if rectification is None or not (
        rectification.unit_id == by.unit_id or account_can(by, Capability.SUPERVISION)
    ):
        raise NotFoundError(_("没有这个整改事项"))
    return rectification


@transaction.atomic
def rectification_visit(
    *, rectification_id: int, by: Account, measures: str, visit_note: str
) -> Rectification:
    """The unit records what it changed and its return visit (回访) to the applicant."""
    rectification = _rectification(rectification_id=rectification_id, by=by)
    if rectification.status != RectificationStatus.OPEN:
        raise DomainError(_("该整改已回访"), code="transition_not_allowed")
    if not measures.strip() or not visit_note.strip():
        raise DomainError(_("请填写整改措施和回访记录"))
    rectification.measures = measures.strip()
    rectification.visit_note = visit_note.strip()
    rectification.visited_at = timezone.now()
    rectification.visited_by = by
    rectification.status = RectificationStatus.VISITED
    rectification.save()
    application = rectification.rating.application
    message_send(
        recipient=application.applicant,
        template="rectification_visited",
        context={"application": application, "rectification": rectification},
        dedupe_key=f"rectification-visit-{rectification.pk}",
    )
    return rectification


@transaction.atomic
def rectification_follow_up(*, rectification_id: int, rater: Account, level: Any) -> Rectification:
    """The applicant's rating after the return visit closes the case."""
    rectification = (
        Rectification.objects.select_for_update()
        .select_related("rating")
        .filter(pk=rectification_id, rating__rater=rater)
        .first()
    )
    if rectification is None:
        raise NotFoundError(_("没有这个整改事项"))
    if rectification.status != RectificationStatus.VISITED:
        raise DomainError(_("整改回访后才能再次评价"), code="transition_not_allowed")
    rectification.follow_up_level = _level(level)
    rectification.status = RectificationStatus.CLOSED
    rectification.closed_at = timezone.now()
    rectification.save()
    return rectification
