"""Staff screens of the registry: search, a person's page, a house's page with its filings."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cityhall.core import crypto
from cityhall.core.errors import DomainError
from cityhall.identity.decorators import staff_required
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import account_can
from cityhall.registry import own_selectors, selectors
from cityhall.registry.forms import (
    CorrectionAnswerForm,
    MortgageForm,
    PersonCorrectionForm,
    PersonSearchForm,
    ReasonForm,
    SaleFilingForm,
    TextSearchForm,
)
from cityhall.registry.services import corrections as corrections_service
from cityhall.registry.services import facts, filings
from cityhall.registry.vocab import DocumentType


def _actor(request: HttpRequest) -> Account:
    return request.user  # type: ignore[return-value]


@staff_required
def search(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    person_form = PersonSearchForm(request.GET if "person" in request.GET else None)
    text_form = TextSearchForm(request.GET if "q" in request.GET else None)
    persons = companies = houses = None
    error = ""
    try:
        if person_form.is_bound and person_form.is_valid():
            query = selectors.PersonQuery(**person_form.cleaned_data)
            persons = Paginator(
                selectors.person_search_for_staff(actor=actor, query=query), 25
            ).get_page(request.GET.get("page"))
        elif text_form.is_bound and text_form.is_valid():
            text = text_form.cleaned_data["q"]
            kind = request.GET.get("kind", "company")
            if kind == "house":
                houses = selectors.house_search_for_staff(actor=actor, address=text)[:50]
            else:
                companies = selectors.legal_person_search_for_staff(actor=actor, text=text)[:50]
        else:
            selectors.persons_for_staff(actor=actor)  # refuses roles without registry access
    except DomainError as exc:
        if exc.status != 400:
            raise
        error = exc.message
    rows = (
        [{"p": p, "masked": crypto.mask_id_number(p.document_number)} for p in persons]
        if persons
        else []
    )
    return render(
        request,
        "registry/search.html",
        {
            "person_form": person_form if person_form.is_bound else PersonSearchForm(),
            "text_form": text_form if text_form.is_bound else TextSearchForm(),
            "persons": persons,
            "rows": rows,
            "companies": companies,
            "houses": houses,
            "error": error,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def person_page(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = _actor(request)
    revealed = None
    reveal_form = ReasonForm(request.POST if request.POST.get("action") == "reveal" else None)
    correction_form = None
    if request.method == "POST":
        person = selectors.person_get_for_staff(actor=actor, person_id=person_id)
        if request.POST.get("action") == "reveal" and reveal_form.is_valid():
            revealed = facts.person_reveal(
                actor=actor,
                person_id=person.pk,
                purpose=reveal_form.cleaned_data["reason"],
                request=request,
            )
        elif request.POST.get("action") == "correct":
            correction_form = PersonCorrectionForm(request.POST)
            if correction_form.is_valid():
                data = dict(correction_form.cleaned_data)
                reason = data.pop("reason")
                try:
                    facts.person_correct(person=person, changes=data, by=actor, reason=reason)
                except DomainError as exc:
                    correction_form.add_error(None, exc.message)
                else:
                    messages.success(request, _("已更正，原值已记入变更记录。"))
                    return redirect("registry:person", person_id=person.pk)
    else:
        person = facts.person_open(actor=actor, person_id=person_id, request=request)
    if correction_form is None:
        correction_form = PersonCorrectionForm(
            initial={
                "name": person.name,
                "phone": person.phone,
                "status": person.status,
                "house_code": person.current_house.code if person.current_house else "",
            }
        )
    # Current benefits first, then the latest started (benefits_of leaves the place of the
    # open-ended ones to the database's NULL ordering, which differs between back-ends).
    benefits = sorted(
        selectors.benefits_of([person.pk])[person.pk],
        key=lambda b: (b.until is not None, -b.since.toordinal()),
    )
    return render(
        request,
        "registry/person.html",
        {
            "dossier": selectors.person_dossier(person=person),
            "benefits": benefits,
            "person": person,
            "masked": crypto.mask_id_number(person.document_number),
            "phone_masked": crypto.mask_phone(person.phone) if person.phone else "",
            "revealed": revealed,
            "reveal_form": reveal_form,
            "correction_form": correction_form,
            "can_reveal": account_can(actor, Capability.PERSONAL_DATA_REVEAL),
            "can_write": account_can(actor, Capability.REGISTRY_WRITE),
        },
    )


@staff_required
def house_page(request: HttpRequest, house_id: int) -> HttpResponse:
    actor = _actor(request)
    house = selectors.house_get_for_staff(actor=actor, house_id=house_id)
    return render(
        request,
        "registry/house.html",
        {
            "house": house,
            "filing_form": SaleFilingForm(),
            "mortgage_form": MortgageForm(),
            "reason_form": ReasonForm(),
            "can_write": account_can(actor, Capability.REGISTRY_WRITE),
            "history": selectors.fact_history(fact_type="registry.House", fact_id=house.pk),
        },
    )


@staff_required
@require_POST
def house_action(request: HttpRequest, house_id: int, action: str) -> HttpResponse:
    """File / cancel a sale, register / release a mortgage; refusals come back as messages."""
    actor = _actor(request)
    house = selectors.house_get_for_staff(actor=actor, house_id=house_id)
    try:
        if action == "file":
            form = SaleFilingForm(request.POST)
            if not form.is_valid():
                raise DomainError(_("请检查网签信息：") + form.errors.as_text())
            buyer = selectors.person_find_by_document(
                DocumentType.RESIDENT_ID, form.cleaned_data["buyer_document_number"]
            )
            if buyer is None:
                raise DomainError(_("买受人不在基础数据库中，请先登记。"))
            filings.sale_filing_register(
                house=house,
                contract_number=form.cleaned_data["contract_number"],
                buyers=[buyer],
                price=form.cleaned_data["price"],
                by=actor,
            )
            messages.success(request, _("网签备案成功。"))
        elif action == "mortgage":
            mform = MortgageForm(request.POST)
            if not mform.is_valid():
                raise DomainError(_("请检查抵押信息：") + mform.errors.as_text())
            filings.mortgage_register(house=house, by=actor, **mform.cleaned_data)
            messages.success(request, _("抵押登记成功。"))
        elif action in ("cancel", "release"):
            reason_form = ReasonForm(request.POST)
            if not reason_form.is_valid():
                raise DomainError(_("请填写原因。"))
            reason = reason_form.cleaned_data["reason"]
            record_id = int(request.POST.get("record", "0") or 0)
            if action == "cancel":
                filing = house.sale_filings.filter(pk=record_id).first()
                if filing is None:
                    raise DomainError(_("未找到该备案。"))
                filings.sale_filing_cancel(filing=filing, by=actor, reason=reason)
            else:
                mortgage = house.mortgages.filter(pk=record_id).first()
                if mortgage is None:
                    raise DomainError(_("未找到该抵押。"))
                filings.mortgage_release(mortgage=mortgage, by=actor, reason=reason)
            messages.success(request, _("已办理。"))
        else:
            raise DomainError(_("未知操作。"))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    return redirect("registry:house", house_id=house.pk)


@staff_required
def corrections(request: HttpRequest) -> HttpResponse:
    """Residents' reports about facts this unit supplied, open ones first."""
    rows = own_selectors.corrections_for_unit(actor=_actor(request)).order_by("status", "-id")
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(request, "registry/corrections.html", {"page": page})


@staff_required
@require_http_methods(["GET", "POST"])
def correction(request: HttpRequest, correction_id: int) -> HttpResponse:
    actor = _actor(request)
    report = own_selectors.correction_for_unit(actor=actor, correction_id=correction_id)
    form = CorrectionAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            corrections_service.correction_answer(
                report=report,
                by=actor,
                accepted=form.cleaned_data["outcome"] == "accepted",
                answer=form.cleaned_data["answer"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已答复，市民会在消息中心收到。"))
            return redirect("registry:corrections")
    return render(request, "registry/correction.html", {"report": report, "form": form})
