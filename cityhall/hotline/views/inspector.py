"""The grid inspector's handheld pages (the PDA of the plan): my tasks, one task, patrol."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cityhall.core.errors import DomainError, NotFoundError
from cityhall.hotline import selectors
from cityhall.hotline.forms import PatrolForm, PhotosForm, ResolveForm
from cityhall.hotline.models import Channel, Status
from cityhall.hotline.services.deadlines import warning_level
from cityhall.hotline.services.intake import TicketDraft, ticket_create
from cityhall.identity.decorators import staff_required
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import account_can


def _inspector(request: HttpRequest) -> Account:
    actor: Account = request.user  # type: ignore[assignment]
    if not account_can(actor, Capability.GRID_PATROL):
        raise PermissionDenied
    return actor


@staff_required
def tasks(request: HttpRequest) -> HttpResponse:
    actor = _inspector(request)
    rows = [
        {"ticket": t, "warning": warning_level(t)}
        for t in selectors.ticket_queue(actor=actor).filter(inspector=actor)[:100]
    ]
    return render(request, "hotline/inspector_tasks.html", {"rows": rows})


@staff_required
def task(request: HttpRequest, number: str) -> HttpResponse:
    actor = _inspector(request)
    ticket = selectors.ticket_get_for_staff(actor=actor, number=number)
    if ticket.inspector_id != actor.pk:
        raise NotFoundError(_("未找到该工单"))
    return render(
        request,
        "hotline/inspector_task.html",
        {
            "ticket": ticket,
            "warning": warning_level(ticket) if ticket.is_open else "",
            "photos": ticket.photos.all(),
            "can_start": ticket.status in (Status.ACCEPTED, Status.REOPENED),
            "can_resolve": ticket.status in (Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED),
            # Both forms have a photos field: distinct ids keep each label on its own input.
            "photos_form": PhotosForm(initial={"phase": "before"}, auto_id="photos_%s"),
            "resolve_form": ResolveForm(auto_id="resolve_%s"),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def patrol(request: HttpRequest) -> HttpResponse:
    """A problem found on patrol, reported with the phone's location and photos."""
    actor = _inspector(request)
    form = PatrolForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = ticket_create(
                draft=TicketDraft(
                    description=data["description"],
                    channel=Channel.PATROL,
                    category_code=data["category"],
                    address=data["address"],
                    lat=data["lat"],
                    lng=data["lng"],
                    photos=data["photos"],
                    received_by=actor,
                )
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("已上报，工单编号 %(number)s，已送%(holder)s")
                % {"number": ticket.tracking_number, "holder": ticket.holder.name},
            )
            return redirect("hotline:inspector")
    return render(request, "hotline/patrol.html", {"form": form})
