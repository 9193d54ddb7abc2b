"""政民互动 hub: what is open now, for whoever is looking, in a bounded number of queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f
from cityhall.participation.boards import services as boards
from cityhall.participation.consultations import services as consultations
from cityhall.participation.models import Mailbox, QuestionKind
from cityhall.participation.surveys import services as surveys

pytestmark = pytest.mark.django_db

STREET, OTHER_STREET = "440105001", "440104001"
HUB = reverse("participation_hub:index")


@pytest.fixture
def city():
    publisher = f.staff(unit=f.unit(STREET), roles=[Role.PUBLISHER])
    now = timezone.now()
    draft = consultations.consultation_create(
        author=publisher,
        title="社区长者饭堂管理办法（征求意见稿）",
        summary="起草说明。",
        area_code=STREET,
        opens_at=now,
        closes_at=now + timedelta(days=10),
        draft="第一条 为了规范长者饭堂，制定本办法。",
    )
    assert publisher.unit is not None
    Mailbox.objects.create(name="赤岗街道书记信箱", unit=publisher.unit, addressee="书记")
    survey = surveys.survey_create(
        author=publisher, title="街道服务满意度", audience="area", area_code=STREET
    )
    surveys.question_add(
        survey=survey,
        actor=publisher,
        kind=QuestionKind.SINGLE,
        text="满意吗？",
        options=["是", "否"],
    )
    surveys.survey_open(survey=survey, actor=publisher, closes_at=now + timedelta(days=5))
    resident = f.citizen(home=f.community(STREET))
    assert resident.home_division is not None
    boards.post_create(
        board=boards.board_for(resident.home_division), author=resident, body="路灯坏了。"
    )
    return {"draft": draft, "survey": survey, "resident": resident}


def test_anyone_sees_open_drafts_and_mailboxes_and_is_asked_to_sign_in_for_surveys(client, city):
    page = client.get(HUB).content.decode()
    assert city["draft"].title in page and "还剩 10 天" in page
    assert "赤岗街道书记信箱" in page
    assert city["survey"].title not in page and "登录后可以参加" in page


def test_a_resident_sees_the_surveys_for_their_area_and_their_board(
    client, city, django_assert_max_num_queries
):
    f.signed_in(client, city["resident"])
    with django_assert_max_num_queries(12):
        page = client.get(HUB).content.decode()
    assert city["survey"].title in page
    assert f"/boards/{city['resident'].home_division.code}/" in page
    elsewhere = f.citizen(home=f.community(OTHER_STREET), name="李四")
    client.logout()
    f.signed_in(client, elsewhere)
    page = client.get(HUB).content.decode()
    assert city["survey"].title not in page and "目前没有您可以参加的问卷" in page
