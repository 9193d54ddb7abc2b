"""Registering and correcting facts: validation, provenance, history, encryption, scope, audit."""

from datetime import date

import pytest
from django.db import connection

from cityhall.core.errors import DomainError, NotFoundError, PermissionDeniedError
from cityhall.core.identifiers import resident_id_make
from cityhall.core.models import AuditEntry
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as idf
from cityhall.registry import selectors
from cityhall.registry.models import FactChange, Person
from cityhall.registry.services import facts
from cityhall.registry.tests import factories as rf
from cityhall.registry.validation import RowError

pytestmark = pytest.mark.django_db


@pytest.fixture
def steward():
    return idf.staff(unit=idf.unit("440105"), roles=[Role.DATA_STEWARD])


def _row(**overrides):
    number = resident_id_make(division_code="440105", birth_date=date(1990, 7, 1), sequence=123)
    row = {
        "document_type": "resident_id",
        "document_number": number,
        "name": "梁嘉欣",
        "hukou_division_code": "440105001",
        "phone": "13600001111",
    }
    row.update(overrides)
    return row


def test_register_derives_gender_and_birth_date_and_seals_personal_data(steward):
    house = rf.house()
    person = facts.person_register(row=_row(house_code=house.code), by=steward)
    assert (person.gender, person.birth_date) == ("M", date(1990, 7, 1))
    assert person.area_code == house.area_code
    assert person.supplied_by == steward.unit
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT document_number, phone FROM registry_person WHERE id = %s", [person.pk]
        )
        sealed_number, sealed_phone = cursor.fetchone()
    assert person.document_number not in sealed_number and "13600001111" not in sealed_phone
    found = selectors.person_find_by_document("resident_id", person.document_number.lower())
    assert found == person


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"gender": "F"}, "gender_mismatch"),
        ({"birth_date": "1990-07-02"}, "birth_date_mismatch"),
        ({"document_number": "440105199007011230"}, "resident_id_check"),
        ({"hukou_division_code": "4401"}, "bad_division"),
        ({"phone": "12345"}, "bad_phone"),
        ({"house_code": "NO-SUCH-HOUSE"}, "unknown_house"),
        ({"document_type": "passport", "document_number": "e1"}, "bad_document"),
    ],
)
def test_bad_records_are_refused_and_change_nothing(steward, overrides, code):
    with pytest.raises(RowError) as refused:
        facts.person_register(row=_row(**overrides), by=steward)
    assert refused.value.code == code
    assert not Person.objects.exists()


def test_duplicate_document_is_refused(steward):
    facts.person_register(row=_row(), by=steward)
    with pytest.raises(RowError) as refused:
        facts.person_register(row=_row(name="别人"), by=steward)
    assert refused.value.code == "duplicate"


def test_correction_keeps_old_values_who_and_why(steward):
    person = facts.person_register(row=_row(), by=steward)
    new_house = rf.house()
    facts.person_correct(
        person=person,
        changes={"phone": "13700002222", "house_code": new_house.code},
        by=steward,
        reason="本人到窗口更新联系方式和住址",
    )
    person.refresh_from_db()
    assert person.phone == "13700002222" and person.current_house == new_house
    assert person.area_code == new_house.area_code
    changes = {c.field: c for c in FactChange.objects.filter(fact_id=person.pk)}
    assert set(changes) == {"phone", "current_house"}
    assert (changes["phone"].old_value, changes["phone"].new_value) == (
        "13600001111",
        "13700002222",
    )
    assert changes["phone"].changed_by == steward
    assert changes["phone"].supplied_by == steward.unit
    assert changes["phone"].reason == "本人到窗口更新联系方式和住址"
    with connection.cursor() as cursor:  # history holds personal data: sealed too
        cursor.execute("SELECT old_value FROM registry_factchange WHERE field = 'phone'")
        assert "13600001111" not in cursor.fetchone()[0]


