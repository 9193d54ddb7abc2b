"""Writes for consultations on drafts (征求意见): publish a draft, comment, support, moderate,
answer, and publish the response report. How a pasted draft becomes articles: drafts.py."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.core.audit import audit_record
from cityhall.core.errors import DomainError, NotFoundError
from cityhall.core.links import public_url
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import require_capability
from cityhall.notify.services import message_send
from cityhall.participation import selectors as participation_selectors
from cityhall.participation.abuse import flood_check, flood_count, text_clean
from cityhall.participation.consultations import selectors
from cityhall.participation.consultations.drafts import draft_parse
from cityhall.participation.models import (
    CommentSupport,
    Consultation,
    ConsultationComment,
    Disposition,
    DraftArticle,
    HideReason,
    Topic,
)
from cityhall.participation.services import publication_publish

TITLE_MAX, SUMMARY_MAX = 200, 3000
COMMENT_MAX, ANSWER_MAX, NOTE_MAX, RESPONSE_MAX = 2000, 2000, 300, 10_000
# "Now" typed into a form is a minute or so in the past by the time it is sent.
OPEN_SLACK_SECONDS = 600

AUDIT_HIDDEN = "participation.comment_hidden"
AUDIT_RESTORED = "participation.comment_restored"
AUDIT_RESPONDED = "participation.consultation_responded"


# --- publishing -----------------------------------------------------------------------------


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def consultation_create(
    *,
    author: Account,
    title: str,
    summary: str,
    area_code: str,
    opens_at: datetime,
    closes_at: datetime,
    draft: str,
) -> Consultation:
    """Publish a draft for comment by the author's unit, and announce it in the catalogue."""
    require_capability(author, Capability.PARTICIPATION_MANAGE)
    area = participation_selectors.publishable_areas(actor=author).filter(code=area_code).first()
    if area is None or author.unit is None:
        raise DomainError(_("只能就本单位服务区域内的事项征求意见"), code="area_scope")
    title = text_clean(title, label=_("标题"), limit=TITLE_MAX)
    summary = text_clean(summary, label=_("起草说明"), limit=SUMMARY_MAX)
    now = timezone.now()
    if (now - opens_at).total_seconds() > OPEN_SLACK_SECONDS:
        raise DomainError(_("开始时间不能早于现在"), code="opens_past")
    if closes_at <= opens_at:
        raise DomainError(_("截止时间必须晚于开始时间"), code="closes_before_opens")
    parsed = draft_parse(draft, title=title)
    with transaction.atomic():
        consultation = Consultation.objects.create(
            title=title,
            summary=summary,
            department=author.unit,
            area=area,
            author=author,
            opens_at=opens_at,
            closes_at=closes_at,
        )
        DraftArticle.objects.bulk_create(
            DraftArticle(
                consultation=consultation,
                number=article.number,
                heading=article.heading,
                body=article.body,
            )
            for article in parsed.articles
        )
        link = public_url(reverse("consultations:detail", args=[consultation.pk]))
        consultation.announcement = publication_publish(
            author=author,
            title=_("关于《%(title)s》公开征求意见的公告") % {"title": title[:170]},
            summary=(
                _("征求意见时间：%(opens)s 至 %(closes)s")
                % {"opens": _when(opens_at), "closes": _when(closes_at)}
            ),
            body=_(
                "%(unit)s起草了《%(title)s》，现向社会公开征求意见。\n\n"
                "征求意见时间：%(opens)s 至 %(closes)s。\n\n"
                "起草说明：\n%(summary)s\n\n"
                "草案全文共 %(n)d 条。登录后可对全文或逐条发表意见，也可以附议他人的意见：\n"
                "%(link)s"
            )
            % {
                "unit": author.unit.name,
                "title": title,
                "opens": _when(opens_at),
                "closes": _when(closes_at),
                "summary": summary,
                "n": len(parsed.articles),
                "link": link,
            },
            topic=Topic.CONSULTATION,
            area_code=area.code,
        )
        consultation.save(update_fields=["announcement", "updated_at"])
    return consultation


# --- residents ------------------------------------------------------------------------------


def _window_check(consultation: Consultation, *, action: str) -> None:
    now = timezone.now()
    if now < consultation.opens_at:
        raise DomainError(
            _("征求意见尚未开始（%(opens)s 开始），暂不能%(action)s")
            % {"opens": _when(consultation.opens_at), "action": action},
            code="not_open",
        )
    if now >= consultation.closes_at:
        raise DomainError(
            _("征求意见已于 %(closes)s 截止，不能再%(action)s")
            % {"closes": _when(consultation.closes_at), "action": action},
            code="closed",
        )


