"""The public home page, the citizen's own page and the staff workspace shell."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from cityhall.core.audit import audit_verify
from cityhall.core.calendar import schedule_warnings
from cityhall.geo.models import Division, DivisionLevel, Grid
from cityhall.identity import selectors as identity_selectors
from cityhall.identity.decorators import staff_required
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.portal.context_processors import ELDER_COOKIE
from cityhall.portal.menus import menu_for


def home(request: HttpRequest) -> HttpResponse:
    districts = Division.objects.filter(level=DivisionLevel.DISTRICT).order_by("code")
    figures = {
        "districts": districts.count(),
        "streets": Division.objects.filter(level=DivisionLevel.STREET).count(),
        "communities": Division.objects.filter(level=DivisionLevel.COMMUNITY).count(),
        "grids": Grid.objects.count(),
    }
    return render(request, "portal/home.html", {"districts": districts, "figures": figures})


def elder_mode(request: HttpRequest) -> HttpResponseRedirect:
    """Switch 长辈版 (elder mode) on (`on=1`) or off (`on=0`) with a plain link that works without
    JavaScript, then go back to `next` on this site; without `on` it toggles."""
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    wanted = request.GET.get("on")
    on = request.COOKIES.get(ELDER_COOKIE) != "1" if wanted not in ("0", "1") else wanted == "1"
    response = redirect(target)
    if on:
        response.set_cookie(
            ELDER_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
    else:
        response.delete_cookie(ELDER_COOKIE, samesite="Lax")
    return response


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
