"""Reads for consultations: the public list and page, the response report, and staff scope.

Staff see only their own unit's consultations (another unit's is "not found"); residents see
every announced consultation, and of hidden comments only the reason, except their own.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from cityhall.core.crypto import mask_name
from cityhall.core.errors import NotFoundError
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import require_capability
from cityhall.participation.consultations.drafts import UNNUMBERED_HEADING, chinese_numeral
from cityhall.participation.models import (
    CommentSupport,
    Consultation,
    ConsultationComment,
    Disposition,
    DraftArticle,
)


def article_label(article: DraftArticle) -> str:
    if article.number == 1 and article.heading == UNNUMBERED_HEADING:
        return _("全文")
    # 第十二条 in Chinese, "Article 12" in other languages (a Chinese numeral means nothing there).
    chinese = (get_language() or "").startswith("zh")
    number = chinese_numeral(article.number) if chinese else str(article.number)
    return _("第%(n)s条") % {"n": number}


class ConsultationStatus(models.TextChoices):
    UPCOMING = "upcoming", gettext_lazy("未开始")
    OPEN = "open", gettext_lazy("征求意见中")
    CLOSED = "closed", gettext_lazy("已截止，待反馈")
    RESPONDED = "responded", gettext_lazy("已发布反馈")


def consultation_status(consultation: Consultation, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if consultation.responded_at is not None:
        return ConsultationStatus.RESPONDED
    if now < consultation.opens_at:
        return ConsultationStatus.UPCOMING
    if now < consultation.closes_at:
        return ConsultationStatus.OPEN
    return ConsultationStatus.CLOSED


def is_open(consultation: Consultation, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return consultation.opens_at <= now < consultation.closes_at


def days_left(consultation: Consultation, now: datetime | None = None) -> int:
    """Whole days until the close, rounded up (0 once closed)."""
    seconds = (consultation.closes_at - (now or timezone.now())).total_seconds()
    return max(math.ceil(seconds / 86400), 0)


@dataclass(frozen=True)
class ConsultationRow:
    consultation: Consultation
    status: str
    status_label: str
    days_left: int


def consultation_row(consultation: Consultation, now: datetime | None = None) -> ConsultationRow:
    now = now or timezone.now()
    status = consultation_status(consultation, now)
    return ConsultationRow(
        consultation=consultation,
        status=status,
        status_label=str(ConsultationStatus(status).label),
        days_left=days_left(consultation, now),
    )


def _with_counts(qs: QuerySet[Consultation]) -> QuerySet[Consultation]:
    # Aggregating drops the model's default ordering: say it again.
    return (
        qs.select_related("department", "area")
        .annotate(
            comment_count=Count("comments", filter=Q(comments__hidden_reason=""), distinct=True)
        )
        .order_by("-opens_at", "-id")
    )


def consultations_public(*, status: str = "", text: str = "") -> QuerySet[Consultation]:
    """Announced consultations, the latest opening first, filtered by status and words."""
    now = timezone.now()
    qs = _with_counts(Consultation.objects.all())
    if status == ConsultationStatus.UPCOMING:
        qs = qs.filter(opens_at__gt=now, responded_at__isnull=True)
    elif status == ConsultationStatus.OPEN:
        qs = qs.filter(opens_at__lte=now, closes_at__gt=now, responded_at__isnull=True)
    elif status == ConsultationStatus.CLOSED:
        qs = qs.filter(closes_at__lte=now, responded_at__isnull=True)
    elif status == ConsultationStatus.RESPONDED:
        qs = qs.filter(responded_at__isnull=False)
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(summary__icontains=text))
    return qs


def consultation_get(*, consultation_id: int) -> Consultation:
    found = (
        Consultation.objects.select_related("department", "area", "announcement")
        .filter(pk=consultation_id)
        .first()
    )
    if found is None:
        raise NotFoundError(_("没有这项征求意见"))
    return found


def report_get(*, consultation_id: int) -> Consultation:
    """A consultation whose response report is published; before that there is no report."""
    consultation = consultation_get(consultation_id=consultation_id)
    if consultation.responded_at is None:
        raise NotFoundError(_("这项征求意见的反馈报告尚未发布"))
    return consultation


def author_label(account: Account) -> str:
    """How a commenter is shown in public: masked as everywhere else (陈*明)."""
    return mask_name(account.real_name) if account.real_name else _("市民")


@dataclass
class CommentRow:
    comment: ConsultationComment
    author: str
    mine: bool
    supported: bool
    can_support: bool


@dataclass
class ArticleBlock:
    article: DraftArticle | None  # None: comments on the whole draft
    label: str
    comments: list[CommentRow] = field(default_factory=list)


@dataclass
class ConsultationPage:
    consultation: Consultation
    articles: list[ArticleBlock]
    general: ArticleBlock
    visible_count: int
    hidden_count: int


def consultation_page(
    *, consultation: Consultation, viewer: Account | None, include_hidden_text: bool = False
) -> ConsultationPage:
    """The draft article by article with its comments (three queries, whatever the size)."""
    articles = list(DraftArticle.objects.filter(consultation=consultation).order_by("number"))
    comments = list(
        ConsultationComment.objects.filter(consultation=consultation)
        .select_related("author", "answered_by")
        .order_by("created_at", "id")
    )
    signed_in = viewer is not None and viewer.is_authenticated
    supported: set[int] = set()
    if signed_in and comments:
        supported = set(
            CommentSupport.objects.filter(
                supporter=viewer, comment__consultation=consultation
            ).values_list("comment_id", flat=True)
        )
    open_now = is_open(consultation)
    can_write = signed_in and bool(getattr(viewer, "is_citizen", False)) and open_now
    blocks = {a.pk: ArticleBlock(article=a, label=article_label(a)) for a in articles}
    general = ArticleBlock(article=None, label=_("对草案整体的意见"))
    visible = hidden = 0
    for comment in comments:
        mine = signed_in and viewer is not None and comment.author_id == viewer.pk
        row = CommentRow(
            comment=comment,
            author=author_label(comment.author),
            mine=mine,
            supported=comment.pk in supported,
            can_support=(
                can_write and not mine and comment.pk not in supported and not comment.is_hidden
            ),
        )
        if comment.is_hidden:
            hidden += 1
        else:
            visible += 1
        target = blocks.get(comment.article_id) if comment.article_id else None
        (target or general).comments.append(row)
    return ConsultationPage(
        consultation=consultation,
        articles=list(blocks.values()),
        general=general,
        visible_count=visible,
        hidden_count=hidden,
    )


@dataclass(frozen=True)
class DispositionCount:
    value: str
    label: str
    count: int


def disposition_counts(*, consultation: Consultation) -> list[DispositionCount]:
    """How many visible comments were adopted, partly adopted, not adopted or explained."""
    counted = dict(
        ConsultationComment.objects.filter(consultation=consultation, hidden_reason="")
        .exclude(disposition="")
        .values_list("disposition")
        .annotate(n=Count("id"))
        .values_list("disposition", "n")
    )
    return [
        DispositionCount(value=value, label=str(label), count=counted.get(value, 0))
        for value, label in Disposition.choices
    ]


def unanswered_comments(*, consultation: Consultation) -> QuerySet[ConsultationComment]:
    """Visible comments still without a disposition or an answer."""
    return ConsultationComment.objects.filter(consultation=consultation, hidden_reason="").filter(
        Q(disposition="") | Q(answer="")
    )


# --- staff --------------------------------------------------------------------------------


def consultations_of_unit(*, actor: Account) -> QuerySet[Consultation]:
    """The consultations the actor's unit runs (PARTICIPATION_MANAGE)."""
    require_capability(actor, Capability.PARTICIPATION_MANAGE)
    return _with_counts(Consultation.objects.filter(department=actor.unit)).annotate(
        unanswered_count=Count(
            "comments",
            filter=Q(comments__hidden_reason="")
            & (Q(comments__disposition="") | Q(comments__answer="")),
            distinct=True,
        ),
        hidden_count=Count("comments", filter=~Q(comments__hidden_reason=""), distinct=True),
    )


def consultation_for_staff(*, actor: Account, consultation_id: int) -> Consultation:
    """One of the actor's unit's consultations; another unit's is not found."""
    found = consultations_of_unit(actor=actor).filter(pk=consultation_id).first()
    if found is None:
        raise NotFoundError(_("没有这项征求意见"))
    return found


def comment_for_staff(
    *, actor: Account, consultation_id: int, comment_id: int
) -> ConsultationComment:
    """A comment on one of the actor's unit's consultations."""
    consultation = consultation_for_staff(actor=actor, consultation_id=consultation_id)
    found = (
        ConsultationComment.objects.select_related("consultation", "author", "article")
        .filter(consultation=consultation, pk=comment_id)
        .first()
    )
    if found is None:
        raise NotFoundError(_("没有这条意见"))
    return found


def comment_get(*, consultation: Consultation, comment_id: int) -> ConsultationComment:
    """A comment of this consultation (public: supporting it)."""
    found = (
        ConsultationComment.objects.select_related("consultation")
        .filter(consultation=consultation, pk=comment_id)
        .first()
    )
    if found is None:
        raise NotFoundError(_("没有这条意见"))
    return found
