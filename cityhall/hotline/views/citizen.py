"""The citizen's web/mobile report form (with photos and a map pin) and their own tickets."""

import secrets

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cityhall.core.errors import DomainError
from cityhall.geo.models import Division, Grid
from cityhall.geo.svgmap import MapArea, SvgMap, svg_map
from cityhall.hotline import selectors
from cityhall.hotline.forms import ReportForm
from cityhall.hotline.models import Channel
from cityhall.hotline.services.intake import TicketDraft, ticket_create
from cityhall.identity.decorators import citizen_required
from cityhall.identity.models import Account

SUBMITTED_KEY = "hotline_submitted"  # idempotency key → tracking number, per session
MAP_GRID_LIMIT = 400


def pin_map(street: Division | None) -> SvgMap | None:
    """The grids of a street as a clickable map for the location pin."""
    if street is None:
        return None
    grids = Grid.objects.filter(code__startswith=street.code).order_by("code")[:MAP_GRID_LIMIT]
    return svg_map(
        [MapArea(title=f"{g.name}（{g.code}）", geojson=g.boundary) for g in grids], width=560
    )


def _home_street(account: Account) -> Division | None:
    home = account.home_division
    while home is not None and home.level != "street":
        home = home.parent
    return home


@citizen_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    citizen: Account = request.user  # type: ignore[assignment]
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        initial={"reporter_phone": citizen.phone, "idempotency_key": secrets.token_hex(16)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        key = data["idempotency_key"]
        done: dict[str, str] = request.session.get(SUBMITTED_KEY, {})
        if key and key in done:  # a double click or a resent form: the first ticket stands
            return redirect("hotline:track", done[key])
        try:
            ticket = ticket_create(
                draft=TicketDraft(
                    description=data["description"],
                    channel=Channel.WEB,
                    category_code=data["category"],
                    kind=data["kind"],
                    address=data["address"],
                    lat=data["lat"],
                    lng=data["lng"],
                    reporter=citizen,
                    reporter_phone=data["reporter_phone"],
                    anonymous=data["anonymous"],
                    photos=data["photos"],
                )
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if key:
                done[key] = ticket.tracking_number or ""
                request.session[SUBMITTED_KEY] = dict(list(done.items())[-20:])
            messages.success(
                request,
                _("已受理，工单编号 %(number)s，请记下以便查询")
                % {"number": ticket.tracking_number},
            )
            return redirect("hotline:track", ticket.tracking_number)
    return render(
        request,
        "hotline/report.html",
        {"form": form, "map": pin_map(_home_street(citizen))},
    )


@citizen_required
def mine(request: HttpRequest) -> HttpResponse:
    citizen: Account = request.user  # type: ignore[assignment]
    tickets = selectors.tickets_of_citizen(citizen=citizen)[:100]
    return render(request, "hotline/mine.html", {"tickets": tickets})
