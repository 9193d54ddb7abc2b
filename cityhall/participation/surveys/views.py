"""Survey pages: residents' list and answer page, public and staff results, the CSV, and the
unit's builder. Views translate between HTTP and services/selectors; the rules are there."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cityhall.core.errors import DomainError
from cityhall.identity.decorators import citizen_required, staff_required
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import account_can
from cityhall.participation.models import QuestionKind, Survey
from cityhall.participation.surveys import charts, selectors, services
from cityhall.participation.surveys.forms import (
    AnswerForm,
    OpenForm,
    QuestionForm,
    SurveyForm,
)
from cityhall.participation.surveys.selectors import SurveyState, survey_state

# --- residents and the public ----------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    account: Account = request.user  # type: ignore[assignment]
    is_citizen = account.is_authenticated and account.is_citizen
    return render(
        request,
        "participation/surveys/index.html",
        {
            "is_citizen": is_citizen,
            "open_surveys": selectors.surveys_open_for(account=account) if is_citizen else [],
            "closed_surveys": selectors.surveys_closed_public()[:20],
            "can_manage": account.is_authenticated
            and account_can(account, Capability.PARTICIPATION_MANAGE),
        },
    )


def _survey_page(
    request: HttpRequest,
    survey: Survey,
    *,
    form: AnswerForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    account: Account = request.user  # type: ignore[assignment]
    state = survey_state(survey)
    answered = selectors.response_of(survey=survey, account=account)
    if form is None and state == SurveyState.OPEN and answered is None:
        form = AnswerForm(questions=selectors.questions_of(survey=survey))
    return render(
        request,
        "participation/surveys/detail.html",
        {
            "survey": survey,
            "state": state,
            "state_label": SurveyState.LABELS[state],
            "closed_at": selectors.survey_closed_at(survey),
            "audience": selectors.audience_label(survey),
            "response": answered,
            "form": form if answered is None and state == SurveyState.OPEN else None,
            "error": error,
        },
        status=status,
    )


@citizen_required
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, survey_id: int) -> HttpResponse:
    account: Account = request.user  # type: ignore[assignment]
    survey = selectors.survey_for_resident(account=account, survey_id=survey_id)
    if request.method != "POST":
        return _survey_page(request, survey)
    form = AnswerForm(request.POST, questions=selectors.questions_of(survey=survey))
    form.is_valid()  # every field accepts anything; the service decides
    try:
        services.survey_answer(survey=survey, respondent=account, answers=form.answers())
    except services.AnswerError as error:
        for question_id, message in error.errors.items():
            form.add_error(f"q{question_id}", message)
        return _survey_page(request, survey, form=form, error=error.message, status=400)
    except DomainError as error:
        survey.refresh_from_db()
        return _survey_page(request, survey, form=form, error=error.message, status=400)
    messages.success(request, _("感谢参与！您的答卷已提交。"))
    return redirect("surveys:detail", survey.pk)


def _charts(results: list[selectors.QuestionResult]) -> list[dict[str, object]]:
    shown: list[dict[str, object]] = []
    for r in results:
        q = r.question
        chart = None
        if q.kind != QuestionKind.TEXT:
            chart = charts.bar_chart(
                chart_id=f"chart-q{q.pk}",
                title=_("第 %(n)d 题“%(text)s”的结果：%(answered)d 人作答")
                % {"n": q.position, "text": q.text, "answered": r.answered},
                rows=[(row.label, row.count) for row in r.rows],
                total=r.answered,
                label_heading=_("分值") if q.kind == QuestionKind.SCALE else _("选项"),
            )
        shown.append({"result": r, "chart": chart})
    return shown


def results(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Staff of the unit: from opening, with text answers; everyone: once closed, counts only."""
    viewer: Account = request.user  # type: ignore[assignment]
    survey, as_staff = selectors.survey_viewable_results(viewer=viewer, survey_id=survey_id)
    state = survey_state(survey)
    return render(
        request,
        "participation/surveys/results.html",
        {
            "survey": survey,
            "state": state,
            "state_label": SurveyState.LABELS[state],
            "closed_at": selectors.survey_closed_at(survey),
            "audience": selectors.audience_label(survey),
            "as_staff": as_staff,
            "questions": _charts(selectors.survey_results(survey=survey, with_texts=as_staff)),
        },
    )


