"""Applications running under other processes: a 一件事 bundle, and a process a modeller drew."""

import pytest

from cityhall.applications.models import Application, CardKind, Status, TaskStatus
from cityhall.applications.services import review
from cityhall.applications.services.intake import Intake, application_submit, plan_for
from cityhall.applications.services.supervision import supervision_sweep
from cityhall.applications.tests import factories as f
from cityhall.catalog.models import ServiceItem
from cityhall.catalog.services import item_version_draft, item_version_publish
from cityhall.identity.models import Account
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as people

pytestmark = pytest.mark.django_db

MODELLER_BPMN = "cityhall/catalog/workflow/tests/fixtures/modeller_minimum_living.bpmn"


def _drive(application: Application, reviewers: dict[str, Account]) -> None:
    """Approve every open task with the reviewer of its unit until none is left."""
    for _round in range(5):
        open_tasks = list(application.tasks.filter(status=TaskStatus.OPEN).select_related("unit"))
        if not open_tasks:
            return
        for task in open_tasks:
            review.task_decide(task_id=task.pk, by=reviewers[task.unit.code], outcome="approve")


def test_birth_bundle_is_one_application_with_one_certificate_per_item(city):
    reviewers = {
        code: f.reviewer(f.CITY, code.split("-")[1])
        for code in ("440100-GA", "440100-YB", "440100-RS")
    }
    plan = plan_for(bundle_code="YJS-001")
    names = [m.name for m in plan.materials]
    assert len(names) == len(set(names))  # one set of materials: nothing asked twice
    application = application_submit(
        Intake(
            applicant=city["citizen"],
            idempotency_key="birth",
            bundle_code="YJS-001",
            uploads={m.pk: f.pdf() for m in plan.materials},
            division_code=f.STREET,
            form=f.form_values(plan.fields),
        )
    )
    assert application.bundle is not None and application.items.count() == 3
    _drive(application, reviewers)
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    titles = set(application.certificates.values_list("version__item__code", flat=True))
    assert titles == {"GA-001", "YB-002", "RS-005"}


@pytest.mark.parametrize(
    ("income", "status"), [("2000", Status.APPROVED), ("9000", Status.REJECTED)]
)
def test_a_process_drawn_in_a_modeller_runs_an_application(city, income, status):
    admin = people.staff(unit=people.unit("440100"), roles=[Role.ADMINISTRATOR])
    draft = item_version_draft(item=ServiceItem.objects.get(code="MZ-003"), by=admin)
    with open(MODELLER_BPMN, encoding="utf-8") as handle:
        draft.bpmn_xml = handle.read()
    draft.form_fields = [
        {
            "key": "household_monthly_income",
            "label": "家庭月收入",
            "type": "number",
            "required": True,
            "choices": [],
        },
        {
            "key": "household_size",
            "label": "家庭人口",
            "type": "number",
            "required": True,
            "choices": [],
        },
    ]
    draft.save()
    item_version_publish(version=draft, by=admin)
    reviewers = {
        "440105001-JD": f.reviewer(f.STREET, "JD"),
        "440105-MZ": f.reviewer(f.DISTRICT, "MZ"),
        "440105-RS": city["rs"],
    }
    plan = plan_for(item_code="MZ-003")
    application = application_submit(
        Intake(
            applicant=city["citizen"],
            idempotency_key=f"dibao-{income}",
            item_code="MZ-003",
            uploads={m.pk: f.pdf() for m in plan.materials},
            division_code=f.STREET,
            form={"household_monthly_income": income, "household_size": "2"},
        )
    )
    assert application.tasks.get().unit.code == "440105001-JD"  # the street accepts
    _drive(application, reviewers)
    application.refresh_from_db()
    assert application.status == status
    assert application.certificates.exists() == (status == Status.APPROVED)
    if status == Status.REJECTED:
        # The drawn process refuses through a gateway and gives no reason: e-supervision says so.
        supervision_sweep()
        assert application.cards.filter(kind=CardKind.NO_REASON).exists()
