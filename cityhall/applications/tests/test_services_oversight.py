"""E-supervision cards, ratings and rectification, KPIs, and the public verify page's rules."""

from datetime import timedelta

import pytest
from celery import current_app
from django.utils import timezone

from cityhall.applications import kpis, selectors
from cityhall.applications.models import (
    Application,
    CardKind,
    RectificationStatus,
    Status,
    SupervisionCard,
    Task,
)
from cityhall.applications.services import ratings, review
from cityhall.applications.services.intake import Intake, application_submit, plan_for
from cityhall.applications.services.supervision import supervision_sweep
from cityhall.applications.tests import factories as f
from cityhall.core.errors import DomainError, NotFoundError, PermissionDeniedError
from cityhall.notify.models import Message

pytestmark = pytest.mark.django_db


def _online(city, key="k"):
    plan = plan_for(item_code="RS-003")
    uploads = {m.pk: f.pdf() for m in plan.materials}
    return application_submit(
        Intake(
            applicant=city["citizen"],
            idempotency_key=key,
            item_code="RS-003",
            uploads=uploads,
            division_code=f.STREET,
            form=f.form_values(plan.fields),
        )
    )


def _instant(city, key="w"):
    plan = plan_for(item_code="RS-001")
    return application_submit(
        Intake(
            applicant=city["citizen"],
            idempotency_key=key,
            item_code="RS-001",
            channel="window",
            clerk=city["clerk"],
            checked_at_window=frozenset(m.pk for m in plan.materials),
            form=f.form_values(plan.fields),
        )
    )


def _age(application: Application, days: int) -> None:
    back = timezone.now() - timedelta(days=days)
    Application.objects.filter(pk=application.pk).update(
        submitted_at=back, due_date=(back + timedelta(days=5)).date()
    )
    Task.objects.filter(application=application).update(due_date=(back + timedelta(days=1)).date())


def test_sweep_cards_late_work_once_and_tells_unit_and_supervisor(city):
    late = _online(city, key="late")
    _age(late, 30)
    counts = supervision_sweep()
    kinds = set(SupervisionCard.objects.filter(application=late).values_list("kind", flat=True))
    assert {CardKind.RED, CardKind.NOT_ACCEPTED} <= kinds
    assert counts.red >= 1 and counts.late_acceptance == 1
    assert Message.objects.filter(recipient=city["rs"], template="supervision_card").exists()
    assert Message.objects.filter(
        recipient=city["supervisor"], template="supervision_card"
    ).exists()
    again = supervision_sweep()
    assert (again.red, again.late_acceptance, again.yellow) == (0, 0, 0)
    cards = selectors.cards_for(actor=city["supervisor"])
    assert {c.application_id for c in cards} == {late.pk}


def test_fresh_work_gets_no_card(city):
    _online(city, key="fresh")
    counts = supervision_sweep()
    assert (counts.red, counts.late_acceptance) == (0, 0)
    assert not SupervisionCard.objects.filter(kind=CardKind.RED).exists()


def test_rejection_without_reason_is_flagged(city):
    application = _online(city, key="noreason")
    Application.objects.filter(pk=application.pk).update(status=Status.REJECTED, reason="")
    supervision_sweep()
    assert SupervisionCard.objects.filter(application=application, kind=CardKind.NO_REASON).exists()


def test_bpmn_deadline_timer_raises_a_yellow_card(city, settings):
    settings.CITYHALL_SUPERVISION_YELLOW_SHARE = 0  # the process's timer is due at once
    application = _online(city, key="timer")
    supervision_sweep(now=timezone.now() + timedelta(days=7))
    card = SupervisionCard.objects.get(
        application=application, kind=CardKind.YELLOW, task__isnull=False
    )
    assert card.task is not None and card.task.spec_id == "accept"


def test_supervision_needs_the_role(city):
    with pytest.raises(PermissionDeniedError):
        selectors.cards_for(actor=city["rs"])
    with pytest.raises(PermissionDeniedError):
        kpis.kpis_for(actor=city["citizen"], since=timezone.localdate(), until=timezone.localdate())