@staff_required
def results_csv(request: HttpRequest, survey_id: int) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    survey = selectors.survey_for_staff(actor=actor, survey_id=survey_id)
    response = HttpResponse(
        selectors.survey_csv(survey=survey), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-results.csv"'
    return response


# --- the unit's builder ------------------------------------------------------------------------


def _survey_form(actor: Account, data: object = None, **kwargs: object) -> SurveyForm:
    return SurveyForm(
        data,
        areas=[(d.code, d.name) for d in selectors.audience_areas(actor=actor)],
        items=selectors.audience_items(),
        **kwargs,
    )


@staff_required
def manage_list(request: HttpRequest) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    surveys = list(selectors.surveys_of_unit(actor=actor))
    rows = [(s, SurveyState.LABELS[survey_state(s)]) for s in surveys]
    return render(request, "participation/surveys/manage_list.html", {"rows": rows})


def _settings_page(request: HttpRequest, actor: Account, survey: Survey | None) -> HttpResponse:
    """The settings form of a new survey (survey None) or of a draft: create or update it."""
    initial = {}
    if survey is not None:
        initial = {
            "title": survey.title,
            "description": survey.description,
            "audience": survey.audience,
            "area": survey.audience_area.code if survey.audience_area else "",
            "item": survey.audience_item.code if survey.audience_item else "",
        }
    form = _survey_form(actor, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        settings = {
            "title": data["title"],
            "description": data["description"],
            "audience": data["audience"],
            "area_code": data["area"],
            "item_code": data["item"],
        }
        try:
            if survey is None:
                saved = services.survey_create(author=actor, **settings)
                done = _("问卷草稿已创建，请添加题目。")
            else:
                saved = services.survey_update(survey=survey, actor=actor, **settings)
                done = _("问卷设置已保存。")
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, done)
            return redirect("surveys:manage", saved.pk)
    return render(
        request,
        "participation/surveys/survey_form.html",
        {"form": form, "survey": survey},
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def survey_new(request: HttpRequest) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    selectors.surveys_of_unit(actor=actor)  # publishers only (403 otherwise)
    return _settings_page(request, actor, None)


@staff_required
@require_http_methods(["GET", "POST"])
def survey_edit(request: HttpRequest, survey_id: int) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    survey = selectors.survey_for_staff(actor=actor, survey_id=survey_id)
    return _settings_page(request, actor, survey)


def _manage_page(
    request: HttpRequest,
    survey: Survey,
    *,
    question_form: QuestionForm | None = None,
    open_form: OpenForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    state = survey_state(survey)
    return render(
        request,
        "participation/surveys/manage.html",
        {
            "survey": survey,
            "state": state,
            "state_label": SurveyState.LABELS[state],
            "closed_at": selectors.survey_closed_at(survey),
            "audience": selectors.audience_label(survey),
            "questions": selectors.questions_of(survey=survey),
            "question_form": question_form or QuestionForm(),
            "open_form": open_form or OpenForm(),
            "error": error,
        },
        status=status,
    )


@staff_required
def manage(request: HttpRequest, survey_id: int) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    survey = selectors.survey_for_staff(actor=actor, survey_id=survey_id)
    return _manage_page(request, survey)


def _question_args(form: QuestionForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "kind": data["kind"],
        "text": data["text"],
        "required": data["required"],
        "options": data["options"],
        "scale_max": data["scale_max"] if data["scale_max"] is not None else 5,
        "scale_low_label": data["scale_low_label"],
        "scale_high_label": data["scale_high_label"],
    }


@staff_required
@require_POST
def question_add(request: HttpRequest, survey_id: int) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    survey = selectors.survey_for_staff(actor=actor, survey_id=survey_id)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.question_add(survey=survey, actor=actor, **_question_args(form))
        except DomainError as error:
            if error.code == "opened":  # the form is no longer shown: say it at the top
                return _manage_page(request, survey, error=error.message, status=400)
            form.add_error(None, error.message)
        else:
            messages.success(request, _("题目已添加。"))
            return redirect("surveys:manage", survey.pk)
    return _manage_page(request, survey, question_form=form, status=400)


@staff_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, survey_id: int, question_id: int) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    survey = selectors.survey_for_staff(actor=actor, survey_id=survey_id)
    question = selectors.question_for_staff(survey=survey, question_id=question_id)
    form = QuestionForm(request.POST or None, initial=QuestionForm.initial_for(question))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.question_update(question=question, actor=actor, **_question_args(form))
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("题目已保存。"))
                return redirect("surveys:manage", survey.pk)
    return render(
        request,
        "participation/surveys/question_form.html",
        {
            "form": form,
            "survey": survey,
            "question": question,
            "editable": survey_state(survey) == SurveyState.DRAFT,
        },
        status=status,
    )


@staff_required
@require_POST
def question_delete(request: HttpRequest, survey_id: int, question_id: int) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    survey = selectors.survey_for_staff(actor=actor, survey_id=survey_id)
    question = selectors.question_for_staff(survey=survey, question_id=question_id)
    try:
        services.question_remove(question=question, actor=actor)
    except DomainError as error:
        return _manage_page(request, survey, error=error.message, status=400)
    messages.success(request, _("题目已删除。"))
    return redirect("surveys:manage", survey.pk)


@staff_required
@require_POST
def question_move(request: HttpRequest, survey_id: int, question_id: int) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    survey = selectors.survey_for_staff(actor=actor, survey_id=survey_id)
    question = selectors.question_for_staff(survey=survey, question_id=question_id)
    try:
        services.question_move(
            question=question, actor=actor, up=request.POST.get("direction") == "up"
        )
    except DomainError as error:
        return _manage_page(request, survey, error=error.message, status=400)
    return redirect(f"{reverse('surveys:manage', args=[survey.pk])}#question-{question.pk}")


@staff_required
@require_POST
def survey_open(request: HttpRequest, survey_id: int) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    survey = selectors.survey_for_staff(actor=actor, survey_id=survey_id)
    form = OpenForm(request.POST)
    if form.is_valid():
        try:
            services.survey_open(
                survey=survey, actor=actor, closes_at=form.cleaned_data["closes_at"]
            )
        except DomainError as error:
            if error.code == "opened":  # the form is no longer shown: say it at the top
                return _manage_page(request, survey, error=error.message, status=400)
            form.add_error("closes_at" if error.code == "closes_at" else None, error.message)
        else:
            messages.success(request, _("问卷已发布，市民现在可以作答。"))
            return redirect("surveys:manage", survey.pk)
    return _manage_page(request, survey, open_form=form, status=400)


@staff_required
@require_POST
def survey_close(request: HttpRequest, survey_id: int) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    survey = selectors.survey_for_staff(actor=actor, survey_id=survey_id)
    try:
        services.survey_close(survey=survey, actor=actor)
    except DomainError as error:
        return _manage_page(request, survey, error=error.message, status=400)
    messages.success(request, _("问卷已结束，结果已向公众公开（文字回答除外）。"))
    return redirect("surveys:manage", survey.pk)
