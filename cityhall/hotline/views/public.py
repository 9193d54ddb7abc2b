"""Public pages: tracking by number, the SMS survey link, and the SMS provider's webhook."""

import hashlib
import hmac

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from cityhall.core.errors import DomainError, NotFoundError
from cityhall.hotline import selectors
from cityhall.hotline.forms import CallbackForm
from cityhall.hotline.models import Channel, Status, Ticket
from cityhall.hotline.services.dispatch import ticket_callback
from cityhall.hotline.services.rules import tracking_number_valid
from cityhall.hotline.services.sms import sms_receive


def track_search(request: HttpRequest) -> HttpResponse:
    number = request.GET.get("number", "").strip()
    error = ""
    if number:
        if tracking_number_valid(number):
            return redirect("hotline:track", number)
        error = _("工单编号有误，请核对（编号末位为校验码）")
    return render(request, "hotline/track_search.html", {"number": number, "error": error})


def track(request: HttpRequest, number: str) -> HttpResponse:
    """What anyone with the number may see: category, status, public steps, result. Never who
    reported it or how to reach them."""
    ticket = selectors.ticket_public(number=number)
    owner = ticket.reporter_id is not None and ticket.reporter_id == request.user.pk
    events = ticket.events.filter(public=True).select_related("unit")
    return render(
        request,
        "hotline/track.html",
        {
            "ticket": ticket,
            "events": events,
            "owner": owner,
            "master": ticket.master,
            "survey_open": owner and ticket.status == Status.RESOLVED,
        },
    )


def _survey_ticket(token: str) -> Ticket:
    ticket = Ticket.objects.filter(survey_token=token).select_related("category").first()
    if ticket is None or not token:
        raise NotFoundError(_("链接无效或已过期"))
    return ticket


@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The SMS survey link: the reporter rates the result without signing in."""
    ticket = _survey_ticket(token)
    form = CallbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket_callback(
                ticket=ticket,
                satisfaction=form.cleaned_data["satisfaction"],
                reason=form.cleaned_data["reason"],
                by=None,
                channel=Channel.SMS,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("感谢您的评价"))
            return redirect("hotline:track", ticket.tracking_number)
    return render(
        request,
        "hotline/survey.html",
        {"ticket": ticket, "form": form, "open": ticket.status == Status.RESOLVED},
    )


def _signature_ok(request: HttpRequest) -> bool:
    expected = hmac.new(
        settings.CITYHALL_SMS_WEBHOOK_SECRET.encode(), request.body, hashlib.sha256
    ).hexdigest()
    given = request.headers.get("X-CityHall-Signature", "").removeprefix("sha256=")
    return hmac.compare_digest(expected, given)


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> JsonResponse:
    """The SMS gateway posts each inbound message here (form fields id, from, text), signed
    with HMAC-SHA256 of the body under the shared secret."""
    if not _signature_ok(request):
        return JsonResponse({"code": "bad_signature", "message": _("签名无效")}, status=403)
    try:
        inbound = sms_receive(
            provider_id=request.POST.get("id", ""),
            phone=request.POST.get("from", ""),
            text=request.POST.get("text", ""),
        )
    except DomainError as error:
        return JsonResponse({"code": error.code, "message": error.message}, status=400)
    return JsonResponse(
        {
            "id": inbound.provider_id,
            "ticket": inbound.ticket.tracking_number if inbound.ticket else None,
            "error": inbound.error or None,
        }
    )
