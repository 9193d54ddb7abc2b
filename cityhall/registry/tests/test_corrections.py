"""A resident sees what the registry holds about them and reports an error to its supplier."""

import pytest
from django.urls import reverse

from cityhall.core.errors import DomainError
from cityhall.identity import services as identity_services
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as idf
from cityhall.notify.models import Message
from cityhall.registry import own_selectors
from cityhall.registry.models import CorrectionRequest, CorrectionStatus
from cityhall.registry.services.corrections import correction_answer, correction_report
from cityhall.registry.tests import factories as rf

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    found = rf.person(name="黄小华", house=rf.house())
    rf.benefit(person=found)
    return found


@pytest.fixture
def resident(person):
    return identity_services.citizen_register(
        id_number=person.document_number,
        real_name=person.name,
        password=idf.PASSWORD,
        phone="13912345678",
        home_division=idf.community("440105001"),
    )


@pytest.fixture
def steward():
    # The unit that supplied the test registry's facts (registry factories' source()).
    return idf.staff(unit=rf.source(), roles=[Role.DATA_STEWARD])


def _basic(person):
    return f"registry.Person:{person.pk}"


def test_own_facts_name_their_source(person, resident):
    facts = own_selectors.own_facts(person=person)
    labels = [f.label for f in facts]
    assert labels[0] == "基本信息" and "待遇发放" in labels
    assert dict(facts[0].fields)["姓名"] == "黄小华"
    assert all(f.source == rf.source() for f in facts)


def test_report_goes_to_the_supplier_and_the_answer_to_the_resident(person, resident, steward):
    report = correction_report(
        reporter=resident, fact_key=_basic(person), field="姓名", proposed="黄晓华"
    )
    assert report.unit == rf.source() and report.recorded == "黄小华"
    assert Message.objects.filter(recipient=steward, link__contains=str(report.pk)).exists()
    # A second open report on the same field is one too many.
    with pytest.raises(DomainError) as error:
        correction_report(reporter=resident, fact_key=_basic(person), field="姓名", proposed="X")
    assert error.value.code == "duplicate"
    correction_answer(report=report, by=steward, accepted=True, answer="已按户籍档案更正。")
    report.refresh_from_db()
    assert report.status == CorrectionStatus.ACCEPTED
    assert Message.objects.filter(recipient=resident, subject__contains="已答复").exists()
    with pytest.raises(DomainError) as error:
        correction_answer(report=report, by=steward, accepted=False, answer="再答一次")
    assert error.value.code == "already_answered"


def test_bad_reports_change_nothing(person, resident):
    other = rf.person(name="别人")
    cases = [
        (f"registry.Person:{other.pk}", "姓名", "我", "not_found"),  # someone else's fact
        (_basic(person), "不存在的项", "x", "field"),
        (_basic(person), "姓名", "  ", "required"),
        (_basic(person), "姓名", "黄小华", "unchanged"),
        (_basic(person), "姓名", "长" * 201, "too_long"),
    ]
    for key, field, proposed, code in cases:
        with pytest.raises(DomainError) as error:
            correction_report(reporter=resident, fact_key=key, field=field, proposed=proposed)
        assert error.value.code == code
    assert not CorrectionRequest.objects.exists()


def test_only_the_supplying_unit_answers(person, resident):
    report = correction_report(
        reporter=resident, fact_key=_basic(person), field="姓名", proposed="黄晓华"
    )
    elsewhere = idf.staff(unit=idf.unit("440105001"), roles=[Role.DATA_STEWARD])
    with pytest.raises(DomainError):
        correction_answer(report=report, by=elsewhere, accepted=False, answer="不是我们的数据")
    assert own_selectors.corrections_for_unit(actor=elsewhere).count() == 0


def test_my_data_page_and_report_form(client, person, resident, steward):
    idf.signed_in(client, resident)
    page = client.get(reverse("portal:my_data")).content.decode()
    assert "黄小华" in page and rf.source().name in page
    response = client.post(
        reverse("portal:my_data"),
        {
            "fact": _basic(person),
            "field": "姓名",
            "proposed": "黄晓华",
            "explanation": "户口本为准",
        },
    )
    assert response.status_code == 302
    assert CorrectionRequest.objects.filter(reporter=resident, proposed="黄晓华").exists()
    # Another person's fact in the URL is not found, never shown.
    other = rf.person(name="别人")
    assert (
        client.get(reverse("portal:my_data"), {"report": f"registry.Person:{other.pk}"}).status_code
        == 404
    )
    # The steward answers from their workspace.
    idf.signed_in(client, steward)
    report = CorrectionRequest.objects.get()
    assert "黄晓华" in client.get(reverse("registry:corrections")).content.decode()
    response = client.post(
        reverse("registry:correction", args=[report.pk]),
        {"outcome": "rejected", "answer": "经核实，户籍档案登记为黄小华。"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == CorrectionStatus.REJECTED