def comment_add(
    *,
    consultation: Consultation,
    author: Account,
    body: str,
    article: DraftArticle | None = None,
) -> ConsultationComment:
    """A resident's comment on the whole draft or one article, while it is open."""
    if not author.is_citizen:
        raise DomainError(_("只有登录的市民可以发表意见"), code="forbidden")
    _window_check(consultation, action=_("发表意见"))
    if article is not None and article.consultation_id != consultation.pk:
        raise NotFoundError(_("没有这一条"))
    body = text_clean(body, label=_("意见内容"), limit=COMMENT_MAX)
    flood_check(author, "comment")
    comment = ConsultationComment.objects.create(
        consultation=consultation, article=article, author=author, body=body
    )
    flood_count(author, "comment")
    return comment


def comment_support(*, comment: ConsultationComment, supporter: Account) -> ConsultationComment:
    """A resident supports (附议) another's visible comment, once, while the draft is open."""
    if not supporter.is_citizen:
        raise DomainError(_("只有登录的市民可以附议"), code="forbidden")
    _window_check(comment.consultation, action=_("附议"))
    if comment.author_id == supporter.pk:
        raise DomainError(_("不能附议自己的意见"), code="own_comment")
    flood_check(supporter, "support")
    try:
        with transaction.atomic():
            # Counted only while visible: a comment hidden a moment ago is refused.
            counted = ConsultationComment.objects.filter(pk=comment.pk, hidden_reason="").update(
                support_count=F("support_count") + 1
            )
            if not counted:
                raise DomainError(_("这条意见已被隐藏，不能附议"), code="hidden")
            CommentSupport.objects.create(comment=comment, supporter=supporter)
    except IntegrityError as exc:
        raise DomainError(_("您已附议过这条意见"), code="duplicate") from exc
    flood_count(supporter, "support")
    comment.refresh_from_db(fields=["support_count"])
    return comment


# --- moderation -----------------------------------------------------------------------------


def _manager_check(actor: Account, consultation: Consultation) -> None:
    """The actor runs this consultation: PARTICIPATION_MANAGE in its department."""
    require_capability(actor, Capability.PARTICIPATION_MANAGE)
    if actor.unit_id != consultation.department_id:
        raise NotFoundError(_("没有这项征求意见"))


def _comment_link(comment: ConsultationComment) -> str:
    return (
        reverse("consultations:detail", args=[comment.consultation_id]) + f"#comment-{comment.pk}"
    )


def comment_hide(
    *,
    comment: ConsultationComment,
    by: Account,
    reason: str,
    note: str = "",
    request: HttpRequest | None = None,
) -> ConsultationComment:
    """Hide a comment under the published policy (never deleted); the author is told why."""
    consultation = comment.consultation
    _manager_check(by, consultation)
    if reason not in HideReason.values:
        raise DomainError(_("请选择隐藏原因（发言规则中的一项）"), code="reason")
    note = text_clean(note, label=_("隐藏说明"), limit=NOTE_MAX, required=False)
    with transaction.atomic():
        locked = ConsultationComment.objects.select_for_update().get(pk=comment.pk)
        if locked.is_hidden:
            raise DomainError(_("这条意见已经隐藏"), code="already_hidden")
        locked.hidden_reason = reason
        locked.hidden_note = note
        locked.hidden_by = by
        locked.hidden_at = timezone.now()
        locked.save(
            update_fields=["hidden_reason", "hidden_note", "hidden_by", "hidden_at", "updated_at"]
        )
        audit_record(
            event=AUDIT_HIDDEN,
            actor=by,
            subject_type="participation.consultationcomment",
            subject_id=locked.pk,
            detail={"consultation": consultation.pk, "reason": reason, "note": note},
            request=request,
        )
        message_send(
            recipient=locked.author,
            template="consultation_comment_hidden",
            context={
                "consultation": consultation,
                "comment": locked,
                "reason": HideReason(reason).label,
                "note": note,
                "policy_url": public_url(reverse("consultations:policy")),
            },
            link=_comment_link(locked),
        )
    return locked


def comment_restore(
    *, comment: ConsultationComment, by: Account, request: HttpRequest | None = None
) -> ConsultationComment:
    """Show a hidden comment again (a moderation mistake); audited, the author is told."""
    consultation = comment.consultation
    _manager_check(by, consultation)
    with transaction.atomic():
        locked = ConsultationComment.objects.select_for_update().get(pk=comment.pk)
        if not locked.is_hidden:
            raise DomainError(_("这条意见没有被隐藏"), code="not_hidden")
        previous = locked.hidden_reason
        locked.hidden_reason = ""
        locked.hidden_note = ""
        locked.hidden_by = None
        locked.hidden_at = None
        locked.save(
            update_fields=["hidden_reason", "hidden_note", "hidden_by", "hidden_at", "updated_at"]
        )
        audit_record(
            event=AUDIT_RESTORED,
            actor=by,
            subject_type="participation.consultationcomment",
            subject_id=locked.pk,
            detail={"consultation": consultation.pk, "previous_reason": previous},
            request=request,
        )
        message_send(
            recipient=locked.author,
            template="consultation_comment_restored",
            context={"consultation": consultation, "comment": locked},
            link=_comment_link(locked),
        )
    return locked