def test_correction_revalidates_and_refuses_without_reason(steward):
    person = facts.person_register(row=_row(), by=steward)
    with pytest.raises(RowError):
        facts.person_correct(person=person, changes={"phone": "999"}, by=steward, reason="更正")
    with pytest.raises(DomainError):
        facts.person_correct(person=person, changes={"phone": "13700002222"}, by=steward, reason="")
    with pytest.raises(DomainError):
        facts.person_correct(
            person=person, changes={"document_number": "x"}, by=steward, reason="改"
        )
    assert not FactChange.objects.exists()


def test_unchanged_correction_writes_no_history(steward):
    person = facts.person_register(row=_row(), by=steward)
    facts.person_correct(person=person, changes={"phone": "13600001111"}, by=steward, reason="核对")
    assert not FactChange.objects.exists()


def test_scope_of_reads_and_writes():
    hz_house, th_house = rf.house(street_code="440105001"), rf.house(street_code="440106001")
    hz, th = rf.person(name="海珠人", house=hz_house), rf.person(name="天河人", house=th_house)
    clerk = idf.staff(unit=idf.unit("440105001"), roles=[Role.WINDOW_CLERK])
    visible = selectors.persons_for_staff(actor=clerk)
    assert list(visible) == [hz]
    with pytest.raises(NotFoundError):
        selectors.person_get_for_staff(actor=clerk, person_id=th.pk)
    with pytest.raises(PermissionDeniedError):
        facts.person_correct(person=th, changes={"phone": ""}, by=clerk, reason="越权更正")
    found = selectors.person_search_for_staff(
        actor=clerk, query=selectors.PersonQuery(document_number=th.document_number)
    )
    assert list(found) == []


def test_open_and_reveal_are_audited_and_reveal_needs_the_role():
    person = rf.person(house=rf.house())
    clerk = idf.staff(unit=idf.unit("440105001"), roles=[Role.WINDOW_CLERK])
    operator = idf.staff(unit=idf.unit("440105001"), roles=[Role.HOTLINE_OPERATOR])
    facts.person_open(actor=operator, person_id=person.pk)
    with pytest.raises(PermissionDeniedError):
        facts.person_reveal(actor=operator, person_id=person.pk, purpose="想看看")
    revealed = facts.person_reveal(actor=clerk, person_id=person.pk, purpose="窗口核验身份")
    assert revealed.document_number == person.document_number
    reads = AuditEntry.objects.filter(event="personal_data.read", subject_type="registry.person")
    assert [(e.actor_id, e.detail["masked"]) for e in reads.order_by("seq")] == [
        (operator.pk, True),
        (clerk.pk, False),
    ]


def test_search_by_name_prefix_and_address():
    house = rf.house()
    rf.person(name="陈大文", house=house)
    rf.person(name="陈小文", house=house)
    rf.person(name="李大文", house=house)
    clerk = idf.staff(unit=idf.unit("440105"), roles=[Role.WINDOW_CLERK])
    by_name = selectors.person_search_for_staff(
        actor=clerk, query=selectors.PersonQuery(name_prefix="陈")
    )
    assert [p.name for p in by_name] == ["陈大文", "陈小文"]
    by_address = selectors.person_search_for_staff(
        actor=clerk, query=selectors.PersonQuery(address="测试路")
    )
    assert by_address.count() == 3
    with pytest.raises(DomainError):
        selectors.person_search_for_staff(actor=clerk, query=selectors.PersonQuery())


def test_exchange_reads_leave_sealed_columns_unread_unless_asked():
    person = rf.person(name="黄小华", phone="13912345678")
    for keys in ([person.document_index], [person.document_index, "no-such-index"]):
        found = selectors.persons_by_document_index(keys)[person.document_index]
        assert {"document_number", "phone"} <= found.get_deferred_fields()
        assert found.name == "黄小华"
        with_phone = selectors.persons_by_document_index(keys, with_phone=True)
        assert with_phone[person.document_index].phone == "13912345678"
        assert "document_number" in with_phone[person.document_index].get_deferred_fields()
