"""The citizen's own page: everything of theirs in one place, nothing of anyone else's."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cityhall.applications.models import Status
from cityhall.core.identifiers import uscc_make
from cityhall.identity.models import CardStatus, EnterpriseMandate
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as idf
from cityhall.participation.mailbox.services import letter_rate, letter_reply
from cityhall.participation.models import QuestionKind
from cityhall.participation.surveys.services import (
    question_add,
    survey_answer,
    survey_create,
    survey_open,
)
from cityhall.portal.tests.world import world

pytestmark = pytest.mark.django_db

# One or two queries per section of the page, however many items each holds: 13 sections and
# 5 sources of things to do, the session and the account. The exchange's tests use it too.
MY_PAGE_QUERIES = 25


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
    assert alice.letter.tracking_number in body  # 我的来信
    for theirs in (
        bob.letter.tracking_number,
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


def test_a_reply_to_rate_and_a_survey_to_answer_are_things_to_do(client, town):
    alice = town.alice
    handler = idf.staff(unit=alice.letter.handling_unit, roles=[Role.PUBLISHER])
    letter_reply(letter=alice.letter, text="已安排处理。", by=handler)
    survey = survey_create(author=handler, title="停车管理问卷")
    question_add(
        survey=survey,
        actor=handler,
        kind=QuestionKind.SINGLE,
        text="满意吗？",
        options=["是", "否"],
    )
    survey = survey_open(survey=survey, actor=handler, closes_at=timezone.now() + timedelta(days=3))
    idf.signed_in(client, alice.account)
    body = client.get(reverse("portal:my_page")).content.decode()
    assert "评价来信答复" in body and reverse("mailbox:letter", args=[alice.letter.pk]) in body
    assert "参加问卷调查" in body and reverse("surveys:detail", args=[survey.pk]) in body
    # Once answered and rated, nothing is left to do.
    (question,) = survey.questions.all()
    survey_answer(survey=survey, respondent=alice.account, answers={question.pk: ["0"]})
    letter_rate(letter=alice.letter, writer=alice.account, rating=5)
    body = client.get(reverse("portal:my_page")).content.decode()
    assert "评价来信答复" not in body and "参加问卷调查" not in body
