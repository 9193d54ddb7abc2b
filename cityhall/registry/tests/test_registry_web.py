"""Registry pages and API through the client: scope, masking, audit, filing desk."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cityhall.core.models import AuditEntry
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as idf
from cityhall.registry.models import SaleFiling
from cityhall.registry.tests import factories as rf

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    hz_house, th_house = rf.house(street_code="440105001"), rf.house(street_code="440106001")
    return {
        "hz_house": hz_house,
        "th_house": th_house,
        "hz": rf.person(name="海珠居民", house=hz_house),
        "th": rf.person(name="天河居民", house=th_house),
    }


def test_api_search_is_scoped_and_masked(client, town):
    clerk = idf.staff(unit=idf.unit("440105001"), roles=[Role.WINDOW_CLERK])
    idf.signed_in(client, clerk)
    found = client.get("/api/v1/registry/persons", {"name_prefix": "海珠"}).json()
    assert [p["name"] for p in found["items"]] == ["海珠居民"]
    assert found["items"][0]["document_number_masked"].startswith("440105")
    assert "*" in found["items"][0]["document_number_masked"]
    assert client.get("/api/v1/registry/persons", {"name_prefix": "天河"}).json()["count"] == 0
    exact = client.get(
        "/api/v1/registry/persons", {"document_number": town["th"].document_number}
    ).json()
    assert exact["count"] == 0
    assert client.get(f"/api/v1/registry/persons/{town['th'].pk}").status_code == 404
    detail = client.get(f"/api/v1/registry/persons/{town['hz'].pk}")
    assert detail.status_code == 200
    assert town["hz"].document_number not in detail.content.decode()
    assert AuditEntry.objects.filter(
        event="personal_data.read", subject_id=str(town["hz"].pk)
    ).exists()


def test_api_refuses_bad_query_with_a_clear_error(client, town):
    clerk = idf.staff(unit=idf.unit("440105001"), roles=[Role.WINDOW_CLERK])
    idf.signed_in(client, clerk)
    response = client.get("/api/v1/registry/persons", {"document_number": "123"})
    assert response.status_code == 400
    assert response.json()["code"] == "resident_id_format"


def test_roles_without_registry_access_are_refused(client, town):
    officer = idf.staff(unit=idf.unit("440105001"), roles=[Role.HANDLING_OFFICER])
    idf.signed_in(client, officer)
    assert client.get("/api/v1/registry/persons", {"name_prefix": "海"}).status_code == 403
    assert client.get(reverse("registry:search")).status_code == 403


def test_person_page_reveal_and_correction(client, town):
    clerk = idf.staff(unit=idf.unit("440105001"), roles=[Role.WINDOW_CLERK])
    idf.signed_in(client, clerk)
    url = reverse("registry:person", args=[town["hz"].pk])
    page = client.get(url).content.decode()
    assert town["hz"].document_number not in page
    revealed = client.post(url, {"action": "reveal", "reason": "窗口核验"}).content.decode()
    assert town["hz"].document_number in revealed
    response = client.post(
        url,
        {
            "action": "correct",
            "name": "海珠居民",
            "phone": "13511112222",
            "status": "alive",
            "house_code": town["hz_house"].code,
            "reason": "本人申请更新手机号",
        },
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "本人申请更新手机号" in page  # the history table
    assert client.get(reverse("registry:person", args=[town["th"].pk])).status_code == 404


def test_filing_desk_journey_with_refusals(client, town):
    desk = idf.staff(unit=idf.unit("440105"), roles=[Role.DEPARTMENT_REVIEWER])
    idf.signed_in(client, desk)
    house = town["hz_house"]
    act = lambda action, **data: client.post(  # noqa: E731
        reverse("registry:house_action", args=[house.pk, action]), data, follow=True
    )
    page = act("mortgage", certificate_number="DY-1", mortgagee="某银行", amount="100000", rank=1)
    assert "抵押登记成功" in page.content.decode()
    refused = act(
        "file",
        contract_number="WQ-1",
        buyer_document_number=town["hz"].document_number,
        price="2000000",
    )
    assert "须先注销抵押" in refused.content.decode()
    assert not SaleFiling.objects.exists()
    mortgage = house.mortgages.get()
    act("release", record=mortgage.pk, reason="贷款结清")
    filed = act(
        "file",
        contract_number="WQ-1",
        buyer_document_number=town["hz"].document_number,
        price="2000000",
    )
    assert "网签备案成功" in filed.content.decode()
    again = act(
        "file",
        contract_number="WQ-2",
        buyer_document_number=town["hz"].document_number,
        price="2000000",
    )
    assert "不能重复备案" in again.content.decode()
    assert SaleFiling.objects.filter(status="active").count() == 1


def test_filing_desk_cannot_touch_another_districts_house(client, town):
    desk = idf.staff(unit=idf.unit("440105"), roles=[Role.DEPARTMENT_REVIEWER])
    idf.signed_in(client, desk)
    url = reverse("registry:house_action", args=[town["th_house"].pk, "mortgage"])
    response = client.post(url, {"certificate_number": "X", "mortgagee": "Y", "amount": "1"})
    assert response.status_code == 404


def test_person_search_list_has_no_n_plus_one(client, django_assert_max_num_queries):
    house = rf.house()
    for i in range(12):
        rf.person(name="陈" + "甲乙丙丁戊己庚辛壬癸子丑"[i], house=house)
    clerk = idf.staff(unit=idf.unit("440105"), roles=[Role.WINDOW_CLERK])
    idf.signed_in(client, clerk)
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/registry/persons", {"name_prefix": "陈"})
    assert response.json()["count"] == 12
    with django_assert_max_num_queries(14):
        page = client.get(reverse("registry:search"), {"person": "1", "name_prefix": "陈"})
    assert page.status_code == 200


def test_person_page_lists_benefits_current_first_in_one_query(client, town):
    elder = rf.person(name="海珠老人", house=town["hz_house"], birth=date(1950, 2, 3))
    rf.benefit(
        person=elder,
        kind="unemployment",
        amount="1900.00",
        since=date(2009, 3, 1),
        until=date(2009, 12, 31),
    )
    rf.benefit(person=elder, kind="pension", amount="3456.70", since=date(2010, 3, 1))
    rf.benefit(
        person=elder,
        kind="subsistence",
        amount="800.00",
        since=date(2005, 1, 1),
        until=date(2008, 12, 31),
    )
    rf.benefit(person=town["th"], kind="subsistence", amount="1200.00")  # someone else's
    clerk = idf.staff(unit=idf.unit("440105001"), roles=[Role.WINDOW_CLERK])
    idf.signed_in(client, clerk)
    url = reverse("registry:person", args=[elder.pk])

    with CaptureQueriesContext(connection) as first:
        page = client.get(url).content.decode()

    section = page[page.index('id="benefits"') : page.index('id="history"')]
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", section)
    assert rows == [
        ("基本养老金", "3456.70", "2010-03-01 – 至今"),
        ("失业保险金", "1900.00", "2009-03-01 – 2009-12-31"),
        ("最低生活保障金", "800.00", "2005-01-01 – 2008-12-31"),
    ]
    assert elder.document_number not in page  # still masked
    assert AuditEntry.objects.filter(event="personal_data.read", subject_id=str(elder.pk)).exists()
    rf.benefit(person=elder, kind="subsistence", amount="300.00", since=date(2024, 1, 1))
    with CaptureQueriesContext(connection) as second:
        client.get(url)
    assert len(second) == len(first)  # no query per benefit


def test_person_page_without_benefits_says_so(client, town):
    clerk = idf.staff(unit=idf.unit("440105001"), roles=[Role.WINDOW_CLERK])
    idf.signed_in(client, clerk)
    page = client.get(reverse("registry:person", args=[town["hz"].pk])).content.decode()
    section = page[page.index('id="benefits"') : page.index('id="history"')]
    assert '<td colspan="3">—</td>' in section
