"""The public home page, the citizen's own page and the staff workspace shell."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from cityhall.core import crypto
from cityhall.core.audit import audit_verify
from cityhall.core.calendar import schedule_warnings
from cityhall.exchange import selectors as exchange_selectors
from cityhall.geo.models import Division, DivisionLevel, Grid
from cityhall.identity import selectors as identity_selectors
from cityhall.identity.decorators import citizen_required, staff_required
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.portal.context_processors import LARGE_FONT_COOKIE
from cityhall.portal.menus import menu_for

MY_PAGE_READS = 5


def home(request: HttpRequest) -> HttpResponse:
    districts = Division.objects.filter(level=DivisionLevel.DISTRICT).order_by("code")
    figures = {
        "districts": districts.count(),
        "streets": Division.objects.filter(level=DivisionLevel.STREET).count(),
        "communities": Division.objects.filter(level=DivisionLevel.COMMUNITY).count(),
        "grids": Grid.objects.count(),
    }
    return render(request, "portal/home.html", {"districts": districts, "figures": figures})


def font_size(request: HttpRequest) -> HttpResponseRedirect:
    """Toggle the large-font layout with a plain link (works without JavaScript)."""
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = redirect(target)
    if request.COOKIES.get(LARGE_FONT_COOKIE) == "1":
        response.delete_cookie(LARGE_FONT_COOKIE)
    else:
        response.set_cookie(
            LARGE_FONT_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
    return response


@citizen_required
def my_page(request: HttpRequest) -> HttpResponse:
    account: Account = request.user  # type: ignore[assignment]
    # The latest few reads, through the exchange or by staff; the full list is a page of its own.
    reads = exchange_selectors.data_reads_resolve(
        exchange_selectors.data_reads_of(account=account)[0:MY_PAGE_READS]
    )
    return render(
        request,
        "portal/my_page.html",
        {
            "account": account,
            "id_masked": crypto.mask_id_number(account.id_number),
            "phone_masked": crypto.mask_phone(account.phone) if account.phone else "",
            "mandates": account.mandates.all(),
            "reads": reads,
        },
    )


@staff_required
def workspace(request: HttpRequest) -> HttpResponse:
    account: Account = request.user  # type: ignore[assignment]
    context = {
        "account": account,
        "menu": menu_for(account),
        "roles": account.roles.all(),
        "warnings": _workspace_warnings(account),
    }
    return render(request, "portal/workspace.html", context)


def _workspace_warnings(account: Account) -> list[str]:
    """Configuration problems administrators must fix (e.g. next year's holiday schedule)."""
    if not identity_selectors.account_can(account, Capability.ADMINISTER):
        return []
    return schedule_warnings(timezone.localdate())


@staff_required
def my_area(request: HttpRequest) -> HttpResponseRedirect:
    """Staff with grid access land on the map page of the area their unit serves."""
    account: Account = request.user  # type: ignore[assignment]
    if account.unit is None or not identity_selectors.account_can(account, Capability.GRID_VIEW):
        return redirect("portal:workspace")
    return redirect("geo:division_detail", code=account.unit.division.code)


@staff_required
@require_http_methods(["GET", "POST"])
def audit_log(request: HttpRequest) -> HttpResponse:
    account: Account = request.user  # type: ignore[assignment]
    entries = identity_selectors.audit_entries_for_staff(actor=account)
    event = request.GET.get("event", "")
    if event:
        entries = entries.filter(event=event)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    report = audit_verify() if request.method == "POST" else None
    return render(
        request, "portal/audit_log.html", {"page": page, "report": report, "event": event}
    )
