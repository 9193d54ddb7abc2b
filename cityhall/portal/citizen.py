"""一页: the citizen's own page — one place for their to-dos, cases, documents, data and messages.

Views only gather what the domain apps' selectors return for the signed-in citizen (and, for
an enterprise agent, the company they act for); every write goes through a domain service.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cityhall.applications import selectors as application_selectors
from cityhall.applications.models import Application
from cityhall.cloud import selectors as cloud_selectors
from cityhall.core import crypto
from cityhall.core.errors import DomainError, NotFoundError
from cityhall.exchange import selectors as exchange_selectors
from cityhall.hotline import selectors as hotline_selectors
from cityhall.identity import cards
from cityhall.identity.decorators import citizen_required
from cityhall.identity.models import Account, CardStatus, EnterpriseMandate
from cityhall.notify import selectors as notify_selectors
from cityhall.participation import selectors as participation_selectors
from cityhall.participation.mailbox import selectors as mailbox_selectors
from cityhall.participation.surveys import selectors as survey_selectors
from cityhall.registry import own_selectors
from cityhall.registry.forms import CorrectionReportForm
from cityhall.registry.services.corrections import correction_report

LATEST = 5
ACTING_FOR_SESSION_KEY = "portal.acting_for"


@dataclass(frozen=True)
class ToDo:
    label: str
    detail: str
    url: str


def _account(request: HttpRequest) -> Account:
    return request.user  # type: ignore[return-value]


def _todos(account: Account) -> list[ToDo]:
    def application(label: str, a: Application) -> ToDo:
        return ToDo(
            label, f"{a.title}（{a.number}）", reverse("applications:detail", args=[a.number])
        )

    todos = [
        application(_("补正材料"), a)
        for a in application_selectors.applications_to_supplement(applicant=account)[:LATEST]
    ]
    todos += [
        application(_("评价办事服务"), a)
        for a in application_selectors.applications_to_rate(applicant=account)[:LATEST]
    ]
    todos += [
        ToDo(
            _("评价诉求办理结果"),
            f"{t.category.name if t.category else ''}（{t.tracking_number}）",
            reverse("hotline:track", args=[t.tracking_number]),
        )
        for t in hotline_selectors.tickets_awaiting_callback(citizen=account)[:LATEST]
    ]
    todos += [
        ToDo(
            _("评价来信答复"),
            f"{letter.subject}（{letter.tracking_number}）",
            reverse("mailbox:letter", args=[letter.pk]),
        )
        for letter in mailbox_selectors.letters_to_rate(account=account)[:LATEST]
    ]
    todos += [
        ToDo(_("参加问卷调查"), survey.title, reverse("surveys:detail", args=[survey.pk]))
        for survey in survey_selectors.surveys_to_answer(account=account)[:LATEST]
    ]
    return todos


def _acting_for(request: HttpRequest, account: Account) -> EnterpriseMandate | None:
    """The company an enterprise agent chose to act for, while the mandate is still valid."""
    uscc = request.session.get(ACTING_FOR_SESSION_KEY)
    if not uscc:
        return None
    return next((m for m in _valid_mandates(account) if m.uscc == uscc), None)


def _valid_mandates(account: Account) -> list[EnterpriseMandate]:
    today = timezone.localdate()
    return [
        m
        for m in account.mandates.all()
        if m.valid_from <= today and (m.valid_until is None or m.valid_until >= today)
    ]


@citizen_required
def my_page(request: HttpRequest) -> HttpResponse:
    account = _account(request)
    acting_for = _acting_for(request, account)
    applications = application_selectors.applications_of(applicant=account)
    if acting_for is not None:
        applications = applications.filter(enterprise_uscc=acting_for.uscc)
    in_use = [c for c in cards.cards_of(holder=account) if c.status != CardStatus.CANCELLED]
    tickets = hotline_selectors.tickets_of_citizen(citizen=account)
    corrections = own_selectors.corrections_of(account=account)
    reads = exchange_selectors.data_reads_resolve(
        exchange_selectors.data_reads_of(account=account)[0:LATEST]
    )
    context = {
        "account": account,
        "id_masked": crypto.mask_id_number(account.id_number),
        "phone_masked": crypto.mask_phone(account.phone) if account.phone else "",
        "mandates": _valid_mandates(account),
        "acting_for": acting_for,
        "todos": [] if acting_for else _todos(account),
        "applications": applications[:LATEST],
        "tickets": [] if acting_for else tickets[:LATEST],
        "letters": []
        if acting_for
        else mailbox_selectors.letters_of_writer(account=account)[:LATEST],
        "certificates": application_selectors.certificates_of(holder=account)[:LATEST],
        "usage": cloud_selectors.usage_of(owner=account),
        "reads": reads,
        "messages_latest": notify_selectors.inbox_for(account=account)[:3],
        "subscriptions": participation_selectors.subscriptions_of(account=account),
        "card": in_use[0] if in_use else None,
        "open_corrections": corrections.filter(status="open").count(),
    }
    return render(request, "portal/my_page.html", context)


@citizen_required
@require_POST
def acting_for(request: HttpRequest) -> HttpResponse:
    """An enterprise agent switches the page to a company they have a valid mandate for."""
    account = _account(request)
    uscc = request.POST.get("uscc", "")
    if not uscc:
        request.session.pop(ACTING_FOR_SESSION_KEY, None)
    elif any(m.uscc == uscc for m in _valid_mandates(account)):
        request.session[ACTING_FOR_SESSION_KEY] = uscc
    else:
        raise NotFoundError(_("您没有该企业的有效经办授权"))
    return redirect("portal:my_page")


@citizen_required
@require_POST
def card_lost(request: HttpRequest) -> HttpResponse:
    """The holder reports their own card lost; it is blocked at once."""
    account = _account(request)
    card = next(
        (c for c in cards.cards_of(holder=account) if c.number == request.POST.get("card")), None
    )
    if card is None:
        raise NotFoundError(_("没有这张卡"))
    try:
        cards.card_report_lost(card=card, by=account, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已挂失，这张卡已停止使用。补卡请带身份证到服务窗口。"))
    return redirect("portal:my_page")


@citizen_required
@require_http_methods(["GET", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    """What the base registry holds about me, with the source of each fact, and error reports."""
    account = _account(request)
    person = own_selectors.own_person(account=account)
    facts = own_selectors.own_facts(person=person) if person is not None else []
    chosen = request.POST.get("fact") or request.GET.get("report", "")
    fact = next((f for f in facts if f.key == chosen), None)
    if chosen and fact is None:
        raise NotFoundError(_("没有这项信息"))
    form = None
    if fact is not None:
        form = CorrectionReportForm(
            request.POST or None,
            fields=[label for label, _value in fact.fields],
            initial={"fact": fact.key},
        )
        if request.method == "POST" and form.is_valid():
            try:
                correction_report(
                    reporter=account,
                    fact_key=fact.key,
                    field=form.cleaned_data["field"],
                    proposed=form.cleaned_data["proposed"],
                    explanation=form.cleaned_data["explanation"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("已提交给%(unit)s核实，答复会发到您的消息中心。")
                    % {"unit": fact.source.name},
                )
                return redirect("portal:my_data")
    return render(
        request,
        "portal/my_data.html",
        {
            "person": person,
            "facts": facts,
            "fact": fact,
            "form": form,
            "reports": own_selectors.corrections_of(account=account)[:20],
        },
    )
