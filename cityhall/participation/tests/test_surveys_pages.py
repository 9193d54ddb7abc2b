"""Survey pages through the client: building, answering once, results, the CSV, and scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cityhall.core.spreadsheets import CSV_BOM
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f
from cityhall.participation.models import Audience, QuestionKind, Survey, SurveyResponse
from cityhall.participation.surveys import services
from cityhall.participation.tests.test_surveys import (
    DISTRICT,
    OTHER_DISTRICT_STREET,
    STREET,
    answers,
    later,
    opened,
    three_answers,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def publisher():
    return f.staff(unit=f.unit(DISTRICT), roles=[Role.PUBLISHER])


@pytest.fixture
def resident():
    return f.citizen(home=f.community(STREET), name="陈小明")


def url(name: str, *args: int) -> str:
    return reverse(f"surveys:{name}", args=args)


def test_a_publisher_builds_and_opens_a_survey(client, publisher):
    f.signed_in(client, publisher)
    assert client.get(url("manage_list")).status_code == 200
    response = client.post(
        url("new"),
        {"title": "<b>街道</b>服务调查", "description": "约 2 分钟", "audience": "area"},
    )
    assert (
        response.status_code == 400 and "请选择本单位服务范围内的区域" in response.content.decode()
    )
    response = client.post(
        url("new"),
        {"title": "街道服务调查", "audience": Audience.AREA, "area": STREET},
    )
    survey = Survey.objects.get(title="街道服务调查")
    assert response.status_code == 302 and response["Location"] == url("manage", survey.pk)
    assert survey.audience_area is not None and survey.audience_area.code == STREET
    add = url("question_add", survey.pk)
    bad = client.post(add, {"kind": QuestionKind.SINGLE, "text": "选一项", "options": "只有一个"})
    assert bad.status_code == 400
    assert (
        "选择题需要 2–20 个选项" in bad.content.decode() and 'role="alert"' in bad.content.decode()
    )
    client.post(add, {"kind": QuestionKind.SINGLE, "text": "选一项", "options": "是\n\n否\n"})
    client.post(
        add,
        {"kind": QuestionKind.SCALE, "text": "打分", "scale_max": "7", "required": "on"},
    )
    questions = list(survey.questions.order_by("position"))
    assert [(q.kind, q.options, q.scale_max) for q in questions] == [
        (QuestionKind.SINGLE, ["是", "否"], 5),
        (QuestionKind.SCALE, [], 7),
    ]
    assert questions[0].required is False and questions[1].required is True
    move = client.post(url("question_move", survey.pk, questions[1].pk), {"direction": "up"})
    assert move.status_code == 302
    assert list(survey.questions.order_by("position").values_list("kind", flat=True)) == [
        QuestionKind.SCALE,
        QuestionKind.SINGLE,
    ]
    edit = client.post(
        url("question_edit", survey.pk, questions[0].pk),
        {"kind": QuestionKind.MULTIPLE, "text": "多选", "options": "甲\n乙\n丙", "required": "on"},
    )
    assert edit.status_code == 302
    questions[0].refresh_from_db()
    assert questions[0].kind == QuestionKind.MULTIPLE and questions[0].options == ["甲", "乙", "丙"]
    past = client.post(url("open", survey.pk), {"closes_at": "2001-01-01T09:00"})
    assert past.status_code == 400 and "截止时间必须晚于现在" in past.content.decode()
    closes = later().strftime("%Y-%m-%dT%H:%M")
    assert client.post(url("open", survey.pk), {"closes_at": closes}).status_code == 302
    survey.refresh_from_db()
    assert survey.opens_at is not None
    # Once opened: a clear error, nothing changed.
    late = client.post(add, {"kind": QuestionKind.TEXT, "text": "再加一题"})
    assert late.status_code == 400 and "问卷已发布，不能再修改设置或题目" in late.content.decode()
    gone = client.post(url("question_delete", survey.pk, questions[0].pk))
    assert gone.status_code == 400 and survey.questions.count() == 2
    page = client.get(url("manage", survey.pk)).content.decode()
    assert "提前结束问卷" in page and "添加题目" not in page
    assert client.post(url("close", survey.pk)).status_code == 302
    survey.refresh_from_db()
    assert survey.closed_early_at is not None


def test_only_publishers_reach_the_builder(client):
    clerk = f.staff(unit=f.unit(DISTRICT), roles=[Role.WINDOW_CLERK])
    f.signed_in(client, clerk)
    assert client.get(url("manage_list")).status_code == 403
    assert client.get(url("new")).status_code == 403
    citizen = f.citizen(home=f.community(STREET))
    f.signed_in(client, citizen)
    assert client.get(url("manage_list")).status_code == 403


def test_another_units_publisher_gets_404_everywhere(client, publisher):
    survey, q = opened(publisher)
    stranger = f.staff(unit=f.unit("440104"), roles=[Role.PUBLISHER])
    f.signed_in(client, stranger)
    for name, args in (
        ("manage", (survey.pk,)),
        ("edit", (survey.pk,)),
        ("question_edit", (survey.pk, q["single"].pk)),
        ("results", (survey.pk,)),  # open: only its own unit sees results
        ("results_csv", (survey.pk,)),
    ):
        assert client.get(url(name, *args)).status_code == 404, name
    for name, args in (
        ("question_add", (survey.pk,)),
        ("question_delete", (survey.pk, q["single"].pk)),
        ("question_move", (survey.pk, q["single"].pk)),
        ("open", (survey.pk,)),
        ("close", (survey.pk,)),
    ):
        assert client.post(url(name, *args), {"direction": "up"}).status_code == 404, name
    survey.refresh_from_db()
    assert survey.closed_early_at is None and survey.questions.count() == 4


def test_a_resident_answers_once_through_the_page(client, publisher, resident):
    survey, q = opened(publisher)
    f.signed_in(client, resident)
    listing = client.get(url("index")).content.decode()
    assert survey.title in listing and url("detail", survey.pk) in listing
    page = client.get(url("detail", survey.pk)).content.decode()
    assert "提交答卷" in page and "<legend>1. 您多久来一次社区服务中心？" in page
    # Missing and invalid answers: each question says what is wrong; what was typed stays.
    bad = client.post(
        url("detail", survey.pk),
        {f"q{q['multiple'].pk}": ["9"], f"q{q['text'].pk}": "我的<b>建议</b>"},
    )
    body = bad.content.decode()
    assert bad.status_code == 400 and body.count('role="alert"') >= 4
    assert "这道题必须回答" in body and "所选的不是这道题的选项" in body
    assert "我的&lt;b&gt;建议&lt;/b&gt;" in body
    assert not SurveyResponse.objects.exists()
    posted = {f"q{k}": v for k, v in answers(q, multiple=["0", "2"], text="早点开门").items()}
    done = client.post(url("detail", survey.pk), posted, follow=True)
    body = done.content.decode()
    assert done.status_code == 200 and "感谢参与" in body and "您已作答" in body
    assert "提交答卷" not in body and '<form method="post" novalidate' not in body
    again = client.post(url("detail", survey.pk), posted)
    assert again.status_code == 400 and "您已经答过这份问卷" in again.content.decode()
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    survey.refresh_from_db()
    assert survey.response_count == 1
    assert "已作答" in client.get(url("index")).content.decode()


def test_audience_and_state_on_the_resident_page(client, publisher, resident):
    area_survey, _q = opened(publisher, audience=Audience.AREA, area_code=STREET)
    draft = services.survey_create(author=publisher, title="草稿问卷")
    outsider = f.citizen(home=f.community(OTHER_DISTRICT_STREET), name="王五")
    f.signed_in(client, outsider)
    assert area_survey.title not in client.get(url("index")).content.decode()
    assert client.get(url("detail", area_survey.pk)).status_code == 404
    assert client.post(url("detail", area_survey.pk), {}).status_code == 404
    assert client.get(url("detail", draft.pk)).status_code == 404
    f.signed_in(client, resident)
    services.survey_close(survey=area_survey, actor=publisher)
    closed = client.get(url("detail", area_survey.pk))
    assert closed.status_code == 200 and "这份问卷已经结束，不能再作答" in closed.content.decode()
    assert "提交答卷" not in closed.content.decode()
    refused = client.post(url("detail", area_survey.pk), {})
    assert refused.status_code == 400 and "这份问卷已经结束" in refused.content.decode()
    client.logout()
    assert client.get(url("detail", area_survey.pk)).status_code == 302  # sign in first
    staff_client = f.signed_in(type(client)(), publisher)
    assert staff_client.get(url("detail", area_survey.pk)).status_code == 403


def test_results_staff_see_charts_and_escaped_texts_public_only_once_closed(client, publisher):
    survey, _q = three_answers(publisher)
    results = url("results", survey.pk)
    assert client.get(results).status_code == 404  # open: not public yet
    f.signed_in(client, publisher)
    page = client.get(results).content.decode()
    assert page.count('role="img"') == 3 and page.count("<figure") == 3
    assert "2 人（66.7%）" in page and "3 人（100%）" in page
    assert "平均分 3.67（满分 5）" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert url("results_csv", survey.pk) in page
    services.survey_close(survey=survey, actor=publisher)
    client.logout()
    public = client.get(results)
    body = public.content.decode()
    assert public.status_code == 200 and "2 人（66.7%）" in body
    assert "alert(1)" not in body and "=1+2" not in body and "文字回答仅提供给发起单位" in body
    assert url("results_csv", survey.pk) not in body
    assert survey.title in client.get(url("index")).content.decode()


def test_csv_download_for_the_units_staff_only(client, publisher, resident):
    survey, _q = three_answers(publisher)
    csv_url = url("results_csv", survey.pk)
    assert client.get(csv_url).status_code == 302  # sign in first
    f.signed_in(client, resident)
    assert client.get(csv_url).status_code == 403
    f.signed_in(client, publisher)
    response = client.get(csv_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith(CSV_BOM) and "'=1+2" in text and "社保；医保" in text
    assert len(text.strip().splitlines()) == 4


def test_lists_take_the_same_queries_for_one_survey_or_many(client, publisher, resident):
    def counted(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    opened(publisher)
    f.signed_in(client, resident)
    index_one = counted(url("index"))
    f.signed_in(client, publisher)
    manage_one = counted(url("manage_list"))
    for _n in range(4):
        survey, _q = opened(publisher)
        services.survey_close(survey=survey, actor=publisher)
        opened(publisher)
    f.signed_in(client, resident)
    assert counted(url("index")) == index_one
    f.signed_in(client, publisher)
    assert counted(url("manage_list")) == manage_one
