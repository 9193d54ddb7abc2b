"""The data steward's workspace (数据管理员): grant requests to decide and revoke, the
department's own requests, its client systems and their secrets, the access log with its
verification, and citizens' objections to answer. Views translate; the services decide; the
selectors scope everything to the steward's department."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cityhall.core.errors import DomainError, NotFoundError, PermissionDeniedError
from cityhall.exchange import selectors
from cityhall.exchange.forms import (
    AnswerForm,
    ClientRegisterForm,
    ClientStatusForm,
    LogFilterForm,
    ProveForm,
    ReasonForm,
    RotateForm,
)
from cityhall.exchange.models import AccessGrant, Objection
from cityhall.exchange.services import clients as client_services
from cityhall.exchange.services import grants as grant_services
from cityhall.exchange.services.clients import IssuedSecret
from cityhall.exchange.services.log import entry_prove, log_verify
from cityhall.exchange.services.objections import objection_answer
from cityhall.exchange.vocab import ClientStatus, GrantStatus, ObjectionStatus
from cityhall.identity.decorators import staff_required
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import account_can

PAGE_SIZE = 50


def _steward(request: HttpRequest) -> Account:
    """The signed-in data steward (anyone else: 403)."""
    actor: Account = request.user  # type: ignore[assignment]
    if not account_can(actor, Capability.DATA_STEWARDSHIP) or actor.unit_id is None:
        raise PermissionDenied
    return actor


def _scoped(error: DomainError) -> bool:
    """Out of scope (404) and forbidden (403) are answered by the middleware, not the form."""
    return isinstance(error, NotFoundError | PermissionDeniedError)


def _grant_rows(grants: list[AccessGrant]) -> list[dict[str, Any]]:
    labels = selectors.resource_fields_of({g.resource.code for g in grants})
    return [
        {"grant": g, "fields": [labels.get((g.resource.code, f), f) for f in g.fields]}
        for g in grants
    ]


# Grant requests for our resources ------------------------------------------------------------


@staff_required
@require_GET
def incoming(request: HttpRequest) -> HttpResponse:
    """Requests for our resources: those waiting for a decision, then every decided one."""
    actor = _steward(request)
    grants = selectors.grants_incoming(actor=actor)
    pending = list(grants.filter(status=GrantStatus.REQUESTED).order_by("created_at"))
    decided = Paginator(
        grants.exclude(status=GrantStatus.REQUESTED).order_by("-created_at"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "exchange/steward_incoming.html",
        {
            "tab": "incoming",
            "pending": _grant_rows(pending),
            "page": decided,
            "decided": _grant_rows(list(decided.object_list)),
        },
    )


@staff_required
@require_POST
def grant_decide_view(request: HttpRequest, number: str) -> HttpResponse:
    actor = _steward(request)
    form = ReasonForm(request.POST)
    approve = request.POST.get("decision") == "approve"
    if request.POST.get("decision") not in ("approve", "reject") or not form.is_valid():
        messages.error(request, _("请选择批准或驳回，理由不超过 300 字"))
        return redirect("exchange:steward")
    try:
        grant = grant_services.grant_decide(
            actor=actor, number=number, approve=approve, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        if _scoped(error):
            raise
        messages.error(request, f"{number}：{error.message}")
    else:
        messages.success(
            request,
            _("申请 %(number)s：%(status)s")
            % {"number": grant.number, "status": grant.get_status_display()},
        )
    return redirect("exchange:steward")


@staff_required
@require_POST
def grant_revoke_view(request: HttpRequest, number: str) -> HttpResponse:
    """Revoking takes effect at once: the next query under the grant is refused."""
    actor = _steward(request)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("理由不超过 300 字"))
        return redirect("exchange:steward")
    try:
        grant = grant_services.grant_revoke(
            actor=actor, number=number, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        if _scoped(error):
            raise
        messages.error(request, f"{number}：{error.message}")
    else:
        messages.success(request, _("授权 %(number)s 已撤销，立即生效") % {"number": grant.number})
    return redirect("exchange:steward")


# Our own requests ------------------------------------------------------------------------------


@staff_required
@require_GET
def outgoing(request: HttpRequest) -> HttpResponse:
    actor = _steward(request)
    page = Paginator(selectors.grants_outgoing(actor=actor), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "exchange/steward_requests.html",
        {"tab": "requests", "page": page, "rows": _grant_rows(list(page.object_list))},
    )


# Client systems ---------------------------------------------------------------------------------


def _clients_page(
    request: HttpRequest,
    actor: Account,
    *,
    form: ClientRegisterForm | None = None,
    issued: IssuedSecret | None = None,
    status: int = 200,
) -> HttpResponse:
    response = render(
        request,
        "exchange/steward_clients.html",
        {
            "tab": "clients",
            "clients": selectors.clients_of_steward(actor=actor).order_by("client_id"),
            "form": form or ClientRegisterForm(),
            "rotate_form": RotateForm(),
            "issued": issued,
            "active": ClientStatus.ACTIVE,
            "suspended": ClientStatus.SUSPENDED,
        },
        status=status,
    )
    if issued is not None:
        # The plaintext secret is in this response only: no cache may keep it.
        response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def clients(request: HttpRequest) -> HttpResponse:
    """Our systems; POST registers one and shows its first secret in this response only."""
    actor = _steward(request)
    if request.method == "GET":
        return _clients_page(request, actor)
    form = ClientRegisterForm(request.POST)
    if not form.is_valid():
        return _clients_page(request, actor, form=form, status=400)
    data = form.cleaned_data
    try:
        issued = client_services.client_register(
            actor=actor,
            client_id=data["client_id"],
            name=data["name"],
            rate_limit_per_minute=data["rate_limit_per_minute"],
            public_key_pem=data["public_key_pem"].strip(),
        )
    except DomainError as error:
        if _scoped(error):
            raise
        form.add_error(None, error.message)
        return _clients_page(request, actor, form=form, status=400)
    return _clients_page(request, actor, issued=issued)


@staff_required
@require_POST
def client_rotate_view(request: HttpRequest, client_id: str) -> HttpResponse:
    """A new secret, shown once in this response; the old ones expire after the overlap."""
    actor = _steward(request)
    form = RotateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("新旧密钥并行时间须在 0 到 720 小时之间"))
        return redirect("exchange:steward_clients")
    try:
        issued = client_services.client_secret_rotate(
            actor=actor, client_id=client_id, overlap_hours=form.cleaned_data["overlap_hours"]
        )
    except DomainError as error:
        if _scoped(error):
            raise
        messages.error(request, error.message)
        return redirect("exchange:steward_clients")
    return _clients_page(request, actor, issued=issued)


@staff_required
@require_POST
def client_status_view(request: HttpRequest, client_id: str) -> HttpResponse:
    """Suspend (its tokens stop working at once) or reactivate a system."""
    actor = _steward(request)
    form = ClientStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("无效的状态"))
        return redirect("exchange:steward_clients")
    client = client_services.client_status_set(
        actor=actor, client_id=client_id, status=form.cleaned_data["status"]
    )
    messages.success(
        request,
        _("接入系统 %(client)s 现为：%(status)s")
        % {"client": client.client_id, "status": client.get_status_display()},
    )
    return redirect("exchange:steward_clients")


# The access log ---------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def access_log(request: HttpRequest) -> HttpResponse:
    """Reads of our resources and by our systems, filtered and paged; POST verifies the whole
    chain, `?seq=` proves one entry of ours untouched."""
    actor = _steward(request)
    entries = selectors.log_for_steward(actor=actor)
    filters = LogFilterForm(
        request.GET, resources=selectors.resources_for_staff(actor=actor).prefetch_related(None)
    )
    if filters.is_valid():
        data = filters.cleaned_data
        if data["resource"]:
            entries = entries.filter(resource_code=data["resource"])
        if data["purpose"]:
            entries = entries.filter(purpose=data["purpose"])
        if data["case"].strip():
            entries = entries.filter(case_ref=data["case"].strip())
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    resources = selectors.resources_by_code({e.resource_code for e in rows})
    units = selectors.units_by_code({e.department_code for e in rows})
    prove_form = ProveForm(request.GET if "seq" in request.GET else None)
    proof = None
    proof_missing = False
    if prove_form.is_valid():
        seq = prove_form.cleaned_data["seq"]
        if selectors.log_for_steward(actor=actor).filter(seq=seq).exists():
            proof = entry_prove(seq)
        else:
            proof_missing = True
    return render(
        request,
        "exchange/steward_log.html",
        {
            "tab": "log",
            "filters": filters,
            "page": page,
            "rows": [
                {
                    "entry": e,
                    "resource": resources.get(e.resource_code),
                    "department": units.get(e.department_code),
                    "fields": selectors.field_labels(
                        resources.get(e.resource_code), list(e.fields)
                    ),
                }
                for e in rows
            ],
            "report": log_verify() if request.method == "POST" else None,
            "prove_form": prove_form,
            "proof": proof,
            "proof_missing": proof_missing,
        },
    )


# Objections -------------------------------------------------------------------------------------


def _objections_page(
    request: HttpRequest,
    actor: Account,
    *,
    failed: tuple[str, AnswerForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    objections = selectors.objections_for_steward(actor=actor).select_related(
        "audit_entry__actor__unit"
    )
    open_ones = list(objections.filter(status=ObjectionStatus.OPEN).order_by("created_at"))
    page = Paginator(
        objections.filter(status=ObjectionStatus.ANSWERED).order_by("-answered_at"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    answered = list(page.object_list)
    codes = {o.entry.resource_code for o in open_ones + answered if o.entry is not None}
    resources = selectors.resources_by_code(codes)

    def row(objection: Objection) -> dict[str, Any]:
        form = AnswerForm(auto_id=f"answer-{objection.number}-%s")
        if failed is not None and failed[0] == objection.number:
            form = failed[1]
        entry = objection.entry
        return {
            "objection": objection,
            "resource": resources.get(entry.resource_code) if entry is not None else None,
            "fields": selectors.field_labels(resources.get(entry.resource_code), list(entry.fields))
            if entry is not None
            else [],
            "form": form,
        }

    return render(
        request,
        "exchange/steward_objections.html",
        {
            "tab": "objections",
            "open": [row(o) for o in open_ones],
            "page": page,
            "answered": [row(o) for o in answered],
        },
        status=status,
    )


@staff_required
@require_GET
def objections(request: HttpRequest) -> HttpResponse:
    return _objections_page(request, _steward(request))


@staff_required
@require_POST
def objection_answer_view(request: HttpRequest, number: str) -> HttpResponse:
    """Answer an objection; the citizen finds the answer in their inbox."""
    actor = _steward(request)
    form = AnswerForm(request.POST, auto_id=f"answer-{number}-%s")
    if form.is_valid():
        try:
            objection = objection_answer(
                actor=actor, number=number, answer=form.cleaned_data["answer"]
            )
        except DomainError as error:
            if _scoped(error):
                raise
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("已答复异议 %(number)s，市民将在消息中收到答复") % {"number": objection.number},
            )
            return redirect("exchange:steward_objections")
    if not selectors.objections_for_steward(actor=actor).filter(number=number).exists():
        raise NotFoundError(_("未找到待本部门答复的该异议"))
    return _objections_page(request, actor, failed=(number, form), status=400)
