"""The citizen's own page: everything of theirs in one place, nothing of anyone else's."""

import pytest
from django.urls import reverse

from cityhall.applications.models import Status
from cityhall.core.identifiers import uscc_make
from cityhall.identity.models import CardStatus, EnterpriseMandate
from cityhall.identity.tests import factories as idf
from cityhall.portal.tests.world import world

pytestmark = pytest.mark.django_db

# One or two queries per section of the page, however many items each holds.
MY_PAGE_QUERIES = 22


@pytest.fixture
def town():
    return world()


def test_my_page_shows_my_things_only(client, town, django_assert_max_num_queries):
    alice, bob = town.alice, town.bob
    assert alice.supplement.status == Status.SUPPLEMENT
    assert alice.approved.status == Status.APPROVED
    idf.signed_in(client, alice.account)
    with django_assert_max_num_queries(MY_PAGE_QUERIES):
        body = client.get(reverse("portal:my_page")).content.decode()
    # To do: materials to supplement and a rating to give.
    assert "补正材料" in body and alice.supplement.number in body
    assert "评价办事服务" in body and alice.approved.number in body
    assert alice.ticket.tracking_number in body
    assert alice.certificate.number in body
    assert alice.message.subject in body
    assert alice.card.number in body
    assert "1 条纠错申请待核实" in body
    for theirs in (
        bob.supplement.number,
        bob.approved.number,
        bob.ticket.tracking_number,
        bob.certificate.number,
        bob.card.number,
    ):
        assert theirs not in body


def test_reporting_my_card_lost_blocks_it(client, town):
    alice, bob = town.alice, town.bob
    idf.signed_in(client, alice.account)
    # Someone else's card number: not found, and their card still works.
    assert client.post(reverse("portal:card_lost"), {"card": bob.card.number}).status_code == 404
    bob.card.refresh_from_db()
    assert bob.card.status == CardStatus.ACTIVE
    response = client.post(reverse("portal:card_lost"), {"card": alice.card.number}, follow=True)
    assert "已挂失" in response.content.decode()
    alice.card.refresh_from_db()
    assert alice.card.status == CardStatus.LOST


def test_an_enterprise_agent_acts_for_their_company(client, town):
    alice = town.alice
    uscc = "91110000600037341L"
    EnterpriseMandate.objects.create(agent=alice.account, uscc=uscc, enterprise_name="穗安贸易公司")
    idf.signed_in(client, alice.account)
    assert client.post(reverse("portal:acting_for"), {"uscc": uscc}).status_code == 302
    body = client.get(reverse("portal:my_page")).content.decode()
    assert "穗安贸易公司（企业办事）" in body
    assert alice.supplement.number not in body  # personal applications are not the company's
    # A company without a mandate cannot be chosen.
    other = uscc_make(
        authority="9", category="1", division_code="440101", organisation_code="MA5CYYYY0"
    )
    assert client.post(reverse("portal:acting_for"), {"uscc": other}).status_code == 404
    client.post(reverse("portal:acting_for"), {"uscc": ""})
    assert alice.supplement.number in client.get(reverse("portal:my_page")).content.decode()
