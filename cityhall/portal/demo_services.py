"""The demo city's service platform in use: applications taken in through the real services —
instant items at street windows, parallel-review items online, some decided and rated, some
late enough for e-supervision to card them. Deterministic and idempotent (keyed by
idempotency keys), so a second `seed_demo` adds nothing."""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from cityhall.applications.models import Application, Outcome, Status, Task, TaskStatus
from cityhall.applications.selectors import certificate_item_codes
from cityhall.applications.services import ratings, review
from cityhall.applications.services.intake import (
    Intake,
    application_submit,
    material_fetchable,
    plan_for,
)
from cityhall.applications.services.supervision import supervision_sweep
from cityhall.core.errors import DomainError
from cityhall.identity.models import Account, AccountKind
from cityhall.registry.selectors import own_records

DEMO_SEED = 20261121
# A one-page PDF stands in for the scans a citizen would upload.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]"
    b"/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
WINDOW_ITEMS = ("RS-001", "RS-002", "YB-002", "RS-004", "WJ-001", "SW-003")
ONLINE_ITEMS = ("RS-003", "MZ-004", "RS-005")


@dataclass(frozen=True)
class ServicesDemoReport:
    applications: int
    approved: int
    cards: int

    def __str__(self) -> str:
        return f"{self.applications} applications ({self.approved} done), {self.cards} cards"


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{name}.pdf", DEMO_PDF, content_type="application/pdf")


def _submit(intake: Intake) -> Application | None:
    try:
        return application_submit(intake)
    except DomainError:
        return None  # an item the demo data cannot satisfy is skipped, not faked


def _decide_all(application: Application, reviewers: dict[str, Account], outcome: str) -> None:
    for _round in range(4):
        open_tasks = list(
            Task.objects.filter(
                application=application, status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED]
            ).select_related("unit")
        )
        if not open_tasks:
            return
        for task in open_tasks:
            reviewer = reviewers.get(task.unit.code)
            if reviewer is None:
                return
            review.task_decide(
                task_id=task.pk,
                by=reviewer,
                outcome=outcome,
                opinion="" if outcome == Outcome.APPROVE else "演示：材料不符合要求",
            )


def demo_services_build(*, count: int = 60) -> ServicesDemoReport:
    rng = random.Random(DEMO_SEED)
    staff = {a.username: a for a in Account.objects.filter(kind=AccountKind.STAFF)}
    clerks = [staff[n] for n in ("hz1-clerk", "hz2-clerk", "th1-clerk", "th2-clerk") if n in staff]
    reviewers = {a.unit.code: a for a in staff.values() if a.unit and "reviewer" in a.username}
    citizens = list(
        Account.objects.filter(
            kind=AccountKind.CITIZEN, home_division__code__startswith="440105"
        ).order_by("id")[:count]
    )
    made = 0
    for n, citizen in enumerate(citizens):
        key = f"demo-{n}"
        if Application.objects.filter(applicant=citizen, idempotency_key=key).exists():
            continue
        with transaction.atomic():
            if n % 3 and clerks:
                code = WINDOW_ITEMS[n % len(WINDOW_ITEMS)]
                seen = frozenset(m.pk for m in plan_for(item_code=code).materials)
                application = _submit(
                    Intake(
                        applicant=citizen,
                        idempotency_key=key,
                        item_code=code,
                        channel="window",
                        clerk=rng.choice(clerks),
                        checked_at_window=seen,
                        form={f["key"]: _demo_value(f) for f in plan_for(item_code=code).fields},
                    )
                )
            else:
                application = _online(citizen, key, ONLINE_ITEMS[n % len(ONLINE_ITEMS)])
                if application is not None and n % 2 == 0:
                    _decide_all(application, reviewers, Outcome.APPROVE)
            if application is None:
                continue
            made += 1
            application.refresh_from_db()
            if application.status == Status.APPROVED and n % 4 == 0:
                ratings.rating_submit(
                    application_id=application.pk,
                    rater=citizen,
                    level=2 if n % 20 == 0 else rng.choice([4, 5, 5]),
                    comment="演示评价",
                    channel=application.channel,
                )
            if n % 7 == 1 and application.status not in (Status.APPROVED, Status.REJECTED):
                # Late work, so e-supervision has something to show.
                back = timezone.now() - timedelta(days=40)
                Application.objects.filter(pk=application.pk).update(
                    submitted_at=back, due_date=(back + timedelta(days=10)).date()
                )
                Task.objects.filter(application=application).update(
                    due_date=(back + timedelta(days=2)).date()
                )
    cards = supervision_sweep()
    approved = Application.objects.filter(status=Status.APPROVED).count()
    return ServicesDemoReport(made, approved, cards.yellow + cards.red + cards.late_acceptance)


def _online(citizen: Account, key: str, code: str) -> Application | None:
    plan = plan_for(item_code=code)
    records = own_records(document_number=citizen.id_number)
    held = certificate_item_codes(holder=citizen)
    uploads = {
        m.pk: _pdf(f"m{m.pk}")
        for m in plan.materials
        if not material_fetchable(material=m, records=records, certificates=held)
    }
    form = {f["key"]: _demo_value(f) for f in plan.fields}
    return _submit(
        Intake(applicant=citizen, idempotency_key=key, item_code=code, form=form, uploads=uploads)
    )


def _demo_value(field: dict[str, object]) -> str:
    kind = field["type"]
    if kind == "date":
        return "2026-11-01"
    if kind == "number":
        return "1"
    if kind == "phone":
        return "13800138000"
    if kind == "choice":
        return str(field["choices"][0])  # type: ignore[index]
    if kind in ("id_number", "uscc"):
        return ""
    return "演示"
