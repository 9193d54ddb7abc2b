"""Applications as JSON (/api/v1/applications/): the applicant's own, the reviewer's tasks, KPIs.

Submissions carry an `Idempotency-Key` header: a retry with the same key returns the first
application instead of making a second one. Materials come base64-encoded in the body.
"""

import base64
import binascii
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, Router, Schema, Status

from cityhall.applications import kpis, selectors
from cityhall.applications.models import Application, Certificate, Task
from cityhall.applications.services import ratings, review
from cityhall.applications.services.intake import Intake, application_submit
from cityhall.core.errors import DomainError
from cityhall.identity.models import Account

router = Router()


def _actor(request: HttpRequest) -> Account:
    return request.user  # type: ignore[return-value]


class MaterialIn(Schema):
    material_id: int
    filename: str
    content_base64: str


class ApplicationIn(Schema):
    item_code: str = ""
    version: int | None = None
    bundle_code: str = ""
    form: dict[str, Any] = {}
    division_code: str = ""
    enterprise_uscc: str = ""
    materials: list[MaterialIn] = []


class TaskStateOut(Schema):
    name: str
    unit: str
    status: str
    outcome: str
    opinion: str

    @staticmethod
    def resolve_unit(obj: Task) -> str:
        return obj.unit.name


class CertificateOut(Schema):
    number: str
    title: str
    issuer: str
    issued_at: datetime
    verification_code: str


class ApplicationOut(Schema):
    number: str
    title: str
    status: str
    channel: str
    submitted_at: datetime
    due_date: date
    completed_at: datetime | None
    reason: str
    lead_unit: str
    tasks: list[TaskStateOut]
    certificates: list[CertificateOut]

    @staticmethod
    def resolve_lead_unit(obj: Application) -> str:
        return obj.lead_unit.name

    @staticmethod
    def resolve_tasks(obj: Application) -> list[Task]:
        return list(obj.tasks.all())

    @staticmethod
    def resolve_certificates(obj: Application) -> list[Certificate]:
        return list(obj.certificates.all())


class RatingIn(Schema):
    level: int
    dimensions: dict[str, int] = {}
    comment: str = ""
    channel: str = "online"


class RatingOut(Schema):
    level: int
    channel: str
    rectification_opened: bool


class TaskOut(Schema):
    id: int
    application: str
    title: str
    name: str
    lane: str
    status: str
    due_date: date

    @staticmethod
    def resolve_application(obj: Task) -> str:
        return obj.application.number

    @staticmethod
    def resolve_title(obj: Task) -> str:
        return obj.application.title


class DecisionIn(Schema):
    outcome: str
    opinion: str = ""


class ErrorOut(Schema):
    code: str
    message: str


def _uploads(materials: list[MaterialIn]) -> dict[int, SimpleUploadedFile]:
    uploads = {}
    for material in materials:
        try:
            content = base64.b64decode(material.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise DomainError(
                _("材料 %(id)s 的内容不是有效的 base64") % {"id": material.material_id}
            ) from None
        uploads[material.material_id] = SimpleUploadedFile(material.filename[:100], content)
    return uploads


@router.post("/", response={201: ApplicationOut, 200: ApplicationOut, 400: ErrorOut, 404: ErrorOut})
def submit(
    request: HttpRequest, payload: ApplicationIn, idempotency_key: str = Header(...)
) -> Status[Application]:
    """Apply for an item (or a bundle); 201 when new, 200 when the key was seen before."""
    applicant = _actor(request)
    seen = (
        selectors.applications_of(applicant=applicant)
        .filter(idempotency_key=idempotency_key.strip())
        .exists()
    )
    application = application_submit(
        Intake(
            applicant=applicant,
            idempotency_key=idempotency_key,
            item_code=payload.item_code,
            version_number=payload.version,
            bundle_code=payload.bundle_code,
            form=payload.form,
            uploads=_uploads(payload.materials),
            division_code=payload.division_code,
            enterprise_uscc=payload.enterprise_uscc,
        )
    )
    return Status(200 if seen else 201, application)


@router.get("/", response=list[ApplicationOut])
def mine(request: HttpRequest) -> list[Application]:
    """The caller's own applications, newest first (at most 100)."""
    rows = selectors.applications_of(applicant=_actor(request))
    return list(rows.prefetch_related("tasks__unit", "certificates")[:100])


@router.get("/tasks", response=list[TaskOut])
def tasks(request: HttpRequest, done: bool = False) -> list[Task]:
    """The reviewer's unit inbox (open and claimed tasks, or with done=true the finished)."""
    return list(selectors.inbox_for(actor=_actor(request), done=done)[:200])


@router.post("/tasks/{task_id}/decision", response={200: ApplicationOut, 400: ErrorOut})
def decide(request: HttpRequest, task_id: int, payload: DecisionIn) -> Application:
    """approve / reject (with a reason) / supplement (say what is missing)."""
    return review.task_decide(
        task_id=task_id, by=_actor(request), outcome=payload.outcome, opinion=payload.opinion
    )


@router.get("/kpis")
def kpi(
    request: HttpRequest, since: date | None = None, until: date | None = None
) -> dict[str, Any]:
    """Per handling unit and overall: applications, on-the-spot and online shares, on-time rate,
    average working days, satisfaction (supervisors; their area)."""
    today = timezone.localdate()
    since = since or today - timedelta(days=365)
    until = until or today
    rows, total = kpis.kpis_for(actor=_actor(request), since=since, until=until)
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "units": [r.as_dict() for r in rows],
        "total": total.as_dict(),
    }


@router.get("/{number}", response={200: ApplicationOut, 404: ErrorOut})
def detail(request: HttpRequest, number: str) -> Application:
    return selectors.application_of(applicant=_actor(request), number=number)


@router.post("/{number}/rating", response={201: RatingOut, 400: ErrorOut, 404: ErrorOut})
def rate(request: HttpRequest, number: str, payload: RatingIn) -> Status[dict[str, Any]]:
    """Rate a finished application once (好差评); a bad rating opens a rectification."""
    applicant = _actor(request)
    application = selectors.application_of(applicant=applicant, number=number)
    rating = ratings.rating_submit(
        application_id=application.pk,
        rater=applicant,
        level=payload.level,
        dimensions=payload.dimensions,
        comment=payload.comment,
        channel=payload.channel,
    )
    return Status(
        201,
        {
            "level": rating.level,
            "channel": rating.channel,
            "rectification_opened": hasattr(rating, "rectification"),
        },
    )
