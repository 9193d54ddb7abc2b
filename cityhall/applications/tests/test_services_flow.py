"""Intake → parallel review → decision → e-certificate, and the window's instant decisions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cityhall.applications.models import (
    Application,
    Certificate,
    MaterialSource,
    Status,
    SubmittedMaterial,
    Task,
    TaskStatus,
)
from cityhall.applications.services import review
from cityhall.applications.services.intake import Intake, application_submit, plan_for
from cityhall.applications.tests import factories as f
from cityhall.core.errors import DomainError, NotFoundError
from cityhall.notify.models import Message

pytestmark = pytest.mark.django_db


def _online(city, code="RS-003", key="k1", **extra):
    plan = plan_for(item_code=code)
    uploads = {m.pk: f.pdf(f"{m.pk}.pdf") for m in plan.materials}
    return application_submit(
        Intake(
            applicant=city["citizen"],
            idempotency_key=key,
            item_code=code,
            uploads=uploads,
            division_code=f.STREET,
            form=f.form_values(plan.fields),
            **extra,
        )
    )


def _decide(task: Task, reviewer, outcome="approve", opinion=""):
    return review.task_decide(task_id=task.pk, by=reviewer, outcome=outcome, opinion=opinion)


def test_parallel_review_to_certificate(city):
    application = _online(city)
    assert application.status == Status.SUBMITTED
    assert len(application.number) == 21 and application.number.startswith("440105")
    (accept,) = application.tasks.all()
    assert accept.spec_id == "accept" and accept.unit.code == "440105-RS"

    _decide(accept, city["rs"])
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW and application.accepted_at is not None
    reviews = {t.unit.code: t for t in application.tasks.filter(status=TaskStatus.OPEN)}
    assert set(reviews) == {"440105-RS", "440100-SB"}

    _decide(reviews["440100-SB"], city["sb"])
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW  # the other department has not decided yet
    _decide(reviews["440105-RS"], city["rs"])

    application.refresh_from_db()
    assert application.status == Status.APPROVED and application.completed_at is not None
    (certificate,) = Certificate.objects.filter(application=application)
    assert certificate.holder == city["citizen"]
    assert certificate.pdf.read(5) == b"%PDF-"
    assert len(certificate.verification_code) == 16
    actions = list(application.events.values_list("action", flat=True))
    assert actions[0] == "submitted" and "accepted" in actions and actions[-1] == "approved"
    # Every state change told the applicant.
    assert Message.objects.filter(recipient=city["citizen"]).count() >= 3


def test_fetched_materials_are_not_asked(city):
    application = _online(city)
    sources = dict(application.materials.values_list("name", "source"))
    # The identity card comes from the registry only if the person is in it; uploads otherwise.
    assert all(s in MaterialSource.values for s in sources.values())
    assert (
        SubmittedMaterial.objects.filter(application=application, source=MaterialSource.UPLOADED)
        .exclude(file="")
        .exists()
    )


def test_same_idempotency_key_is_one_application(city):
    first = _online(city, key="double-click")
    second = _online(city, key="double-click")
    assert first.pk == second.pk
    assert Application.objects.filter(applicant=city["citizen"]).count() == 1


def test_missing_required_material_changes_nothing(city):
    with pytest.raises(DomainError) as caught:
        application_submit(
            Intake(
                applicant=city["citizen"],
                idempotency_key="m",
                item_code="RS-003",
                division_code=f.STREET,
                form=f.form_values(plan_for(item_code="RS-003").fields),
            )
        )
    assert caught.value.code == "missing_material"
    assert not Application.objects.exists() and not SubmittedMaterial.objects.exists()


@pytest.mark.parametrize(
    ("content", "size_limit", "code"),
    [(b"MZ\x90\x00 not a document", None, "upload_type"), (f.PDF * 10, 64, "upload_too_large")],
)
def test_bad_upload_changes_nothing(city, settings, content, size_limit, code):
    if size_limit:
        settings.CITYHALL_UPLOAD_MAX_BYTES = size_limit
    plan = plan_for(item_code="RS-003")
    uploads = {m.pk: SimpleUploadedFile("x.pdf", content) for m in plan.materials}
    with pytest.raises(DomainError) as caught:
        application_submit(
            Intake(
                applicant=city["citizen"],
                idempotency_key="u",
                item_code="RS-003",
                uploads=uploads,
                division_code=f.STREET,
                form=f.form_values(plan.fields),
            )
        )
    assert caught.value.code == code
    assert not Application.objects.exists()


def test_unknown_item_and_wrong_version(city):
    with pytest.raises(NotFoundError):
        _online(city, code="XX-999")
    with pytest.raises(DomainError) as caught:
        _online(city, version_number=7)
    assert caught.value.code == "wrong_version"
    assert not Application.objects.exists()


def test_window_instant_item_is_decided_on_the_spot(city):
    plan = plan_for(item_code="RS-001")
    application = application_submit(
        Intake(
            applicant=city["citizen"],
            idempotency_key="w1",
            item_code="RS-001",
            channel="window",
            clerk=city["clerk"],
            checked_at_window=frozenset(m.pk for m in plan.materials),
            form=f.form_values(plan.fields),
        )
    )
    assert application.status == Status.APPROVED
    assert application.decided_on_spot and application.clerk == city["clerk"]
    assert application.certificates.count() == 1


def test_citizen_cannot_be_window_clerk(city):
    with pytest.raises(DomainError):
        application_submit(
            Intake(
                applicant=city["citizen"],
                idempotency_key="w2",
                item_code="RS-001",
                channel="window",
                clerk=city["rs"],
            )
        )
    assert not Application.objects.exists()


def test_rejection_needs_a_reason_and_ends_the_joint_review(city):
    application = _online(city)
    _decide(application.tasks.get(), city["rs"])
    sb_task = application.tasks.get(unit__code="440100-SB", status=TaskStatus.OPEN)
    with pytest.raises(DomainError) as caught:
        _decide(sb_task, city["sb"], outcome="reject")
    assert caught.value.code == "reason_required"
    _decide(sb_task, city["sb"], outcome="reject", opinion="参保记录不符")
    application.refresh_from_db()
    assert application.status == Status.REJECTED and application.reason == "参保记录不符"
    assert not application.tasks.filter(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED]).exists()
    assert not application.certificates.exists()


def test_rejection_at_acceptance_is_not_accepted(city):
    application = _online(city)
    _decide(application.tasks.get(), city["rs"], outcome="reject", opinion="不属于本部门受理范围")
    application.refresh_from_db()
    assert application.status == Status.NOT_ACCEPTED


def test_supplement_pauses_and_resumes(city):
    application = _online(city)
    task = application.tasks.get()
    _decide(task, city["rs"], outcome="supplement", opinion="请补交银行账户信息")
    application.refresh_from_db()
    assert application.status == Status.SUPPLEMENT and application.paused_since is not None
    with pytest.raises(DomainError) as caught:
        _decide(task, city["rs"])
    assert caught.value.code == "transition_not_allowed"
    material = plan_for(item_code="RS-003").materials[-1]
    review.supplement_provide(
        application_id=application.pk, by=city["citizen"], uploads={material.pk: f.pdf()}
    )
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED and application.paused_since is None
    added = application.materials.filter(material=material).order_by("-id").first()
    assert added is not None and added.content_type == "application/pdf"
    assert len(added.sha256) == 64 and added.file.read(5) == b"%PDF-"
    _decide(task, city["rs"])
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW


def test_other_units_and_other_citizens_see_nothing(city):
    application = _online(city)
    stranger = f.reviewer("440106", "RS")
    with pytest.raises(NotFoundError):
        _decide(application.tasks.get(), stranger)
    other = f.resident(name="李四")
    with pytest.raises(NotFoundError):
        review.application_withdraw(application_id=application.pk, by=other)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_no_transition_after_the_end(city):
    application = _online(city)
    review.application_withdraw(application_id=application.pk, by=city["citizen"])
    with pytest.raises(DomainError) as caught:
        review.application_withdraw(application_id=application.pk, by=city["citizen"])
    assert caught.value.code == "transition_not_allowed"
