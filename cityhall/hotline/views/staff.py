"""Staff pages of the hotline: the operator console, each unit's queue, a ticket with the
actions its holder may take, callbacks. Views translate; services decide; selectors scope."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cityhall.core import crypto
from cityhall.core.audit import AuditEvent, audit_record
from cityhall.core.errors import DomainError, NotFoundError
from cityhall.geo.selectors import division_from_address
from cityhall.hotline import selectors
from cityhall.hotline.classification import suggest
from cityhall.hotline.forms import (
    CallbackForm,
    ConsoleForm,
    ExtensionForm,
    PhotosForm,
    ResolveForm,
    ReturnForm,
)
from cityhall.hotline.models import (
    Category,
    Channel,
    ExtensionRequest,
    Kind,
    PhotoPhase,
    Status,
    Ticket,
    TicketPhoto,
)
from cityhall.hotline.services import dispatch as handling
from cityhall.hotline.services.deadlines import warning_level
from cityhall.hotline.services.intake import TicketDraft, ticket_create
from cityhall.hotline.services.places import dispatch_targets_allowed, is_centre
from cityhall.identity.decorators import staff_required
from cityhall.identity.models import Account, AccountKind, OrgUnit
from cityhall.identity.roles import Capability, Role
from cityhall.identity.selectors import account_can, account_roles

MAX_QUEUE = 300


def _actor(request: HttpRequest) -> Account:
    return request.user  # type: ignore[return-value]


def _need(actor: Account, capability: Capability) -> None:
    if not account_can(actor, capability):
        raise PermissionDenied


def _suggestions(text: str) -> list[dict[str, Any]]:
    found = suggest(text) if len(text.strip()) >= 2 else []
    names = dict(
        Category.objects.filter(code__in=[s.category for s in found]).values_list("code", "name")
    )
    return [
        {
            "category": s.category,
            "category_name": names.get(s.category, ""),
            "type": s.kind,
            "type_name": Kind(s.kind).label,
            "confidence": s.confidence,
        }
        for s in found
    ]


def _ticket_row(ticket: Ticket) -> dict[str, Any]:
    return {
        "number": ticket.tracking_number,
        "category": ticket.category.name,
        "status": ticket.get_status_display(),
        "received_at": ticket.received_at.isoformat(),
        "description": ticket.description[:80],
        "url": reverse("hotline:staff_detail", args=[ticket.tracking_number]),
    }


@staff_required
@require_GET
def console_suggest(request: HttpRequest) -> JsonResponse:
    """What the console shows as the operator types: categories, the place, the caller's
    earlier tickets and possible duplicates."""
    actor = _actor(request)
    _need(actor, Capability.HOTLINE_INTAKE)
    text = request.GET.get("text", "")[:2000]
    address = request.GET.get("address", "")[:200]
    phone = request.GET.get("phone", "")[:20]
    place = division_from_address(address) if address.strip() else None
    suggestions = _suggestions(text)
    duplicates = []
    top = request.GET.get("category") or (suggestions[0]["category"] if suggestions else "")
    category = Category.objects.filter(code=top).first() if top else None
    lat, lng = _float(request.GET.get("lat")), _float(request.GET.get("lng"))
    if category is not None and lat is not None and lng is not None:
        duplicates = [
            {**_ticket_row(c.ticket), "similarity": c.similarity, "distance_m": c.distance_m}
            for c in selectors.duplicate_candidates(
                category_id=category.pk, text=text, lat=lat, lng=lng
            )
        ]
    callers = selectors.tickets_of_caller(actor=actor, phone=phone) if phone.strip() else []
    return JsonResponse(
        {
            "suggestions": suggestions,
            "place": {"code": place.code, "name": _place_name(place)} if place else None,
            "caller_tickets": [_ticket_row(t) for t in callers],
            "duplicates": duplicates,
        }
    )


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _place_name(division: Any) -> str:
    names = []
    while division is not None:
        names.append(division.name)
        division = division.parent
    return "".join(reversed(names[:-1] if len(names) > 1 else names))


@staff_required
@require_http_methods(["GET", "POST"])
def console(request: HttpRequest) -> HttpResponse:
    """The operator's call console: keyboard entry, caller history, suggestions, one submit."""
    actor = _actor(request)
    _need(actor, Capability.HOTLINE_INTAKE)
    form = ConsoleForm(request.POST or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("action") == "suggest":
            # Without JavaScript the operator asks for suggestions with a button.
            context["suggestions"] = _suggestions(data["description"])
            context["callers"] = selectors.tickets_of_caller(
                actor=actor, phone=data["reporter_phone"]
            )
            return render(request, "hotline/console.html", context)
        try:
            ticket = ticket_create(
                draft=TicketDraft(
                    description=data["description"],
                    channel=Channel.PHONE,
                    category_code=data["category"],
                    kind=data["kind"],
                    address=data["address"],
                    lat=data["lat"],
                    lng=data["lng"],
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    anonymous=data["anonymous"],
                    urgency=data["urgency"],
                    received_by=actor,
                    dispatch=data["dispatch"],
                )
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("已受理，工单编号 %(number)s（%(status)s：%(holder)s）")
                % {
                    "number": ticket.tracking_number,
                    "status": ticket.get_status_display(),
                    "holder": ticket.holder.name,
                },
            )
            return redirect("hotline:staff_detail", ticket.tracking_number)
    return render(request, "hotline/console.html", context)


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """The tickets waiting for my unit, with their deadline warnings and bulk actions."""
    actor = _actor(request)
    if not (
        account_can(actor, Capability.HOTLINE_HANDLE) or account_can(actor, Capability.GRID_PATROL)
    ):
        raise PermissionDenied
    status = request.GET.get("status", "")
    tickets = selectors.ticket_queue(actor=actor)
    if status in Status.values:
        tickets = tickets.filter(status=status)
    rows = [
        {
            "ticket": t,
            "warning": warning_level(t),
            "suggestion": handling.dispatch_suggestion(ticket=t),
        }
        for t in tickets.select_related("routed_unit", "holder__division")[:MAX_QUEUE]
    ]
    unit = actor.unit
    return render(
        request,
        "hotline/queue.html",
        {
            "rows": rows,
            "status": status,
            "statuses": Status.choices,
            "is_centre": unit is not None and is_centre(unit),
            "extensions": selectors.extensions_pending(actor=actor),
        },
    )


@staff_required
@require_POST
def queue_bulk(request: HttpRequest) -> HttpResponse:
    """Bulk actions of a queue: dispatch along the suggestions, sign for, archive."""
    actor = _actor(request)
    _need(actor, Capability.HOTLINE_HANDLE)
    numbers = request.POST.getlist("ticket")[:MAX_QUEUE]
    tickets = list(selectors.ticket_queue(actor=actor).filter(tracking_number__in=numbers))
    if not tickets:
        messages.error(request, _("请先勾选工单"))
        return redirect("hotline:queue")
    action = request.POST.get("bulk")
    problems: list[str] = []
    done = 0
    if action == "dispatch":
        done, problems = handling.ticket_dispatch_bulk(tickets=tickets, by=actor)
    elif action == "accept":
        for ticket in tickets:
            try:
                handling.ticket_accept(ticket=ticket, by=actor)
                done += 1
            except DomainError as error:
                problems.append(f"{ticket.tracking_number}：{error.message}")
    else:
        messages.error(request, _("未知的批量操作"))
        return redirect("hotline:queue")
    messages.success(request, _("已处理 %(n)s 件") % {"n": done})
    for problem in problems:
        messages.warning(request, problem)
    return redirect("hotline:queue")


@staff_required
def callbacks(request: HttpRequest) -> HttpResponse:
    """Resolved tickets to call back, called-back ones to archive (caller numbers shown for the
    call, each view audited)."""
    actor = _actor(request)
    _need(actor, Capability.HOTLINE_INTAKE)
    tickets = list(selectors.tickets_to_close(actor=actor).select_related("reporter")[:100])
    for ticket in tickets:
        ticket.contact_phone = _contact_phone(ticket)  # type: ignore[attr-defined]
        if ticket.status == Status.RESOLVED and ticket.contact_phone:  # type: ignore[attr-defined]
            # Shown in full for the call: one entry per number read; a reporter with an account
            # sees it among "who looked at my data".
            account = ticket.reporter
            audit_record(
                event=AuditEvent.PERSONAL_DATA_READ,
                actor=actor,
                subject_type="account" if account else "hotline_ticket",
                subject_id=str(account.pk if account else ticket.pk),
                detail={"fields": ["phone"], "masked": False, "purpose": "回访"},
                request=request,
            )
    return render(request, "hotline/callbacks.html", {"tickets": tickets, "form": CallbackForm()})


def _contact_phone(ticket: Ticket) -> str:
    if ticket.reporter is not None:
        return ticket.reporter.phone
    return ticket.reporter_phone


def _detail_context(actor: Account, ticket: Ticket) -> dict[str, Any]:
    roles = account_roles(actor)
    holder = ticket.holder
    at_holder = actor.unit_id == holder.pk
    centre_staff = (
        at_holder and is_centre(holder) and bool(roles & {Role.DISPATCHER, Role.HOTLINE_OPERATOR})
    )
    officer = at_holder and not is_centre(holder) and Role.HANDLING_OFFICER in roles
    handler = officer or (ticket.inspector_id == actor.pk)
    targets: list[OrgUnit] = []
    if centre_staff and ticket.status in (Status.RECEIVED, Status.RETURNED, Status.DISPATCHED):
        candidates = OrgUnit.objects.filter(is_active=True).select_related("division")
        if holder.level == "city":
            candidates = candidates.filter(level__in=["city", "district"])
        else:
            candidates = candidates.filter(division__code__startswith=holder.division.code)
        targets = [
            u
            for u in candidates.order_by("level", "code")
            if dispatch_targets_allowed(centre=holder, target=u)
        ]
    inspectors: list[Account] = []
    if officer and holder.level == "street":
        inspectors = list(
            Account.objects.filter(
                kind=AccountKind.STAFF, unit=holder, roles__role=Role.GRID_INSPECTOR, is_active=True
            ).order_by("username")
        )
    pending = ticket.extensions.filter(status="pending").first()
    duplicates = []
    if centre_staff and ticket.status in (Status.RECEIVED, Status.DISPATCHED, Status.RETURNED):
        duplicates = selectors.duplicate_candidates(
            category_id=ticket.category_id,
            text=ticket.description,
            lat=ticket.lat,
            lng=ticket.lng,
            grid_code=ticket.grid_code,
            exclude_pk=ticket.pk,
        )
    return {
        "ticket": ticket,
        "warning": warning_level(ticket) if ticket.is_open else "",
        "reporter_name": crypto.mask_name(ticket.reporter_name) if ticket.reporter_name else "",
        "reporter_phone": crypto.mask_phone(ticket.reporter_phone) if ticket.reporter_phone else "",
        "events": ticket.events.select_related("actor", "unit"),
        "photos": ticket.photos.all(),
        "callbacks": ticket.callbacks.all(),
        "merged": ticket.duplicates.all(),
        "escalations": ticket.escalations.select_related("unit"),
        "can": {
            "dispatch": bool(targets),
            "reclassify": centre_staff and ticket.status in (Status.RECEIVED, Status.RETURNED),
            "accept": officer and ticket.status == Status.DISPATCHED,
            "assign": bool(inspectors)
            and ticket.status in (Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED),
            "start": handler and ticket.status in (Status.ACCEPTED, Status.REOPENED),
            "resolve": (
                handler and ticket.status in (Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED)
            )
            or (centre_staff and ticket.status in (Status.RECEIVED, Status.RETURNED)),
            "photos": handler and ticket.is_open,
            "return": (officer or (centre_staff and ticket.dispatched_by_unit_id is not None))
            and ticket.status in (Status.DISPATCHED, Status.ACCEPTED),
            "extend": officer
            and pending is None
            and ticket.status in (Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED),
            "decide_extension": pending is not None
            and actor.unit_id == ticket.dispatched_by_unit_id
            and Role.DISPATCHER in roles,
            "callback": ticket.status == Status.RESOLVED
            and account_can(actor, Capability.HOTLINE_INTAKE)
            and actor.unit is not None
            and is_centre(actor.unit),
            "archive": ticket.status in (Status.CALLED_BACK, Status.RESOLVED)
            and account_can(actor, Capability.HOTLINE_INTAKE)
            and actor.unit is not None
            and is_centre(actor.unit),
            "merge": centre_staff
            and ticket.status in (Status.RECEIVED, Status.DISPATCHED, Status.RETURNED),
        },
        "targets": targets,
        "suggested_target": handling.dispatch_suggestion(ticket=ticket),
        "inspectors": inspectors,
        "grid_inspector": handling.inspector_for_grid(ticket=ticket),
        "pending_extension": pending,
        "duplicates": duplicates,
        "categories": Category.objects.filter(is_active=True).order_by("code"),
        "kinds": Kind.choices,
        # One page, several forms: distinct ids keep every label on its own input.
        "resolve_form": ResolveForm(auto_id="resolve_%s"),
        "photos_form": PhotosForm(auto_id="photos_%s"),
        "return_form": ReturnForm(auto_id="return_%s"),
        "extension_form": ExtensionForm(auto_id="extension_%s"),
        "callback_form": CallbackForm(auto_id="callback_%s"),
    }


@staff_required
def detail(request: HttpRequest, number: str) -> HttpResponse:
    actor = _actor(request)
    ticket = selectors.ticket_get_for_staff(actor=actor, number=number)
    if ticket.reporter_name or ticket.reporter_phone:
        # Masked, but still a read of someone's personal data: recorded (on the account, when
        # there is one, so the citizen sees it among "who looked at my data").
        account = ticket.reporter
        audit_record(
            event=AuditEvent.PERSONAL_DATA_READ,
            actor=actor,
            subject_type="account" if account else "hotline_ticket",
            subject_id=str(account.pk if account else ticket.pk),
            detail={"fields": ["name", "phone"], "masked": True},
            request=request,
        )
    return render(request, "hotline/detail.html", _detail_context(actor, ticket))


def _unit(pk: str | None) -> OrgUnit:
    unit = (
        OrgUnit.objects.filter(pk=pk or 0).select_related("division", "parent").first()
        if (pk or "").isdigit()
        else None
    )
    if unit is None:
        raise DomainError(_("请选择单位"), code="unit_required")
    return unit


def _act(request: HttpRequest, actor: Account, ticket: Ticket, action: str) -> str:
    """Run one action on the ticket; returns the message to show."""
    post = request.POST
    if action == "dispatch":
        handling.ticket_dispatch(
            ticket=ticket, to=_unit(post.get("unit")), by=actor, note=post.get("note", "")
        )
        return _("已派单")
    if action == "reclassify":
        category = Category.objects.filter(code=post.get("category", ""), is_active=True).first()
        if category is None:
            raise DomainError(_("未知的诉求分类"), code="unknown_category")
        handling.ticket_reclassify(
            ticket=ticket,
            category=category,
            by=actor,
            kind=post.get("kind", "") if post.get("kind") in Kind.values else "",
        )
        return _("分类已更正，派单建议已更新")
    if action == "accept":
        handling.ticket_accept(ticket=ticket, by=actor)
        return _("已签收")
    if action == "assign":
        inspector = (
            Account.objects.filter(pk=post.get("inspector") or 0, kind=AccountKind.STAFF).first()
            if (post.get("inspector") or "").isdigit()
            else None
        )
        if inspector is None:
            raise DomainError(_("请选择网格员"), code="inspector_required")
        handling.ticket_assign_inspector(ticket=ticket, inspector=inspector, by=actor)
        return _("已指派网格员")
    if action == "start":
        handling.ticket_start(ticket=ticket, by=actor)
        return _("已开始办理")
    if action == "photos":
        photos_form = PhotosForm(post, request.FILES)
        if not photos_form.is_valid():
            raise DomainError(_("请选择照片"), code="photos_required")
        handling.ticket_photos_add(
            ticket=ticket,
            photos=photos_form.cleaned_data["photos"],
            phase=photos_form.cleaned_data["phase"],
            by=actor,
        )
        return _("照片已上传")
    if action == "resolve":
        resolve_form = ResolveForm(post, request.FILES)
        if not resolve_form.is_valid():
            raise DomainError(_("请填写办理结果"), code="reason_required")
        if resolve_form.cleaned_data["photos"]:
            handling.ticket_photos_add(
                ticket=ticket,
                photos=resolve_form.cleaned_data["photos"],
                phase=PhotoPhase.AFTER,
                by=actor,
            )
        handling.ticket_resolve(ticket=ticket, result=resolve_form.cleaned_data["result"], by=actor)
        return _("已办结")
    if action == "return":
        handling.ticket_return(
            ticket=ticket,
            reason_code=post.get("reason_code", ""),
            note=post.get("note", ""),
            by=actor,
        )
        return _("已退单")
    if action == "extend":
        extension_form = ExtensionForm(post)
        if not extension_form.is_valid():
            raise DomainError(_("延期天数须为 1 到 30 个工作日"), code="invalid_days")
        handling.extension_request(
            ticket=ticket,
            days=extension_form.cleaned_data["days"],
            reason=extension_form.cleaned_data["reason"],
            by=actor,
        )
        return _("延期申请已提交")
    if action == "decide_extension":
        request_row = (
            ExtensionRequest.objects.filter(ticket=ticket, pk=post.get("request") or 0).first()
            if (post.get("request") or "").isdigit()
            else None
        )
        if request_row is None:
            raise NotFoundError(_("未找到该延期申请"))
        approve = post.get("decision") == "approve"
        handling.extension_decide(
            request=request_row, approve=approve, note=post.get("note", ""), by=actor
        )
        return _("已批准延期") if approve else _("已驳回延期")
    if action == "callback":
        handling.ticket_callback(
            ticket=ticket,
            satisfaction=post.get("satisfaction", ""),
            reason=post.get("reason", ""),
            by=actor,
        )
        return _("回访已记录")
    if action == "archive":
        handling.ticket_archive(ticket=ticket, by=actor)
        return _("已归档")
    if action == "merge":
        master = (
            selectors.ticket_scope(actor=actor)
            .filter(tracking_number=post.get("master", "").strip())
            .first()
        )
        if master is None:
            raise NotFoundError(_("未找到主工单"))
        handling.ticket_merge(duplicate=ticket, master=master, by=actor)
        return _("已合并到工单 %(number)s") % {"number": master.tracking_number}
    raise NotFoundError(_("未知的操作"))


@staff_required
@require_POST
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    actor = _actor(request)
    ticket = selectors.ticket_get_for_staff(actor=actor, number=number)
    try:
        messages.success(request, _act(request, actor, ticket, action))
    except DomainError as error:
        messages.error(request, error.message)
    back = request.POST.get("next", "")
    if back in ("inspector", "callbacks"):
        target = {
            "inspector": reverse("hotline:inspector_task", args=[number]),
            "callbacks": reverse("hotline:callbacks"),
        }[back]
        return redirect(target)
    # After a hand-over the ticket may be outside the actor's view: back to the queue then.
    if not selectors.ticket_scope(actor=actor).filter(pk=ticket.pk).exists():
        return redirect("hotline:queue")
    return redirect("hotline:staff_detail", number)


@staff_required
def photo(request: HttpRequest, photo_id: int) -> FileResponse:
    """A ticket's photo, for staff who may see the ticket."""
    actor = _actor(request)
    row = TicketPhoto.objects.filter(pk=photo_id).select_related("ticket").first()
    if row is None or not selectors.ticket_scope(actor=actor).filter(pk=row.ticket_id).exists():
        raise NotFoundError(_("未找到该照片"))
    return FileResponse(row.file.open("rb"), content_type=row.content_type)
