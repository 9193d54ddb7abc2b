"""Surveys: building and opening rules, audiences, answering once and validly, results."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cityhall.applications.services.intake import Intake, application_submit, plan_for
from cityhall.applications.tests import factories as af
from cityhall.core.errors import DomainError, NotFoundError, PermissionDeniedError
from cityhall.core.models import AuditEntry
from cityhall.core.spreadsheets import CSV_BOM
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f
from cityhall.participation.models import (
    Audience,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)
from cityhall.participation.surveys import charts, selectors, services
from cityhall.participation.surveys.demo import survey_demo_build
from cityhall.participation.surveys.selectors import SurveyState, survey_state

pytestmark = pytest.mark.django_db

DISTRICT = "440105"  # Haizhu
STREET = "440105001"
OTHER_STREET = "440105002"
OTHER_DISTRICT_STREET = "440104001"  # Yuexiu


@pytest.fixture
def publisher():
    return f.staff(unit=f.unit(DISTRICT), roles=[Role.PUBLISHER])


@pytest.fixture
def resident():
    return f.citizen(home=f.community(STREET), name="陈小明")


@pytest.fixture
def neighbour():
    return f.citizen(home=f.community(OTHER_STREET), name="李四")


@pytest.fixture
def outsider():
    return f.citizen(home=f.community(OTHER_DISTRICT_STREET), name="王五")


def later(days: int = 7):
    return timezone.now() + timedelta(days=days)


def build(publisher, **settings) -> tuple[Survey, dict[str, SurveyQuestion]]:
    """A draft with one question of each kind."""
    survey = services.survey_create(author=publisher, title="社区服务满意度", **settings)
    questions = {
        "single": services.question_add(
            survey=survey,
            actor=publisher,
            kind=QuestionKind.SINGLE,
            text="您多久来一次社区服务中心？",
            options=["每周", "每月", "很少"],
        ),
        "multiple": services.question_add(
            survey=survey,
            actor=publisher,
            kind=QuestionKind.MULTIPLE,
            text="您用过哪些服务？",
            options=["社保", "医保", "户籍", "养老"],
        ),
        "scale": services.question_add(
            survey=survey,
            actor=publisher,
            kind=QuestionKind.SCALE,
            text="总体满意度",
            scale_max=5,
            scale_low_label="很不满意",
            scale_high_label="很满意",
        ),
        "text": services.question_add(
            survey=survey,
            actor=publisher,
            kind=QuestionKind.TEXT,
            text="其他建议",
            required=False,
        ),
    }
    return survey, questions


def opened(publisher, **settings) -> tuple[Survey, dict[str, SurveyQuestion]]:
    survey, questions = build(publisher, **settings)
    return services.survey_open(survey=survey, actor=publisher, closes_at=later()), questions


def answers(q, *, single="0", multiple=("1",), scale="4", text=""):
    return {
        q["single"].pk: [single] if single is not None else [],
        q["multiple"].pk: list(multiple),
        q["scale"].pk: [scale] if scale is not None else [],
        q["text"].pk: [text],
    }


def applied(citizen, item_code: str = "RS-003"):
    """The citizen applies online for the item (so they have used that service)."""
    af.department_unit(af.DISTRICT, "RS")
    af.department_unit(af.CITY, "SB")
    plan = plan_for(item_code=item_code)
    return application_submit(
        Intake(
            applicant=citizen,
            idempotency_key=f"{citizen.pk}-{item_code}",
            item_code=item_code,
            uploads={m.pk: af.pdf(f"{m.pk}.pdf") for m in plan.materials},
            division_code=af.STREET,
            form=af.form_values(plan.fields),
        )
    )


# --- building --------------------------------------------------------------------------------


def test_questions_are_numbered_in_order_with_their_settings(publisher):
    survey, q = build(publisher)
    assert [x.position for x in selectors.questions_of(survey=survey)] == [1, 2, 3, 4]
    q["single"].refresh_from_db()
    assert q["single"].options == ["每周", "每月", "很少"]
    assert q["scale"].scale_max == 5 and q["scale"].scale_high_label == "很满意"
    assert q["text"].required is False and q["text"].options == []
    assert survey.unit == publisher.unit and survey_state(survey) == SurveyState.DRAFT


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"kind": QuestionKind.SINGLE, "options": ["只有一个"]}, "options"),
        ({"kind": QuestionKind.MULTIPLE, "options": [f"选项{i}" for i in range(21)]}, "options"),
        ({"kind": QuestionKind.SINGLE, "options": ["是", " ", ""]}, "options"),
        ({"kind": QuestionKind.SINGLE, "options": ["是", "否", "是"]}, "options_duplicate"),
        ({"kind": QuestionKind.SINGLE, "options": ["是", "长" * 101]}, "too_long"),
        ({"kind": QuestionKind.SCALE, "scale_max": 2}, "scale_max"),
        ({"kind": QuestionKind.SCALE, "scale_max": 11}, "scale_max"),
        ({"kind": QuestionKind.SCALE, "scale_max": None}, "scale_max"),
        ({"kind": "ranking"}, "kind"),
        ({"kind": QuestionKind.TEXT, "text": "  "}, "required"),
        ({"kind": QuestionKind.TEXT, "text": "题" * 301}, "too_long"),
    ],
)
def test_bad_questions_are_refused_and_nothing_is_added(publisher, kwargs, code):
    survey = services.survey_create(author=publisher, title="问卷")
    with pytest.raises(DomainError) as error:
        services.question_add(survey=survey, actor=publisher, **{"text": "题目", **kwargs})
    assert error.value.code == code
    assert not SurveyQuestion.objects.filter(survey=survey).exists()


def test_options_are_trimmed_and_blank_lines_dropped_and_20_allowed(publisher):
    survey = services.survey_create(author=publisher, title="问卷")
    q = services.question_add(
        survey=survey, actor=publisher, kind=QuestionKind.SINGLE, text="选一项",
        options=[" 是 ", "", "否"],
    )  # fmt: skip
    assert q.options == ["是", "否"]
    many = services.question_add(
        survey=survey, actor=publisher, kind=QuestionKind.MULTIPLE, text="二十项",
        options=[f"选项{i}" for i in range(20)], scale_max=99,
    )  # fmt: skip
    assert len(many.options) == 20 and many.scale_max == 5  # a scale setting is ignored


def test_edit_reorder_and_remove_questions_of_a_draft(publisher):
    survey, q = build(publisher)
    services.question_move(question=q["scale"], actor=publisher, up=True)
    order = [x.pk for x in selectors.questions_of(survey=survey)]
    assert order == [q["single"].pk, q["scale"].pk, q["multiple"].pk, q["text"].pk]
    services.question_move(question=q["single"], actor=publisher, up=True)  # already first
    services.question_move(question=q["text"], actor=publisher, up=False)  # already last
    assert [x.pk for x in selectors.questions_of(survey=survey)] == order
    services.question_remove(question=q["single"], actor=publisher)
    remaining = selectors.questions_of(survey=survey)
    assert [(x.pk, x.position) for x in remaining] == [
        (q["scale"].pk, 1),
        (q["multiple"].pk, 2),
        (q["text"].pk, 3),
    ]
    services.question_update(
        question=q["multiple"], actor=publisher, kind=QuestionKind.SINGLE, text="改成单选",
        options=["甲", "乙"],
    )  # fmt: skip
    q["multiple"].refresh_from_db()
    assert q["multiple"].kind == QuestionKind.SINGLE and q["multiple"].position == 2


def test_only_publishers_build_and_areas_must_be_within_the_units_scope(publisher):
    clerk = f.staff(unit=f.unit(DISTRICT), roles=[Role.WINDOW_CLERK])
    with pytest.raises(PermissionDeniedError):
        services.survey_create(author=clerk, title="问卷")
    with pytest.raises(DomainError) as error:
        services.survey_create(
            author=publisher, title="问卷", audience=Audience.AREA, area_code=OTHER_DISTRICT_STREET
        )
    assert error.value.code == "area_scope"
    with pytest.raises(DomainError) as error:
        services.survey_create(
            author=publisher, title="问卷", audience=Audience.AREA, area_code="440100"
        )  # a district does not speak for the whole city
    assert error.value.code == "area_scope"
    with pytest.raises(DomainError) as error:
        services.survey_create(
            author=publisher, title="问卷", audience=Audience.SERVICE_USERS, item_code="NO-SUCH"
        )
    assert error.value.code == "item"
    with pytest.raises(DomainError) as error:
        services.survey_create(author=publisher, title=" ")
    assert error.value.code == "required"
    assert not Survey.objects.exists()
    street = services.survey_create(
        author=publisher, title="问卷", audience=Audience.AREA, area_code=STREET
    )
    assert street.audience_area is not None and street.audience_area.code == STREET


# --- opening and closing ---------------------------------------------------------------------


def test_opening_needs_a_question_and_a_later_closing_time(publisher):
    survey = services.survey_create(author=publisher, title="问卷")
    with pytest.raises(DomainError) as error:
        services.survey_open(survey=survey, actor=publisher, closes_at=later())
    assert error.value.code == "no_questions"
    services.question_add(survey=survey, actor=publisher, kind=QuestionKind.TEXT, text="建议")
    for when in (None, timezone.now() - timedelta(minutes=1)):
        with pytest.raises(DomainError) as error:
            services.survey_open(survey=survey, actor=publisher, closes_at=when)
        assert error.value.code == "closes_at"
    survey.refresh_from_db()
    assert survey.opens_at is None
    closes = later(14)
    services.survey_open(survey=survey, actor=publisher, closes_at=closes)
    survey.refresh_from_db()
    assert survey.opens_at is not None and survey.opens_at <= timezone.now()
    assert survey.closes_at == closes and survey_state(survey) == SurveyState.OPEN
    with pytest.raises(DomainError) as error:
        services.survey_open(survey=survey, actor=publisher, closes_at=later())
    assert error.value.code == "opened"


def test_no_changes_once_opened(publisher):
    survey, q = opened(publisher)
    calls = [
        lambda: services.question_add(
            survey=survey, actor=publisher, kind=QuestionKind.TEXT, text="新题"
        ),
        lambda: services.question_update(
            question=q["text"], actor=publisher, kind=QuestionKind.TEXT, text="改题"
        ),
        lambda: services.question_remove(question=q["single"], actor=publisher),
        lambda: services.question_move(question=q["scale"], actor=publisher, up=True),
        lambda: services.survey_update(survey=survey, actor=publisher, title="改标题"),
    ]
    for call in calls:
        with pytest.raises(DomainError) as error:
            call()
        assert error.value.code == "opened"
        assert "问卷已发布" in error.value.message
    assert [(x.pk, x.position, x.text) for x in selectors.questions_of(survey=survey)] == [
        (q["single"].pk, 1, q["single"].text),
        (q["multiple"].pk, 2, q["multiple"].text),
        (q["scale"].pk, 3, q["scale"].text),
        (q["text"].pk, 4, q["text"].text),
    ]
    survey.refresh_from_db()
    assert survey.title == "社区服务满意度"


def test_close_early(publisher):
    draft, _q = build(publisher)
    with pytest.raises(DomainError) as error:
        services.survey_close(survey=draft, actor=publisher)
    assert error.value.code == "draft"
    survey = services.survey_open(survey=draft, actor=publisher, closes_at=later())
    services.survey_close(survey=survey, actor=publisher)
    survey.refresh_from_db()
    assert survey.closed_early_at is not None and survey_state(survey) == SurveyState.CLOSED
    assert selectors.survey_closed_at(survey) == survey.closed_early_at
    with pytest.raises(DomainError) as error:
        services.survey_close(survey=survey, actor=publisher)
    assert error.value.code == "closed"
    # Opening and closing are on the audit chain, each once, with who did it.
    entries = AuditEntry.objects.filter(
        subject_type="participation.Survey", subject_id=str(survey.pk)
    ).order_by("seq")
    assert [(e.event, e.actor_id) for e in entries] == [
        ("participation.survey_opened", publisher.pk),
        ("participation.survey_closed_early", publisher.pk),
    ]


def test_another_units_publisher_cannot_touch_the_survey(publisher):
    survey, q = build(publisher)
    stranger = f.staff(unit=f.unit("440104"), roles=[Role.PUBLISHER])
    with pytest.raises(NotFoundError):
        selectors.survey_for_staff(actor=stranger, survey_id=survey.pk)
    for call in (
        lambda: services.question_add(
            survey=survey, actor=stranger, kind=QuestionKind.TEXT, text="插一题"
        ),
        lambda: services.question_remove(question=q["single"], actor=stranger),
        lambda: services.survey_open(survey=survey, actor=stranger, closes_at=later()),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert SurveyQuestion.objects.filter(survey=survey).count() == 4
    survey.refresh_from_db()
    assert survey.opens_at is None


# --- audiences -------------------------------------------------------------------------------


def test_everyone_reaches_every_resident_but_not_staff(publisher, resident, outsider):
    survey, _q = opened(publisher)
    assert selectors.survey_reaches(survey=survey, account=resident)
    assert selectors.survey_reaches(survey=survey, account=outsider)
    assert not selectors.survey_reaches(survey=survey, account=publisher)
    assert list(selectors.surveys_open_for(account=outsider)) == [survey]


def test_an_area_reaches_the_residents_living_in_it(publisher, resident, neighbour, outsider):
    survey, q = opened(publisher, audience=Audience.AREA, area_code=STREET)
    assert [s.pk for s in selectors.surveys_open_for(account=resident)] == [survey.pk]
    assert list(selectors.surveys_open_for(account=neighbour)) == []
    with pytest.raises(NotFoundError):
        selectors.survey_for_resident(account=neighbour, survey_id=survey.pk)
    with pytest.raises(NotFoundError):
        services.survey_answer(survey=survey, respondent=neighbour, answers=answers(q))
    district, _q = opened(publisher, audience=Audience.AREA, area_code=DISTRICT)
    assert selectors.survey_reaches(survey=district, account=neighbour)
    assert not selectors.survey_reaches(survey=district, account=outsider)
    assert not SurveyResponse.objects.exists()


def test_a_city_wide_area_reaches_everyone_in_the_city(resident, outsider):
    city_publisher = f.staff(unit=f.unit("440100"), roles=[Role.PUBLISHER])
    survey, _q = opened(city_publisher, audience=Audience.AREA, area_code="440100")
    assert selectors.survey_reaches(survey=survey, account=resident)
    assert selectors.survey_reaches(survey=survey, account=outsider)


def test_service_users_are_those_who_applied_for_the_item(publisher, resident, outsider):
    survey, q = opened(publisher, audience=Audience.SERVICE_USERS, item_code="RS-003")
    assert not selectors.survey_reaches(survey=survey, account=resident)
    applied(resident)
    assert selectors.survey_reaches(survey=survey, account=resident)
    assert not selectors.survey_reaches(survey=survey, account=outsider)
    assert "办理过" in selectors.audience_label(survey)
    services.survey_answer(survey=survey, respondent=resident, answers=answers(q))
    with pytest.raises(NotFoundError):
        services.survey_answer(survey=survey, respondent=outsider, answers=answers(q))
    assert SurveyResponse.objects.filter(survey=survey).count() == 1


def test_drafts_are_nobodys_to_answer(publisher, resident):
    survey, q = build(publisher)
    assert list(selectors.surveys_open_for(account=resident)) == []
    with pytest.raises(NotFoundError):
        selectors.survey_for_resident(account=resident, survey_id=survey.pk)
    with pytest.raises(NotFoundError):
        services.survey_answer(survey=survey, respondent=resident, answers=answers(q))


# --- answering -------------------------------------------------------------------------------


def test_a_valid_answer_is_stored_and_counted(publisher, resident):
    survey, q = opened(publisher)
    response = services.survey_answer(
        survey=survey,
        respondent=resident,
        answers=answers(q, single="2", multiple=["3", "0"], scale="5", text=" 多开夜间窗口 "),
    )
    stored = {a.question_id: a for a in response.answers.all()}
    assert stored[q["single"].pk].choices == [2]
    assert stored[q["multiple"].pk].choices == [0, 3]
    assert stored[q["scale"].pk].scale == 5
    assert stored[q["text"].pk].text == "多开夜间窗口"
    survey.refresh_from_db()
    assert survey.response_count == 1


def test_an_optional_question_may_be_skipped(publisher, resident):
    survey, q = opened(publisher)
    response = services.survey_answer(survey=survey, respondent=resident, answers=answers(q))
    assert set(response.answers.values_list("question_id", flat=True)) == {
        q["single"].pk,
        q["multiple"].pk,
        q["scale"].pk,
    }


@pytest.mark.parametrize(
    ("kind", "values", "code_text"),
    [
        ("single", [], "必须回答"),
        ("single", ["0", "1"], "只能选一项"),
        ("single", ["3"], "不是这道题的选项"),
        ("single", ["-1"], "不是这道题的选项"),
        ("single", ["abc"], "不是这道题的选项"),
        ("multiple", [], "必须回答"),
        ("multiple", ["1", "1"], "只能选一次"),
        ("multiple", ["4"], "不是这道题的选项"),
        ("scale", [], "必须回答"),
        ("scale", ["0"], "1 到 5"),
        ("scale", ["6"], "1 到 5"),
        ("scale", ["3", "4"], "1 到 5"),
        ("scale", ["4.5"], "1 到 5"),
        ("text", ["字" * 1001], "不能超过 1000 个字"),
        ("text", ["坏\x00字"], "控制字符"),
    ],
)
def test_invalid_answers_are_refused_per_question_and_nothing_is_written(
    publisher, resident, kind, values, code_text
):
    survey, q = opened(publisher)
    posted = answers(q)
    posted[q[kind].pk] = values
    with pytest.raises(services.AnswerError) as error:
        services.survey_answer(survey=survey, respondent=resident, answers=posted)
    assert list(error.value.errors) == [q[kind].pk]
    assert code_text in error.value.errors[q[kind].pk]
    assert not SurveyResponse.objects.exists() and not SurveyAnswer.objects.exists()
    survey.refresh_from_db()
    assert survey.response_count == 0


def test_a_required_text_question_must_be_answered(publisher, resident):
    survey = services.survey_create(author=publisher, title="问卷")
    q = services.question_add(survey=survey, actor=publisher, kind=QuestionKind.TEXT, text="建议")
    survey = services.survey_open(survey=survey, actor=publisher, closes_at=later())
    with pytest.raises(services.AnswerError) as error:
        services.survey_answer(survey=survey, respondent=resident, answers={q.pk: ["   "]})
    assert "请填写" in error.value.errors[q.pk]


def test_a_resident_answers_once(publisher, resident):
    survey, q = opened(publisher)
    services.survey_answer(survey=survey, respondent=resident, answers=answers(q))
    with pytest.raises(DomainError) as error:
        services.survey_answer(survey=survey, respondent=resident, answers=answers(q, single="1"))
    assert error.value.code == "answered" and error.value.message == "您已经答过这份问卷"
    assert SurveyResponse.objects.count() == 1
    assert list(SurveyAnswer.objects.filter(question=q["single"]).values_list("choices", flat=True))
    assert SurveyAnswer.objects.get(question=q["single"]).choices == [0]
    survey.refresh_from_db()
    assert survey.response_count == 1


def test_the_unique_constraint_is_the_last_line_of_defence(publisher, resident, monkeypatch):
    survey, q = opened(publisher)
    services.survey_answer(survey=survey, respondent=resident, answers=answers(q))
    # Two submissions at once: both pass the check before either has written.
    monkeypatch.setattr(services, "_answerable", lambda survey, respondent: None)
    with pytest.raises(DomainError) as error:
        services.survey_answer(survey=survey, respondent=resident, answers=answers(q, scale="1"))
    assert error.value.message == "您已经答过这份问卷"
    assert SurveyAnswer.objects.filter(question=q["scale"]).get().scale == 4
    survey.refresh_from_db()
    assert survey.response_count == 1


def test_a_closed_survey_is_refused(publisher, resident, neighbour):
    survey, q = opened(publisher)
    services.survey_close(survey=survey, actor=publisher)
    with pytest.raises(DomainError) as error:
        services.survey_answer(survey=survey, respondent=resident, answers=answers(q))
    assert error.value.code == "closed" and "已经结束" in error.value.message
    ended, q2 = opened(publisher)
    Survey.objects.filter(pk=ended.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    ended.refresh_from_db()
    with pytest.raises(DomainError) as error:
        services.survey_answer(survey=ended, respondent=neighbour, answers=answers(q2))
    assert error.value.code == "closed"
    assert not SurveyResponse.objects.exists()
    assert list(selectors.surveys_open_for(account=resident)) == []


def test_answering_is_rate_limited(publisher, resident, settings):
    settings.CITYHALL_PARTICIPATION_RATE_LIMITS = {
        **settings.CITYHALL_PARTICIPATION_RATE_LIMITS,
        "survey": (2, 60),
    }
    surveys = [opened(publisher) for _n in range(3)]
    for survey, q in surveys[:2]:
        services.survey_answer(survey=survey, respondent=resident, answers=answers(q))
    survey, q = surveys[2]
    with pytest.raises(DomainError) as error:
        services.survey_answer(survey=survey, respondent=resident, answers=answers(q))
    assert error.value.code == "rate_limited"
    assert not SurveyResponse.objects.filter(survey=survey).exists()
    # A refused (invalid) answer does not use up the allowance.
    settings.CITYHALL_PARTICIPATION_RATE_LIMITS = {
        **settings.CITYHALL_PARTICIPATION_RATE_LIMITS,
        "survey": (1, 3600),
    }
    other = f.citizen(home=f.community(STREET), name="赵六")
    with pytest.raises(services.AnswerError):
        services.survey_answer(survey=survey, respondent=other, answers=answers(q, single=None))
    services.survey_answer(survey=survey, respondent=other, answers=answers(q))


# --- results ---------------------------------------------------------------------------------


def three_answers(publisher):
    survey, q = opened(publisher)
    people = [f.citizen(home=f.community(STREET), name=f"居民{n}") for n in range(3)]
    posted = [
        answers(q, single="0", multiple=["0", "1"], scale="5", text="<script>alert(1)</script>"),
        answers(q, single="0", multiple=["1"], scale="4", text="=1+2"),
        answers(q, single="2", multiple=["1", "3"], scale="2"),
    ]
    for person, values in zip(people, posted, strict=True):
        services.survey_answer(survey=survey, respondent=person, answers=values)
    survey.refresh_from_db()
    return survey, q


def test_results_count_percent_and_mean(publisher):
    survey, _q = three_answers(publisher)
    assert survey.response_count == 3
    by_kind = {r.question.kind: r for r in selectors.survey_results(survey=survey, with_texts=True)}
    single = by_kind[QuestionKind.SINGLE]
    assert single.answered == 3
    assert [(r.label, r.count, r.percent) for r in single.rows] == [
        ("每周", 2, 66.7),
        ("每月", 0, 0.0),
        ("很少", 1, 33.3),
    ]
    multiple = by_kind[QuestionKind.MULTIPLE]
    assert [(r.count, r.percent) for r in multiple.rows] == [
        (1, 33.3),
        (3, 100.0),
        (0, 0.0),
        (1, 33.3),
    ]
    scale = by_kind[QuestionKind.SCALE]
    assert scale.mean == 3.67
    assert [r.count for r in scale.rows] == [0, 1, 0, 1, 1]
    assert scale.rows[0].label == "1（很不满意）" and scale.rows[4].label == "5（很满意）"
    text = by_kind[QuestionKind.TEXT]
    assert text.answered == 2 and set(text.texts) == {"<script>alert(1)</script>", "=1+2"}
    public = selectors.survey_results(survey=survey, with_texts=False)
    assert [r.texts for r in public if r.question.kind == QuestionKind.TEXT] == [[]]


def test_results_of_a_survey_nobody_answered(publisher):
    survey, _q = opened(publisher)
    results = selectors.survey_results(survey=survey, with_texts=True)
    assert all(r.answered == 0 for r in results)
    scale = next(r for r in results if r.question.kind == QuestionKind.SCALE)
    assert scale.mean is None and {row.percent for row in scale.rows} == {0.0}


def test_csv_one_row_per_response_labels_joined_and_injection_defused(publisher):
    survey, _q = three_answers(publisher)
    text = selectors.survey_csv(survey=survey)
    assert text.startswith(CSV_BOM)
    lines = text.removeprefix(CSV_BOM).splitlines()
    assert lines[0].split(",") == [
        "答卷序号",
        "提交时间",
        "1. 您多久来一次社区服务中心？",
        "2. 您用过哪些服务？",
        "3. 总体满意度",
        "4. 其他建议",
    ]
    assert len(lines) == 4
    first, second, third = (line.split(",") for line in lines[1:])
    assert first[0] == "1" and first[2:] == ["每周", "社保；医保", "5", "<script>alert(1)</script>"]
    assert second[2:] == ["每周", "医保", "4", "'=1+2"]  # a formula is shown, never run
    assert third[2:] == ["很少", "医保；养老", "2", ""]
    assert "陈" not in text and "居民" not in text  # respondents are not exported


def test_chart_svg_is_accessible_and_shows_the_counts():
    figure = str(
        charts.bar_chart(
            chart_id="c1",
            title="第 1 题 <b>结果</b>",
            rows=[("每周", 2), ("<i>很少</i>", 1), ("从不", 0)],
            total=3,
        )
    )
    assert 'role="img"' in figure and 'aria-labelledby="c1-title"' in figure
    assert '<title id="c1-title">第 1 题 &lt;b&gt;结果&lt;/b&gt;</title>' in figure
    assert "2 人（66.7%）" in figure and "1 人（33.3%）" in figure and "0 人（0%）" in figure
    assert "<i>" not in figure and "&lt;i&gt;很少&lt;/i&gt;" in figure
    assert figure.count("<rect") == 3 and "<script" not in figure
    assert "<caption>" in figure and '<th scope="row">每周</th><td>2</td><td>66.7%</td>' in figure
    # The longest bar fills the space; the others are in proportion.
    assert f'width="{charts.BAR_SPACE:.1f}"' in figure and 'width="150.0"' in figure
    assert charts.percent_text(100.0) == "100%" and charts.percent_text(12.34) == "12.3%"


# --- demo ------------------------------------------------------------------------------------


def test_demo_builds_an_open_and_a_closed_survey_once():
    city_unit = f.unit("440100")
    f.staff(unit=city_unit, roles=[Role.PUBLISHER], username="city-publisher")
    citizens = [f.citizen(home=f.community(STREET), name=f"市民{n}") for n in range(8)]
    created = survey_demo_build(citizens=citizens)
    surveys = {survey_state(s): s for s in Survey.objects.filter(unit=city_unit)}
    assert set(surveys) == {SurveyState.OPEN, SurveyState.CLOSED}
    open_survey, closed = surveys[SurveyState.OPEN], surveys[SurveyState.CLOSED]
    assert open_survey.response_count == 6 and closed.response_count == 8
    assert created == 2 + 6 + 8
    assert closed.closes_at is not None and closed.closes_at < timezone.now()
    assert survey_demo_build(citizens=citizens) == 0
    assert Survey.objects.count() == 2 and SurveyResponse.objects.count() == 14
