"""Consultation pages: the public list, draft and report, residents' comments and supports, the
moderation policy, and the department's pages (publish, moderate, answer, report)."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cityhall.core.errors import DomainError, NotFoundError
from cityhall.identity.decorators import citizen_required, staff_required
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import require_capability
from cityhall.participation import selectors as participation_selectors
from cityhall.participation.consultations import drafts, selectors, services
from cityhall.participation.consultations.forms import (
    AnswerForm,
    CommentForm,
    ConsultationForm,
    HideForm,
    ResponseForm,
)
from cityhall.participation.consultations.selectors import ConsultationStatus
from cityhall.participation.models import Consultation, DraftArticle, HideReason

# What each reason of the moderation policy covers (the policy page explains them all).
POLICY_DETAILS = {
    HideReason.OFF_TOPIC: gettext_lazy(
        "与征求意见的草案或讨论的事项无关的内容，例如咨询个人办事进度、投诉与本话题无关的问题"
        "（请通过12345热线或领导信箱反映）。"
    ),
    HideReason.ABUSE: gettext_lazy(
        "侮辱、谩骂、威胁他人，或因民族、性别、地域、职业、残疾等歧视他人的内容。"
        "批评政府工作、反对草案的意见不属于此类，一律显示。"
    ),
    HideReason.PERSONAL_DATA: gettext_lazy(
        "公开他人的姓名、身份证号、电话、住址、车牌等个人信息，或他人的照片。"
        "写明自己的信息也不建议，请在领导信箱中私下提供。"
    ),
    HideReason.ADVERTISING: gettext_lazy(
        "商业广告、推销、招揽生意、与讨论无关的链接和重复的无意义内容。"
    ),
    HideReason.DUPLICATE: gettext_lazy(
        "同一人多次发布内容相同或基本相同的意见；保留最早的一条，其余隐藏。"
        "不同的人表达相同的意见不属于重复，可使用“附议”。"
    ),
    HideReason.UNLAWFUL: gettext_lazy(
        "法律法规禁止发布的内容，例如泄露国家秘密、煽动违法犯罪、谣言等。"
    ),
}


def _now() -> Any:
    return timezone.now()


def _viewer(request: HttpRequest) -> Account | None:
    return request.user if isinstance(request.user, Account) else None


def _detail_link(consultation: Consultation, comment_id: int) -> str:
    return f"{reverse('consultations:detail', args=[consultation.pk])}#comment-{comment_id}"


# --- public -------------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in ConsultationStatus.values else ""
    text = request.GET.get("q", "").strip()[:60]
    page = Paginator(selectors.consultations_public(status=status, text=text), 20).get_page(
        request.GET.get("page")
    )
    now = _now()
    return render(
        request,
        "participation/consultations/index.html",
        {
            "page": page,
            "rows": [selectors.consultation_row(c, now) for c in page.object_list],
            "statuses": ConsultationStatus.choices,
            "status": status,
            "q": text,
        },
    )


def _detail(
    request: HttpRequest,
    consultation: Consultation,
    *,
    comment_error: dict[str, str] | None = None,
    page_error: str = "",
    status: int = 200,
) -> HttpResponse:
    viewer = _viewer(request)
    page = selectors.consultation_page(consultation=consultation, viewer=viewer)
    row = selectors.consultation_row(consultation)
    return render(
        request,
        "participation/consultations/detail.html",
        {
            "consultation": consultation,
            "page": page,
            "row": row,
            "can_comment": bool(viewer and viewer.is_citizen and row.status == "open"),
            "comment_error": comment_error or {},
            "page_error": page_error,
            "comment_max": services.COMMENT_MAX,
        },
        status=status,
    )


def detail(request: HttpRequest, consultation_id: int) -> HttpResponse:
    consultation = selectors.consultation_get(consultation_id=consultation_id)
    return _detail(request, consultation)


@citizen_required
@require_POST
def comment(request: HttpRequest, consultation_id: int) -> HttpResponse:
    account: Account = request.user  # type: ignore[assignment]
    consultation = selectors.consultation_get(consultation_id=consultation_id)
    form = CommentForm(request.POST)
    if not form.is_valid():  # only a forged article number fails here
        raise NotFoundError(_("没有这一条"))
    number = form.cleaned_data.get("article")
    body = request.POST.get("body", "")
    article = None
    if number:
        article = DraftArticle.objects.filter(consultation=consultation, number=number).first()
        if article is None:
            raise NotFoundError(_("没有这一条"))
    try:
        created = services.comment_add(
            consultation=consultation, author=account, body=body, article=article
        )
    except DomainError as error:
        target = f"a{number}" if number else "general"
        return _detail(
            request,
            consultation,
            comment_error={"target": target, "message": error.message, "body": body},
            status=400,
        )
    messages.success(request, _("您的意见已发表，感谢参与。"))
    return redirect(
        f"{reverse('consultations:detail', args=[consultation.pk])}#comment-{created.pk}"
    )


@citizen_required
@require_POST
def support(request: HttpRequest, consultation_id: int, comment_id: int) -> HttpResponse:
    account: Account = request.user  # type: ignore[assignment]
    consultation = selectors.consultation_get(consultation_id=consultation_id)
    target = selectors.comment_get(consultation=consultation, comment_id=comment_id)
    try:
        services.comment_support(comment=target, supporter=account)
    except DomainError as error:
        return _detail(request, consultation, page_error=error.message, status=400)
    messages.success(request, _("已附议。"))
    return redirect(
        f"{reverse('consultations:detail', args=[consultation.pk])}#comment-{target.pk}"
    )


def report(request: HttpRequest, consultation_id: int) -> HttpResponse:
    consultation = selectors.report_get(consultation_id=consultation_id)
    return render(
        request,
        "participation/consultations/report.html",
        {
            "consultation": consultation,
            "page": selectors.consultation_page(consultation=consultation, viewer=_viewer(request)),
            "counts": selectors.disposition_counts(consultation=consultation),
        },
    )


def policy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "participation/consultations/policy.html",
        {"reasons": [(label, POLICY_DETAILS[HideReason(v)]) for v, label in HideReason.choices]},
    )


# --- staff --------------------------------------------------------------------------------


@staff_required
def manage_index(request: HttpRequest) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    consultations = selectors.consultations_of_unit(actor=actor)
    now = _now()
    return render(
        request,
        "participation/consultations/manage_index.html",
        {"rows": [selectors.consultation_row(c, now) for c in consultations]},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def manage_new(request: HttpRequest) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    require_capability(actor, Capability.PARTICIPATION_MANAGE)
    areas = [(d.code, d.name) for d in participation_selectors.publishable_areas(actor=actor)]
    initial = {"opens_at": timezone.localtime().replace(second=0, microsecond=0)}
    form = ConsultationForm(request.POST or None, areas=areas, initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("action") == "preview":
                preview = drafts.draft_parse(data["draft"], title=data["title"])
            else:
                consultation = services.consultation_create(
                    author=actor,
                    title=data["title"],
                    summary=data["summary"],
                    area_code=data["area"],
                    opens_at=data["opens_at"],
                    closes_at=data["closes_at"],
                    draft=data["draft"],
                )
                messages.success(
                    request, _("已发布征求意见，并在政府信息公开中发布了公告，订阅人将收到通知。")
                )
                return redirect("consultations:manage_detail", consultation.pk)
        except DomainError as error:
            form.add_error(None, error.message)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "participation/consultations/manage_new.html",
        {
            "form": form,
            "preview": preview,
            "preview_rows": [
                (selectors.article_label(DraftArticle(number=a.number, heading=a.heading)), a)
                for a in (preview.articles if preview else [])
            ],
        },
        status=status,
    )


def _manage(
    request: HttpRequest,
    consultation: Consultation,
    *,
    bound: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The manage page; `bound` holds a form that failed ("hide-<id>", "answer-<id>", "report")."""
    bound = bound or {}
    show = request.GET.get("show", "")
    page = selectors.consultation_page(consultation=consultation, viewer=None)
    row = selectors.consultation_row(consultation)
    closed = row.status in (ConsultationStatus.CLOSED, ConsultationStatus.RESPONDED)
    blocks = []
    for block in [*page.articles, page.general]:
        items = []
        for item in block.comments:
            c = item.comment
            unanswered = not c.is_hidden and not (c.disposition and c.answer)
            if show == "unanswered" and not unanswered:
                continue
            if show == "hidden" and not c.is_hidden:
                continue
            items.append(
                {
                    "row": item,
                    "unanswered": unanswered,
                    "hide_form": bound.get(f"hide-{c.pk}") or HideForm(prefix=f"h{c.pk}"),
                    "answer_form": bound.get(f"answer-{c.pk}")
                    or AnswerForm(
                        prefix=f"a{c.pk}",
                        initial={"disposition": c.disposition, "answer": c.answer},
                    ),
                    "can_answer": (
                        closed
                        and not c.is_hidden
                        and not (consultation.responded_at and c.answered_at)
                    ),
                    "error": bound.get(f"error-{c.pk}", ""),
                }
            )
        blocks.append({"block": block, "items": items})
    return render(
        request,
        "participation/consultations/manage_detail.html",
        {
            "consultation": consultation,
            "row": row,
            "closed": closed,
            "blocks": blocks,
            "show": show,
            "visible_count": page.visible_count,
            "hidden_count": page.hidden_count,
            "unanswered_count": selectors.unanswered_comments(consultation=consultation).count(),
            "counts": selectors.disposition_counts(consultation=consultation),
            "report_form": bound.get("report") or ResponseForm(),
        },
        status=status,
    )


