"""自助终端 (kiosk): the self-service terminal's pages, signed in by social security card + PIN.

The terminal is a touch screen running Chromium in `--kiosk` mode (no address bar, tabs or back
button), so these pages have their own layout with nothing that leads out of /kiosk/, and
`identity.middleware.CardSessionMiddleware` keeps a card session inside it and ends it when idle.
Views only translate: card sign-in is `identity.cards`, reads are the applications, hotline and
catalogue selectors, and applying goes through the one intake service.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import uuid4

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST

from cityhall.applications import selectors as applications
from cityhall.applications.forms import ApplicationForm
from cityhall.applications.models import Channel
from cityhall.applications.services.intake import (
    Intake,
    application_submit,
    material_fetchable,
    plan_for,
)
from cityhall.applications.services.results import verify_url
from cityhall.applications.validation import FormInvalid
from cityhall.catalog import selectors as catalog
from cityhall.catalog.models import ApplicantType, ItemVersion, Material, Venue
from cityhall.core.errors import DomainError, NotFoundError
from cityhall.hotline.models import OPEN_STATUSES
from cityhall.hotline.selectors import tickets_of_citizen
from cityhall.identity import cards
from cityhall.identity.models import Account, AccountKind
from cityhall.identity.services import signout as account_signout
from cityhall.registry.selectors import OwnRecords, own_records

View = Callable[..., HttpResponseBase]
LIST_LIMIT = 50


class CardSigninForm(forms.Form):
    # The card reader "types" the number (a letter and 8 digits) and presses Enter; a person can
    # type it too, or the digits on the on-screen keypad.
    card_number = forms.CharField(
        label=gettext_lazy("社会保障卡卡号"),
        max_length=16,
        error_messages={"required": gettext_lazy("请插入社会保障卡，或输入卡号")},
        help_text=gettext_lazy("插卡后自动读取；也可输入卡面上的 1 位字母和 8 位数字"),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "data-keypad-target": "card",
            }
        ),
    )
    pin = forms.CharField(
        label=gettext_lazy("密码"),
        max_length=6,
        error_messages={"required": gettext_lazy("请输入 6 位密码")},
        help_text=gettext_lazy("6 位数字，请用屏幕上的数字键输入，注意遮挡"),
        widget=forms.PasswordInput(
            attrs={
                "autocomplete": "off",
                "inputmode": "numeric",
                "pattern": "[0-9]*",
                "data-keypad-target": "pin",
            }
        ),
    )


def _holder(request: HttpRequest) -> Account:
    return request.user  # type: ignore[return-value]


def _is_card_citizen(request: HttpRequest) -> bool:
    user = request.user
    return (
        cards.card_session(request) is not None
        and user.is_authenticated
        and getattr(user, "kind", None) == AccountKind.CITIZEN
    )


def card_holder_required(view: View) -> View:
    """A citizen signed in by card at this kiosk; anyone else goes back to the kiosk's start."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not _is_card_citizen(request):
            return redirect("kiosk:home")
        try:
            return view(request, *args, **kwargs)
        except NotFoundError as error:
            # Someone else's record looks exactly like a missing one, on the kiosk's own page.
            return _page(request, "not_found.html", {"message": error.message}, status=404)

    return never_cache(wrapper)


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """A kiosk page: the idle limit goes to the page so its timer and the server's agree."""
    limit = settings.CITYHALL_KIOSK_IDLE_SECONDS
    return render(
        request,
        f"portal/kiosk/{template}",
        {
            **context,
            "signed_in": _is_card_citizen(request),
            "idle_seconds": limit,
            # Warn well before the end; a short limit (tests, trials) still gets a warning.
            "warn_seconds": min(20, max(1, limit // 3)),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    """Insert the card (or type its number) and enter the PIN."""
    if _is_card_citizen(request) and request.method == "GET":
        return redirect("kiosk:menu")
    form = CardSigninForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            cards.card_signin(
                request=request,
                number=form.cleaned_data["card_number"],
                pin=form.cleaned_data["pin"],
            )
        except cards.CardError as refused:
            error = refused.message
        else:
            return redirect("kiosk:menu")
    notice = ""
    if request.GET.get("timeout"):
        notice = _("因长时间未操作，已自动退出。请重新插卡登录。")
    elif request.GET.get("signedout"):
        notice = _("您已安全退出。请取走您的社会保障卡。")
    return _page(request, "home.html", {"form": form, "error": error, "notice": notice})


@card_holder_required
def menu(request: HttpRequest) -> HttpResponse:
    return _page(request, "menu.html", {})


@card_holder_required
def certificates(request: HttpRequest) -> HttpResponse:
    rows = applications.certificates_of(holder=_holder(request))[:LIST_LIMIT]
    return _page(request, "certificates.html", {"certificates": rows})


@card_holder_required
def certificate(request: HttpRequest, number: str) -> HttpResponse:
    """The certificate as a printable page, with its verification code and QR code."""
    found = applications.certificate_of(holder=_holder(request), number=number)
    link = verify_url(found.verification_code)
    qr = segno.make(link, error="m").svg_inline(
        scale=4, title=_("证照核验二维码"), dark="#000", light="#fff"
    )
    return _page(
        request, "certificate.html", {"certificate": found, "verify_link": link, "qr_svg": qr}
    )


@card_holder_required
def certificate_view(request: HttpRequest, number: str) -> HttpResponse:
    """The PDF shown inside a kiosk page, so the header, sign-out and idle timer stay."""
    found = applications.certificate_of(holder=_holder(request), number=number)
    return _page(request, "certificate_pdf.html", {"certificate": found})


@card_holder_required
@xframe_options_sameorigin  # framed by certificate_view; the site's default is DENY
def certificate_pdf(request: HttpRequest, number: str) -> HttpResponseBase:
    found = applications.certificate_of(holder=_holder(request), number=number)
    return FileResponse(
        found.pdf.open("rb"), content_type="application/pdf", filename=f"{found.number}.pdf"
    )


@card_holder_required
def application_list(request: HttpRequest) -> HttpResponse:
    rows = applications.applications_of(applicant=_holder(request))[:LIST_LIMIT]
    return _page(request, "applications.html", {"applications": rows})


@card_holder_required
def application_detail(request: HttpRequest, number: str) -> HttpResponse:
    found = applications.application_of(applicant=_holder(request), number=number)
    return _page(request, "application.html", {"application": found})


@card_holder_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    rows = tickets_of_citizen(citizen=_holder(request))[:LIST_LIMIT]
    return _page(
        request,
        "tickets.html",
        {"tickets": rows, "open_statuses": OPEN_STATUSES, "now": timezone.now()},
    )


def _uploads_needed(version: ItemVersion, records: OwnRecords, held: set[str]) -> list[Material]:
    """Required materials the city cannot fetch itself: the kiosk has no scanner for them."""
    return [
        m
        for m in version.materials.all()
        if m.required and not material_fetchable(material=m, records=records, certificates=held)
    ]


def _kiosk_item(version: ItemVersion) -> bool:
    """An instant item a person may apply for online (the kiosk is the online service)."""
    return (
        version.instant
        and Venue.ONLINE in version.venues
        and version.applicant_type != ApplicantType.ENTERPRISE
    )


@card_holder_required
def services(request: HttpRequest) -> HttpResponse:
    """即办事项: those the holder can apply for here, and those that need papers at a window."""
    holder = _holder(request)
    versions = [
        v
        for v in catalog.item_search(venue=Venue.ONLINE)
        .filter(instant=True)
        .prefetch_related("materials")
        if _kiosk_item(v)
    ]
    records = own_records(document_number=holder.id_number)
    held = applications.certificate_item_codes(holder=holder)
    here: list[tuple[ItemVersion, list[Material]]] = []
    elsewhere: list[tuple[ItemVersion, list[Material]]] = []
    for version in versions:
        missing = _uploads_needed(version, records, held)
        (elsewhere if missing else here).append((version, missing))
    return _page(request, "services.html", {"here": here, "elsewhere": elsewhere})


def _touch_friendly(form: ApplicationForm) -> None:
    """Choices as big radio buttons rather than a drop-down list."""
    for field in form.fields.values():
        if isinstance(field, forms.ChoiceField):
            options = [(value, label) for value, label in field.widget.choices if value != ""]
            field.choices = options
            field.widget = forms.RadioSelect(choices=options)


@card_holder_required
@require_http_methods(["GET", "POST"])
def service_apply(request: HttpRequest, code: str) -> HttpResponse:
    """Apply for an instant item whose papers the city already holds: only its form is asked."""
    holder = _holder(request)
    plan = plan_for(item_code=code)
    version = plan.versions[0]
    records = own_records(document_number=holder.id_number)
    held = applications.certificate_item_codes(holder=holder)
    missing = _uploads_needed(version, records, held)
    if not _kiosk_item(version) or missing:
        return _page(request, "service_elsewhere.html", {"version": version, "missing": missing})
    fetched = [
        (m, ref)
        for m in plan.materials
        if (ref := material_fetchable(material=m, records=records, certificates=held))
    ]
    form = ApplicationForm(
        request.POST or None,
        fields=plan.fields,
        upload_materials=[],
        initial={"idempotency_key": uuid4().hex},
    )
    _touch_friendly(form)
    if request.method == "POST" and form.is_valid():
        try:
            application = application_submit(
                Intake(
                    applicant=holder,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    item_code=code,
                    form=form.form_values(),
                    # The intake knows "online" and "window"; a kiosk is the online service on
                    # a public terminal (the same items, the same rules, no clerk).
                    channel=Channel.KIOSK,
                )
            )
        except FormInvalid as refused:
            for key, message in refused.errors.items():
                name = f"f_{key}"
                form.add_error(name if name in form.fields else None, message)
        except DomainError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                _("申请已提交，受理编号 %(number)s。办理进度可在“办件进度”查看。")
                % {"number": application.number},
            )
            return redirect("kiosk:application", application.number)
    return _page(
        request, "service_apply.html", {"version": version, "fetched": fetched, "form": form}
    )


@card_holder_required
def alive(request: HttpRequest) -> HttpResponse:
    """The page's timer saw the holder touch the screen: the server's idle clock restarts too
    (the middleware notes every request under /kiosk/)."""
    return HttpResponse(status=204)


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    """退出, by the button or by the page's idle timer; the card session ends either way."""
    account_signout(request=request)
    flag = "timeout" if request.POST.get("reason") == "timeout" else "signedout"
    return redirect(f"{settings.CITYHALL_KIOSK_HOME}?{flag}=1")
