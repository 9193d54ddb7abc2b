"""Staff pages of the resource catalogue (一网目录): the list with its filters, one resource, and
what a data steward does there: publish or withdraw their own, ask another department for a
grant. Views translate; the services decide."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cityhall.core.errors import DomainError, NotFoundError, PermissionDeniedError
from cityhall.exchange import selectors
from cityhall.exchange.forms import CatalogueFilterForm, GrantRequestForm
from cityhall.exchange.models import DataResource
from cityhall.exchange.services import catalogue as catalogue_services
from cityhall.exchange.services.grants import grant_request
from cityhall.exchange.vocab import ResourceStatus, SharingType
from cityhall.identity.decorators import staff_required
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import account_can

# The themes of the catalogue's data file; a theme not listed shows its code.
THEMES = {
    "population": gettext_lazy("人口"),
    "employment": gettext_lazy("就业"),
    "social-insurance": gettext_lazy("社会保险与社会救助"),
    "legal-persons": gettext_lazy("法人单位"),
    "housing": gettext_lazy("住房"),
}


def _actor(request: HttpRequest) -> Account:
    return request.user  # type: ignore[return-value]


def _need(actor: Account, capability: Capability) -> None:
    if not account_can(actor, capability):
        raise PermissionDenied


def theme_label(theme: str) -> str:
    return str(THEMES.get(theme, theme))


@staff_required
@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """Every published resource (and the actor's department's drafts), filtered."""
    actor = _actor(request)
    _need(actor, Capability.EXCHANGE_CATALOGUE)
    owners, themes = selectors.catalogue_facets(actor=actor)
    form = CatalogueFilterForm(
        request.GET, owners=owners, themes=[(t, theme_label(t)) for t in themes]
    )
    resources = selectors.resources_for_staff(actor=actor)
    if form.is_valid():
        data = form.cleaned_data
        if data["owner"]:
            resources = resources.filter(owner__code=data["owner"])
        if data["theme"]:
            resources = resources.filter(theme=data["theme"])
        if data["sharing_type"]:
            resources = resources.filter(sharing_type=data["sharing_type"])
        text = data["q"].strip()
        if text:
            resources = resources.filter(
                Q(title__icontains=text) | Q(description__icontains=text) | Q(code__icontains=text)
            )
    rows = [{"resource": r, "theme": theme_label(r.theme)} for r in resources]
    return render(
        request,
        "exchange/catalogue.html",
        {"form": form, "rows": rows, "filtered": any(request.GET.get(k) for k in form.fields)},
    )


def _resource_for(actor: Account, code: str) -> DataResource:
    resource = selectors.resources_for_staff(actor=actor).filter(code=code).first()
    if resource is None:
        raise NotFoundError(_("未找到该数据资源"))
    return resource


def _detail(
    request: HttpRequest,
    resource: DataResource,
    form: GrantRequestForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = _actor(request)
    steward = account_can(actor, Capability.DATA_STEWARDSHIP) and actor.unit_id is not None
    is_owner = steward and resource.owner_id == actor.unit_id
    can_request = (
        steward
        and not is_owner
        and resource.status == ResourceStatus.PUBLISHED
        and resource.sharing_type != SharingType.NOT_SHARED
    )
    context: dict[str, Any] = {
        "resource": resource,
        "theme": theme_label(resource.theme),
        "is_owner": is_owner,
        "can_request": can_request,
        "our_grants": [],
    }
    if can_request:
        context["form"] = form or GrantRequestForm(
            resource=resource, clients=selectors.clients_of_steward(actor=actor)
        )
    if steward and not is_owner:
        context["our_grants"] = list(
            selectors.grants_outgoing(actor=actor).filter(resource=resource)
        )
    return render(request, "exchange/resource.html", context, status=status)


@staff_required
@require_GET
def resource_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = _actor(request)
    _need(actor, Capability.EXCHANGE_CATALOGUE)
    return _detail(request, _resource_for(actor, code))


@staff_required
@require_POST
def resource_publish_view(request: HttpRequest, code: str) -> HttpResponse:
    return _owner_action(request, code, publish=True)


@staff_required
@require_POST
def resource_withdraw_view(request: HttpRequest, code: str) -> HttpResponse:
    return _owner_action(request, code, publish=False)


def _owner_action(request: HttpRequest, code: str, *, publish: bool) -> HttpResponse:
    """Publish or withdraw; a resource of another department is a 404 (the service decides)."""
    actor = _actor(request)
    _need(actor, Capability.DATA_STEWARDSHIP)
    try:
        if publish:
            resource = catalogue_services.resource_publish(actor=actor, code=code)
        else:
            resource = catalogue_services.resource_withdraw(actor=actor, code=code)
    except (NotFoundError, PermissionDeniedError):
        raise
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("资源“%(title)s”现为：%(status)s")
            % {"title": resource.title, "status": resource.get_status_display()},
        )
    return redirect("exchange:resource", code)


@staff_required
@require_POST
def grant_request_view(request: HttpRequest, code: str) -> HttpResponse:
    """A steward asks the owner for a grant; a refusal comes back on the form, nothing saved."""
    actor = _actor(request)
    _need(actor, Capability.DATA_STEWARDSHIP)
    resource = _resource_for(actor, code)
    form = GrantRequestForm(
        request.POST, resource=resource, clients=selectors.clients_of_steward(actor=actor)
    )
    if not form.is_valid():
        return _detail(request, resource, form, status=400)
    data = form.cleaned_data
    try:
        grant = grant_request(
            actor=actor,
            resource_code=resource.code,
            fields=data["chosen_fields"],
            purpose=data["purpose"],
            legal_basis=data["legal_basis"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            client_id=data["client"],
        )
    except (NotFoundError, PermissionDeniedError):
        raise
    except DomainError as error:
        form.add_error(None, error.message)
        return _detail(request, resource, form, status=400)
    messages.success(
        request,
        _("已提交共享申请 %(number)s（%(status)s）")
        % {"number": grant.number, "status": grant.get_status_display()},
    )
    return redirect("exchange:steward_requests")