def _manage_link(consultation: Consultation, comment_id: int | None = None) -> str:
    url = reverse("consultations:manage_detail", args=[consultation.pk])
    return f"{url}#comment-{comment_id}" if comment_id else url


@staff_required
def manage_detail(request: HttpRequest, consultation_id: int) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    consultation = selectors.consultation_for_staff(actor=actor, consultation_id=consultation_id)
    return _manage(request, consultation)


@staff_required
@require_POST
def manage_hide(request: HttpRequest, consultation_id: int, comment_id: int) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    target = selectors.comment_for_staff(
        actor=actor, consultation_id=consultation_id, comment_id=comment_id
    )
    form = HideForm(request.POST, prefix=f"h{target.pk}")
    if form.is_valid():
        try:
            services.comment_hide(
                comment=target,
                by=actor,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已隐藏该意见，并已告知提出人原因。"))
            return redirect(_manage_link(target.consultation, target.pk))
    return _manage(request, target.consultation, bound={f"hide-{target.pk}": form}, status=400)


@staff_required
@require_POST
def manage_restore(request: HttpRequest, consultation_id: int, comment_id: int) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    target = selectors.comment_for_staff(
        actor=actor, consultation_id=consultation_id, comment_id=comment_id
    )
    try:
        services.comment_restore(comment=target, by=actor, request=request)
    except DomainError as error:
        return _manage(
            request, target.consultation, bound={f"error-{target.pk}": error.message}, status=400
        )
    messages.success(request, _("已恢复显示该意见。"))
    return redirect(_manage_link(target.consultation, target.pk))


@staff_required
@require_POST
def manage_answer(request: HttpRequest, consultation_id: int, comment_id: int) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    target = selectors.comment_for_staff(
        actor=actor, consultation_id=consultation_id, comment_id=comment_id
    )
    form = AnswerForm(request.POST, prefix=f"a{target.pk}")
    if form.is_valid():
        try:
            services.comment_answer(
                comment=target,
                by=actor,
                disposition=form.cleaned_data["disposition"],
                answer=form.cleaned_data["answer"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("答复已保存。"))
            return redirect(_manage_link(target.consultation, target.pk))
    return _manage(request, target.consultation, bound={f"answer-{target.pk}": form}, status=400)


@staff_required
@require_POST
def manage_report(request: HttpRequest, consultation_id: int) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    consultation = selectors.consultation_for_staff(actor=actor, consultation_id=consultation_id)
    form = ResponseForm(request.POST)
    if form.is_valid():
        try:
            services.response_publish(
                consultation=consultation,
                by=actor,
                summary=form.cleaned_data["summary"],
                request=request,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("反馈报告已发布，已通知每一位提出意见的市民。"))
            return redirect("consultations:report", consultation.pk)
    return _manage(request, consultation, bound={"report": form}, status=400)