def test_rating_once_and_bad_rating_opens_rectification(city):
    application = _instant(city)
    citizen = city["citizen"]
    with pytest.raises(DomainError):
        ratings.rating_submit(application_id=application.pk, rater=citizen, level=9)
    rating = ratings.rating_submit(
        application_id=application.pk,
        rater=citizen,
        level=2,
        dimensions={"timeliness": 1},
        comment="等候太久",
        channel="window",
    )
    with pytest.raises(DomainError) as caught:
        ratings.rating_submit(
            application_id=application.pk, rater=citizen, level=5, channel="window"
        )
    assert caught.value.code == "already_rated"
    rectification = rating.rectification
    assert rectification.unit == application.lead_unit
    with pytest.raises(DomainError):
        ratings.rectification_follow_up(rectification_id=rectification.pk, rater=citizen, level=4)
    ratings.rectification_visit(
        rectification_id=rectification.pk,
        by=city["rs"],
        measures="增开窗口",
        visit_note="电话回访，申请人认可",
    )
    closed = ratings.rectification_follow_up(
        rectification_id=rectification.pk, rater=citizen, level=4
    )
    assert closed.status == RectificationStatus.CLOSED and closed.follow_up_level == 4
    assert not selectors.can_see_raters(actor=city["rs"])
    assert selectors.can_see_raters(actor=city["supervisor"])


def test_rating_before_the_end_or_by_others_is_refused(city):
    application = _online(city, key="r")
    with pytest.raises(DomainError) as caught:
        ratings.rating_submit(application_id=application.pk, rater=city["citizen"], level=5)
    assert caught.value.code == "not_finished"
    with pytest.raises(NotFoundError):
        ratings.rating_submit(application_id=application.pk, rater=f.resident("王五"), level=5)


def test_kpis_count_on_the_spot_online_and_satisfaction(city):
    instant = _instant(city, key="a")
    _instant(city, key="b")
    _online(city, key="c")
    ratings.rating_submit(application_id=instant.pk, rater=city["citizen"], level=5)
    today = timezone.localdate()
    rows, total = kpis.kpis_for(actor=city["supervisor"], since=today, until=today)
    assert total.applications == 3 and total.on_the_spot == 2 and total.online == 1
    assert total.as_dict()["on_time_rate"] == 1.0
    assert total.as_dict()["satisfaction"] == 1.0
    assert {r.unit_code for r in rows} == {"440105-RS"}


def test_verify_certificate_and_refuse_forgeries(city):
    application = _instant(city)
    certificate = application.certificates.get()
    assert selectors.certificate_verify(code=certificate.verification_code).pk == certificate.pk
    with pytest.raises(NotFoundError):
        selectors.certificate_verify(code="ABCDEFGHJKMNPQRS")
    with pytest.raises(DomainError) as caught:
        selectors.certificate_verify(code="short")
    assert caught.value.code == "bad_code"
    assert selectors.application_progress(number=application.number).pk == application.pk
    forged = application.number[:-1] + ("0" if application.number[-1] != "0" else "1")
    with pytest.raises(DomainError) as caught:
        selectors.application_progress(number=forged)
    assert caught.value.code == "bad_number"


def test_withdrawn_case_cancels_open_tasks(city):
    application = _online(city, key="wd")
    review.application_withdraw(application_id=application.pk, by=city["citizen"])
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    assert set(application.tasks.values_list("status", flat=True)) == {"cancelled"}


def test_sweep_is_on_the_beat_schedule_and_runs_as_a_task(city, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["applications-supervision-sweep"]
    task = current_app.tasks[entry["task"]]
    late = _online(city, key="beat")
    _age(late, 30)
    counts = task.delay().get()
    assert counts["red"] >= 1
    assert SupervisionCard.objects.filter(application=late, kind=CardKind.RED).exists()
