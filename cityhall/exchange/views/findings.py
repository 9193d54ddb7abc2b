"""Staff pages of cross-check findings (比对线索): the department's list, one finding with its
evidence, and recording what checking it found. Views translate; the service decides."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cityhall.core.errors import DomainError
from cityhall.exchange import crosscheck_selectors as selectors
from cityhall.exchange.services.crosschecks import finding_resolve
from cityhall.exchange.vocab import CrossCheckRule, FindingStatus
from cityhall.identity.decorators import staff_required
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import account_can

PAGE_SIZE = 50
DECISIONS = {"confirmed": True, "dismissed": False}


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("核查结论"),
        choices=[
            ("confirmed", FindingStatus.CONFIRMED.label),
            ("dismissed", FindingStatus.DISMISSED.label),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("核查说明"),
        min_length=2,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _actor(request: HttpRequest) -> Account:
    return request.user  # type: ignore[return-value]


@staff_required
@require_GET
def findings(request: HttpRequest) -> HttpResponse:
    """The department's findings, filtered by rule and status, newest first."""
    rule = request.GET.get("rule", "")
    status = request.GET.get("status", "")
    rows = selectors.findings_for(actor=_actor(request), rule=rule, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "exchange/findings_list.html",
        {
            "page": page,
            "rule": rule if rule in CrossCheckRule.values else "",
            "status": status if status in FindingStatus.values else "",
            "rules": CrossCheckRule.choices,
            "statuses": FindingStatus.choices,
        },
    )


def _detail(
    request: HttpRequest, number: str, form: ResolveForm, status: int = 200
) -> HttpResponse:
    actor = _actor(request)
    finding = selectors.finding_get(actor=actor, number=number)
    return render(
        request,
        "exchange/finding_detail.html",
        {
            "finding": finding,
            "sections": selectors.evidence_sections(finding),
            "can_resolve": finding.status == FindingStatus.OPEN
            and account_can(actor, Capability.CROSSCHECK_FINDINGS),
            "form": form,
        },
        status=status,
    )


@staff_required
@require_GET
def finding_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _detail(request, number, ResolveForm())


@staff_required
@require_POST
def finding_resolve_view(request: HttpRequest, number: str) -> HttpResponse:
    """Confirm or dismiss a finding with a note; a finding of another department is a 404."""
    actor = _actor(request)
    finding = selectors.finding_get(actor=actor, number=number)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return _detail(request, number, form, status=400)
    try:
        finding = finding_resolve(
            actor=actor,
            number=finding.number,
            confirmed=DECISIONS[form.cleaned_data["decision"]],
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        form.add_error(None, error.message)
        return _detail(request, number, form, status=400)
    messages.success(
        request,
        _("线索 %(number)s 已记录核查结论：%(status)s")
        % {"number": finding.number, "status": finding.get_status_display()},
    )
    return redirect("exchange:finding_detail", finding.number)