# --- the response report --------------------------------------------------------------------


def _closed_check(consultation: Consultation, *, action: str) -> None:
    if timezone.now() < consultation.closes_at:
        raise DomainError(
            _("征求意见 %(closes)s 截止后才能%(action)s")
            % {"closes": _when(consultation.closes_at), "action": action},
            code="still_open",
        )


def comment_answer(
    *, comment: ConsultationComment, by: Account, disposition: str, answer: str
) -> ConsultationComment:
    """The department's disposition of a visible comment and its answer, after the close.

    Once the report is published its answers are final; a comment restored after that may
    still receive its (first) answer.
    """
    _manager_check(by, comment.consultation)
    if disposition not in Disposition.values:
        raise DomainError(_("请选择处理结果"), code="disposition")
    answer = text_clean(answer, label=_("答复"), limit=ANSWER_MAX)
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().get(pk=comment.consultation_id)
        locked = ConsultationComment.objects.select_for_update().get(pk=comment.pk)
        _closed_check(consultation, action=_("答复意见"))
        if locked.is_hidden:
            raise DomainError(_("已隐藏的意见不需要答复"), code="hidden")
        if consultation.responded_at is not None and locked.answered_at is not None:
            raise DomainError(_("反馈报告已发布，已有的答复不能再修改"), code="responded")
        locked.answer = answer
        locked.disposition = disposition
        locked.answered_by = by
        locked.answered_at = timezone.now()
        locked.save(
            update_fields=["disposition", "answer", "answered_by", "answered_at", "updated_at"]
        )
    return locked


def response_publish(
    *,
    consultation: Consultation,
    by: Account,
    summary: str,
    request: HttpRequest | None = None,
) -> Consultation:
    """Publish the response report: what changed and why, every visible comment answered.

    It is announced in the catalogue and every commenter is told, once each.
    """
    _manager_check(by, consultation)
    _closed_check(consultation, action=_("发布反馈报告"))
    summary = text_clean(summary, label=_("采纳情况说明"), limit=RESPONSE_MAX)
    with transaction.atomic():
        locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if locked.responded_at is not None:
            raise DomainError(_("反馈报告已经发布"), code="already_responded")
        unanswered = selectors.unanswered_comments(consultation=locked).count()
        if unanswered:
            raise DomainError(
                _("还有 %(n)d 条意见未答复（处理结果和答复都要填写），全部答复后才能发布反馈报告")
                % {"n": unanswered},
                code="unanswered",
            )
        locked.response_summary = summary
        locked.responded_at = timezone.now()
        locked.responded_by = by
        counts = selectors.disposition_counts(consultation=locked)
        report_path = reverse("consultations:report", args=[locked.pk])
        locked.announcement = publication_publish(
            author=by,
            title=_("《%(title)s》征求意见采纳情况") % {"title": locked.title[:180]},
            summary=_("共答复意见 %(n)d 条：%(counts)s")
            % {
                "n": sum(c.count for c in counts),
                "counts": "，".join(
                    _("%(label)s %(n)d 条") % {"label": c.label, "n": c.count} for c in counts
                ),
            },
            body=_("%(summary)s\n\n逐条答复见反馈报告：\n%(link)s")
            % {"summary": summary, "link": public_url(report_path)},
            topic=Topic.CONSULTATION,
            area_code=locked.area.code,
        )
        locked.save(
            update_fields=[
                "response_summary",
                "responded_at",
                "responded_by",
                "announcement",
                "updated_at",
            ]
        )
        audit_record(
            event=AUDIT_RESPONDED,
            actor=by,
            subject_type="participation.consultation",
            subject_id=locked.pk,
            detail={"counts": {c.value: c.count for c in counts}},
            request=request,
        )
        commenters = (
            Account.objects.filter(
                pk__in=ConsultationComment.objects.filter(consultation=locked).values("author")
            )
            .order_by("pk")
            .iterator(chunk_size=500)
        )
        for commenter in commenters:
            message_send(
                recipient=commenter,
                template="consultation_report_published",
                context={"consultation": locked},
                link=report_path,
                dedupe_key=f"consultation-report:{locked.pk}",
            )
    return locked
