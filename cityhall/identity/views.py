"""Sign-in pages and the identity domain's staff screens (resident lookup, directory)."""

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cityhall.core import crypto
from cityhall.core.errors import DomainError, NotFoundError
from cityhall.identity import cards, selectors, services
from cityhall.identity.decorators import staff_required
from cityhall.identity.forms import CardIssueForm, CardPinForm, RevealForm, SigninForm, TotpForm
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability

NEXT_SESSION_KEY = "identity.next"


def _safe_next(request: HttpRequest, candidate: str | None) -> str | None:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def _landing(request: HttpRequest, account: Account) -> HttpResponseRedirect:
    target = _safe_next(request, request.session.pop(NEXT_SESSION_KEY, None))
    if target:
        return redirect(target)
    return redirect("portal:workspace" if account.is_staff_member else "portal:my_page")


@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        if request.GET.get("next"):
            # Signed in, yet sent here for a page: their account may not open it.
            messages.warning(request, _("您的账户无权访问该页面。"))
        return _landing(request, request.user)
    form = SigninForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        next_url = _safe_next(request, request.POST.get("next"))
        outcome = services.signin_password(
            request=request,
            identifier=form.cleaned_data["identifier"],
            password=form.cleaned_data["password"],
        )
        if outcome.error:
            error = outcome.error
        else:
            if next_url:
                request.session[NEXT_SESSION_KEY] = next_url
            if outcome.needs_mfa or outcome.account is None:
                return redirect("identity:mfa")
            return _landing(request, outcome.account)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "identity/signin.html",
        {
            "form": form,
            "error": error,
            "next": request.GET.get("next", request.POST.get("next", "")),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def mfa(request: HttpRequest) -> HttpResponse:
    account = services.pending_mfa_account(request)
    if account is None:
        messages.info(request, _("请先输入账号和密码。"))
        return redirect("identity:signin")
    form = TotpForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        outcome = services.signin_totp(request=request, token=form.cleaned_data["token"])
        if outcome.signed_in and outcome.account is not None:
            return _landing(request, outcome.account)
        if not outcome.needs_mfa:
            messages.error(request, outcome.error)
            return redirect("identity:signin")
        error = outcome.error
    enrolment = None
    if not services.TOTPDevice.objects.filter(user=account, confirmed=True).exists():
        device = services.mfa_device_for_enrolment(account=account)
        url = device.config_url
        enrolment = {
            "qr_svg": segno.make(url, error="m").svg_inline(scale=4, title=_("身份验证器二维码")),
            "secret": b32encode(device.bin_key).decode(),
            "issuer": settings.OTP_TOTP_ISSUER,
        }
    return render(
        request,
        "identity/mfa.html",
        {"form": form, "error": error, "enrolment": enrolment, "account": account},
        status=400 if error else 200,
    )


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    services.signout(request=request)
    messages.success(request, _("您已安全退出。"))
    return redirect("portal:home")


@staff_required
def citizen_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    citizens = selectors.citizen_list_for_staff(actor=request.user, query=query)  # type: ignore[arg-type]
    page = Paginator(citizens, 25).get_page(request.GET.get("page"))
    rows = [
        {"account": c, "id_masked": crypto.mask_id_number(c.id_number)} for c in page.object_list
    ]
    return render(
        request, "identity/citizen_list.html", {"page": page, "rows": rows, "query": query}
    )


@staff_required
@require_http_methods(["GET", "POST"])
def citizen_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    form = RevealForm(request.POST or None)
    if request.method == "POST":
        citizen = selectors.citizen_get_for_staff(actor=actor, account_id=account_id)
    else:
        citizen = services.citizen_open(actor=actor, account_id=account_id, request=request)
    revealed = None
    if request.method == "POST" and form.is_valid():
        try:
            revealed = services.citizen_reveal(
                actor=actor,
                account_id=citizen.pk,
                purpose=form.cleaned_data["purpose"],
                request=request,
            )
        except DomainError as exc:
            form.add_error("purpose", exc.message)
    context = {
        "citizen": citizen,
        "id_masked": crypto.mask_id_number(citizen.id_number),
        "phone_masked": crypto.mask_phone(citizen.phone) if citizen.phone else "",
        "form": form,
        "revealed": revealed,
        "mandates": citizen.mandates.all(),
        "can_reveal": selectors.account_can(actor, Capability.PERSONAL_DATA_REVEAL),
        "card_service": selectors.account_can(actor, Capability.CARD_SERVICE),
        "cards": cards.cards_of(holder=citizen),
        "issue_form": CardIssueForm(prefix="issue"),
        "pin_form": CardPinForm(prefix="pin"),
    }
    return render(request, "identity/citizen_detail.html", context)


@staff_required
@require_POST
def citizen_card(request: HttpRequest, account_id: int) -> HttpResponse:
    """A window clerk issues a card, resets its PIN (lifting a lock) or reports it lost."""
    actor: Account = request.user  # type: ignore[assignment]
    selectors.require_capability(actor, Capability.CARD_SERVICE)
    citizen = selectors.citizen_get_for_staff(actor=actor, account_id=account_id)
    action = request.POST.get("action", "")
    held = {c.number: c for c in cards.cards_of(holder=citizen)}
    card = held.get(request.POST.get("card", ""))
    try:
        if action == "issue":
            form = CardIssueForm(request.POST, prefix="issue")
            if not form.is_valid():
                raise DomainError(_form_problem(form))
            issued = cards.card_issue(
                holder=citizen,
                by=actor,
                pin=form.cleaned_data["pin"],
                bank_account=form.cleaned_data["bank_account"],
                bank_name=form.cleaned_data["bank_name"],
                request=request,
            )
            messages.success(request, _("已发卡，卡号 %(n)s。") % {"n": issued.number})
        elif action == "reset" and card is not None:
            pin_form = CardPinForm(request.POST, prefix="pin")
            if not pin_form.is_valid():
                raise DomainError(_form_problem(pin_form))
            cards.card_pin_reset(
                card=card, by=actor, new_pin=pin_form.cleaned_data["pin"], request=request
            )
            messages.success(request, _("密码已重置，卡已解锁。"))
        elif action == "lost" and card is not None:
            cards.card_report_lost(card=card, by=actor, request=request)
            messages.success(request, _("已挂失。"))
        else:
            raise NotFoundError(_("没有这张卡"))
    except NotFoundError:
        raise
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("identity:citizen_detail", citizen.pk)


def _form_problem(form: CardPinForm) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@staff_required
def directory(request: HttpRequest) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    units = selectors.unit_list_for_staff(actor=actor)
    unit = None
    if unit_code := request.GET.get("unit"):
        unit = units.filter(code=unit_code).first()
    staff = selectors.staff_list_for_staff(actor=actor, unit=unit)
    page = Paginator(staff, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "identity/directory.html",
        {"units": units, "unit": unit, "page": page, "self_url": reverse("identity:directory")},
    )
