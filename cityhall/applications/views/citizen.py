"""The applicant's pages: apply online, follow an application, documents, supplements, rating."""

from uuid import uuid4

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cityhall.applications import selectors
from cityhall.applications.forms import ApplicationForm, FollowUpForm, RatingForm
from cityhall.applications.models import FINISHED, Channel, RectificationStatus, Status
from cityhall.applications.services import ratings, review
from cityhall.applications.services.intake import (
    Intake,
    application_submit,
    material_fetchable,
    plan_for,
)
from cityhall.applications.validation import FormInvalid
from cityhall.catalog.models import ApplicantType
from cityhall.core.errors import DomainError
from cityhall.geo.models import Division, DivisionLevel
from cityhall.identity.decorators import citizen_required
from cityhall.identity.models import Account
from cityhall.registry.selectors import own_records


def _account(request: HttpRequest) -> Account:
    return request.user  # type: ignore[return-value]


def form_errors_apply(form: ApplicationForm, error: DomainError) -> None:
    """Show a service's refusal on the form: per field where it names fields, else on top."""
    if isinstance(error, FormInvalid):
        for key, message in error.errors.items():
            name = f"f_{key}"
            form.add_error(name if name in form.fields else None, message)
    else:
        form.add_error(None, error.message)


def apply_context(
    *, account: Account, item_code: str = "", bundle_code: str = "", uscc: str = ""
) -> dict[str, object]:
    """The plan, what the city fetches itself (shown, not asked) and what must be uploaded."""
    plan = plan_for(item_code=item_code, bundle_code=bundle_code)
    records = own_records(document_number=account.id_number, uscc=uscc)
    held = selectors.certificate_item_codes(holder=account)
    fetched, uploads = [], []
    for material in plan.materials:
        reference = material_fetchable(material=material, records=records, certificates=held)
        if reference:
            fetched.append((material, reference))
        else:
            uploads.append(material)
    return {"plan": plan, "records": records, "fetched": fetched, "upload_materials": uploads}


@citizen_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, code: str = "", bundle: str = "") -> HttpResponse:
    account = _account(request)
    mandates = list(account.mandates.all())
    uscc = request.POST.get("enterprise_uscc", "") or (mandates[0].uscc if mandates else "")
    context = apply_context(account=account, item_code=code, bundle_code=bundle, uscc=uscc)
    plan = context["plan"]
    for_companies = any(v.applicant_type != ApplicantType.PERSON for v in plan.versions)  # type: ignore[attr-defined]
    streets = [
        (d.code, f"{d.parent.name if d.parent else ''} {d.name}")
        for d in Division.objects.filter(level=DivisionLevel.STREET).select_related("parent")
    ]
    home = account.home_division.code[:9] if account.home_division else ""
    form = ApplicationForm(
        request.POST or None,
        request.FILES or None,
        fields=plan.fields,  # type: ignore[attr-defined]
        upload_materials=context["upload_materials"],  # type: ignore[arg-type]
        streets=streets,
        enterprises=[(m.uscc, m.enterprise_name) for m in mandates] if for_companies else None,
        initial={"idempotency_key": uuid4().hex, "division_code": home},
    )
    if request.method == "POST" and form.is_valid():
        try:
            application = application_submit(
                Intake(
                    applicant=account,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    item_code=code,
                    bundle_code=bundle,
                    form=form.form_values(),
                    uploads=form.uploads(),
                    division_code=form.cleaned_data["division_code"],
                    enterprise_uscc=form.cleaned_data.get("enterprise_uscc", ""),
                )
            )
        except DomainError as error:
            form_errors_apply(form, error)
        else:
            messages.success(
                request, _("申请已提交，受理编号 %(number)s") % {"number": application.number}
            )
            return redirect("applications:detail", application.number)
    return render(request, "applications/apply.html", {**context, "form": form})


