"""Staff pages: the reviewer's inbox and task, window intake, supervision, KPIs, rectification."""

from datetime import date, timedelta
from uuid import uuid4

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cityhall.applications import kpis, selectors
from cityhall.applications.forms import (
    ApplicationForm,
    CardLookupForm,
    CitizenLookupForm,
    DecisionForm,
    VisitForm,
)
from cityhall.applications.models import Application, RectificationStatus
from cityhall.applications.services import ratings, review
from cityhall.applications.services.intake import (
    UNIT_VENUE,
    Intake,
    application_submit,
    window_citizen_identify,
    window_citizen_identify_by_card,
)
from cityhall.applications.supervision_sections import sections_for
from cityhall.applications.views.citizen import apply_context, form_errors_apply
from cityhall.catalog import selectors as catalog
from cityhall.core import crypto
from cityhall.core.errors import DomainError, NotFoundError
from cityhall.identity.decorators import staff_required
from cityhall.identity.models import Account, UnitLevel
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import require_capability

WINDOW_SESSION_KEY = "window_citizen"


def _actor(request: HttpRequest) -> Account:
    return request.user  # type: ignore[return-value]


@staff_required
def inbox(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    done = request.GET.get("done") == "1"
    tasks = selectors.inbox_for(actor=actor, done=done)[:200]
    return render(request, "applications/inbox.html", {"tasks": tasks, "done": done})


@staff_required
@require_http_methods(["GET", "POST"])
def task(request: HttpRequest, task_id: int) -> HttpResponse:
    actor = _actor(request)
    found = selectors.task_for(actor=actor, task_id=task_id)
    form = DecisionForm(request.POST if request.POST.get("action") == "decide" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "claim":
                review.task_claim(task_id=found.pk, by=actor)
                messages.success(request, _("已签收"))
                return redirect("applications:task", found.pk)
            if form.is_valid():
                review.task_decide(
                    task_id=found.pk,
                    by=actor,
                    outcome=form.cleaned_data["outcome"],
                    opinion=form.cleaned_data["opinion"],
                )
                messages.success(request, _("审查意见已提交"))
                return redirect("applications:inbox")
        except DomainError as error:
            form.add_error(None, error.message)
    application = found.application
    return render(
        request,
        "applications/task.html",
        {
            "task": found,
            "application": application,
            "applicant_id_masked": crypto.mask_id_number(application.applicant.id_number),
            "form": form,
        },
    )


@staff_required
def material(request: HttpRequest, material_id: int) -> StreamingHttpResponse:
    found = selectors.material_for_staff(actor=_actor(request), material_id=material_id)
    return FileResponse(
        found.file.open("rb"),
        content_type=found.content_type,
        as_attachment=True,
        filename=(found.file.name or "material").rsplit("/", 1)[-1],
    )


def _window_citizen(request: HttpRequest) -> Account | None:
    citizen_id = request.session.get(WINDOW_SESSION_KEY)
    return Account.objects.filter(pk=citizen_id).first() if citizen_id else None


@staff_required
@require_http_methods(["GET", "POST"])
def window(request: HttpRequest) -> HttpResponse:
    """Step 1: identify the walk-in by ID; step 2: choose the item."""
    actor = _actor(request)
    require_capability(actor, Capability.WINDOW_INTAKE)
    by_card = request.POST.get("action") == "card"
    lookup = CitizenLookupForm(None if by_card else request.POST or None)
    card_lookup = CardLookupForm(request.POST if by_card else None, prefix="card")
    if request.method == "POST":
        if request.POST.get("action") == "clear":
            request.session.pop(WINDOW_SESSION_KEY, None)
            return redirect("applications:window")
        if by_card and card_lookup.is_valid():
            try:
                citizen = window_citizen_identify_by_card(
                    clerk=actor,
                    card_number=card_lookup.cleaned_data["card_number"],
                    pin=card_lookup.cleaned_data["pin"],
                    request=request,
                )
            except DomainError as error:
                card_lookup.add_error(None, error.message)
            else:
                request.session[WINDOW_SESSION_KEY] = citizen.pk
                return redirect("applications:window")
        elif not by_card and lookup.is_valid():
            try:
                citizen = window_citizen_identify(
                    clerk=actor, id_number=lookup.cleaned_data["id_number"], request=request
                )
            except DomainError as error:
                lookup.add_error("id_number", error.message)
            else:
                request.session[WINDOW_SESSION_KEY] = citizen.pk
                return redirect("applications:window")
    chosen = _window_citizen(request)
    venue = UNIT_VENUE[UnitLevel(actor.unit.level)] if actor.unit else ""
    text = request.GET.get("q", "").strip()[:60]
    items = catalog.item_search(text=text, venue=venue)[:60] if chosen else []
    return render(
        request,
        "applications/window.html",
        {
            "lookup": lookup,
            "card_lookup": card_lookup,
            "citizen": chosen,
            "citizen_id_masked": crypto.mask_id_number(chosen.id_number) if chosen else "",
            "items": items,
            "q": text,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def window_apply(request: HttpRequest, code: str) -> HttpResponse:
    actor = _actor(request)
    require_capability(actor, Capability.WINDOW_INTAKE)
    citizen = _window_citizen(request)
    if citizen is None:
        messages.error(request, _("请先核验申请人身份"))
        return redirect("applications:window")
    context = apply_context(account=citizen, item_code=code)
    plan = context["plan"]
    form = ApplicationForm(
        request.POST or None,
        request.FILES or None,
        fields=plan.fields,  # type: ignore[attr-defined]
        upload_materials=context["upload_materials"],  # type: ignore[arg-type]
        window=True,
        initial={"idempotency_key": uuid4().hex},
    )
    if request.method == "POST" and form.is_valid():
        try:
            application = application_submit(
                Intake(
                    applicant=citizen,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    item_code=code,
                    form=form.form_values(),
                    uploads=form.uploads(),
                    channel="window",
                    clerk=actor,
                    checked_at_window=form.seen(),
                )
            )
        except DomainError as error:
            form_errors_apply(form, error)
        else:
            return redirect("applications:receipt", application.number)
    return render(
        request,
        "applications/window_apply.html",
        {**context, "form": form, "citizen": citizen},
    )


@staff_required
def receipt(request: HttpRequest, number: str) -> HttpResponse:
    """The printable receipt (受理回执) for the clerk who took the application in."""
    actor = _actor(request)
    require_capability(actor, Capability.WINDOW_INTAKE)
    application = (
        Application.objects.filter(number=number, clerk=actor)
        .prefetch_related("certificates", "materials")
        .first()
    )
    if application is None:
        raise NotFoundError(_("没有这个办件"))
    return render(request, "applications/receipt.html", {"application": application})


@staff_required
def supervision(request: HttpRequest) -> HttpResponse:
    cards = selectors.cards_for(actor=_actor(request), open_only=request.GET.get("all") != "1")
    by_unit: dict[str, list[object]] = {}
    for card in cards[:500]:
        by_unit.setdefault(card.unit.name, []).append(card)
    return render(
        request,
        "applications/supervision.html",
        {"by_unit": by_unit, "sections": sections_for(_actor(request))},
    )


def kpi_range(request: HttpRequest) -> tuple[date, date]:
    today = timezone.localdate()
    since = parse_date(request.GET.get("since", "")) or today - timedelta(days=365)
    until = parse_date(request.GET.get("until", "")) or today
    return since, until


@staff_required
def kpi_page(request: HttpRequest) -> HttpResponse:
    since, until = kpi_range(request)
    rows, total = kpis.kpis_for(actor=_actor(request), since=since, until=until)
    return render(
        request,
        "applications/kpis.html",
        {
            "rows": [r.as_dict() for r in rows],
            "total": total.as_dict(),
            "since": since,
            "until": until,
        },
    )


@staff_required
def rectifications(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    rows = selectors.rectifications_for(actor=actor).order_by("status", "due_date")[:200]
    return render(
        request,
        "applications/rectifications.html",
        {
            "rows": [(r, VisitForm(prefix=f"v{r.pk}")) for r in rows],
            "open": RectificationStatus.OPEN,
            "show_raters": selectors.can_see_raters(actor=actor),
        },
    )


@staff_required
@require_POST
def rectification_visit(request: HttpRequest, rectification_id: int) -> HttpResponse:
    form = VisitForm(request.POST, prefix=f"v{rectification_id}")
    if form.is_valid():
        try:
            ratings.rectification_visit(
                rectification_id=rectification_id, by=_actor(request), **form.cleaned_data
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("回访已记录"))
    else:
        messages.error(request, _("请填写整改措施和回访记录"))
    return redirect("applications:rectifications")