@citizen_required
def my_applications(request: HttpRequest) -> HttpResponse:
    rows = selectors.applications_of(applicant=_account(request))[:100]
    return render(request, "applications/mine.html", {"applications": rows})


@citizen_required
def detail(request: HttpRequest, number: str) -> HttpResponse:
    account = _account(request)
    application = selectors.application_of(applicant=account, number=number)
    rated = {r.channel for r in application.ratings.all()}
    can_rate = application.status in FINISHED and application.status != Status.WITHDRAWN
    rectifications = [
        r.rectification
        for r in application.ratings.all()
        if hasattr(r, "rectification") and r.rectification.status == RectificationStatus.VISITED
    ]
    materials = [m for member in application.items.all() for m in member.version.materials.all()]
    return render(
        request,
        "applications/detail.html",
        {
            "application": application,
            "rating_form": RatingForm() if can_rate and Channel.ONLINE not in rated else None,
            "window_rating_form": (
                RatingForm(prefix="w")
                if can_rate
                and application.channel == Channel.WINDOW
                and Channel.WINDOW not in rated
                else None
            ),
            "follow_ups": [(r, FollowUpForm(prefix=f"r{r.pk}")) for r in rectifications],
            "supplement_materials": materials if application.status == Status.SUPPLEMENT else [],
            "can_withdraw": application.status not in FINISHED,
        },
    )


@citizen_required
@require_POST
def rate(request: HttpRequest, number: str) -> HttpResponse:
    account = _account(request)
    application = selectors.application_of(applicant=account, number=number)
    channel = Channel.WINDOW if request.POST.get("channel") == Channel.WINDOW else Channel.ONLINE
    form = RatingForm(request.POST, prefix="w" if channel == Channel.WINDOW else None)
    if not form.is_valid():
        messages.error(request, _("请选择评价等级"))
        return redirect("applications:detail", number)
    try:
        ratings.rating_submit(
            application_id=application.pk,
            rater=account,
            level=form.cleaned_data["level"],
            dimensions=form.dimensions(),
            comment=form.cleaned_data["comment"],
            channel=channel,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("感谢您的评价"))
    return redirect("applications:detail", number)


@citizen_required
@require_POST
def follow_up(request: HttpRequest, number: str, rectification_id: int) -> HttpResponse:
    account = _account(request)
    form = FollowUpForm(request.POST, prefix=f"r{rectification_id}")
    if form.is_valid():
        try:
            ratings.rectification_follow_up(
                rectification_id=rectification_id, rater=account, level=form.cleaned_data["level"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("感谢您的再次评价"))
    return redirect("applications:detail", number)


@citizen_required
@require_POST
def supplement(request: HttpRequest, number: str) -> HttpResponse:
    account = _account(request)
    application = selectors.application_of(applicant=account, number=number)
    uploads: dict[int, UploadedFile] = {}
    for key in request.FILES:
        upload = request.FILES.get(key)
        if key.startswith("m_") and key[2:].isdigit() and upload is not None:
            uploads[int(key[2:])] = upload
    try:
        review.supplement_provide(application_id=application.pk, by=account, uploads=uploads)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("补正材料已提交，办理时限继续计算"))
    return redirect("applications:detail", number)


@citizen_required
@require_POST
def withdraw(request: HttpRequest, number: str) -> HttpResponse:
    account = _account(request)
    application = selectors.application_of(applicant=account, number=number)
    try:
        review.application_withdraw(application_id=application.pk, by=account)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("applications:detail", number)


@citizen_required
def documents(request: HttpRequest) -> HttpResponse:
    rows = selectors.certificates_of(holder=_account(request))
    return render(request, "applications/documents.html", {"certificates": rows})


@citizen_required
def document_pdf(request: HttpRequest, number: str) -> StreamingHttpResponse:
    certificate = selectors.certificate_of(holder=_account(request), number=number)
    return FileResponse(
        certificate.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"{certificate.number}.pdf",
    )
