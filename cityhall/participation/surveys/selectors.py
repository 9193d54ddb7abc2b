"""Reads for surveys (问卷调查): who a survey reaches, the unit's own surveys, and the results.

A survey is a draft until it is opened, open until it closes (its closing time, or earlier when
staff close it), then closed. Residents see the opened surveys whose audience they are in; a
survey they are not in is not found (404), whatever its state. Staff see only their own unit's
surveys.

Results: the unit's staff see them from the moment a survey opens, with the text answers; once a
survey is closed everyone sees the counts, percentages and means, never the text answers (they
may name people). Respondents are never shown or exported.
"""

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityhall.applications.models import ApplicationItem
from cityhall.catalog.models import VersionStatus
from cityhall.catalog.selectors import item_search
from cityhall.core.errors import NotFoundError
from cityhall.core.spreadsheets import csv_text
from cityhall.geo.models import Division, DivisionLevel
from cityhall.geo.selectors import scope_prefix
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import account_can, require_capability
from cityhall.participation.models import (
    Audience,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)

AUDIENCE_AREA_LEVELS = (
    DivisionLevel.CITY,
    DivisionLevel.DISTRICT,
    DivisionLevel.STREET,
    DivisionLevel.COMMUNITY,
)
CHOICE_SEPARATOR = "；"
TEXTS_SHOWN = 200  # text answers listed on the results page; the CSV has every one


class SurveyState:
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    LABELS = {
        DRAFT: gettext_lazy("草稿"),
        OPEN: gettext_lazy("进行中"),
        CLOSED: gettext_lazy("已结束"),
    }


def survey_state(survey: Survey, *, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if survey.opens_at is None:
        return SurveyState.DRAFT
    if survey.closed_early_at is not None or (survey.closes_at and survey.closes_at <= now):
        return SurveyState.CLOSED
    return SurveyState.OPEN


def survey_closed_at(survey: Survey) -> datetime | None:
    """When answering ended (or will end): an early close, else the planned closing time."""
    return survey.closed_early_at or survey.closes_at


def _open_q(now: datetime) -> Q:
    return Q(opens_at__isnull=False, closed_early_at__isnull=True, closes_at__gt=now)


def _closed_q(now: datetime) -> Q:
    return Q(opens_at__isnull=False) & (Q(closed_early_at__isnull=False) | Q(closes_at__lte=now))


# --- who a survey reaches --------------------------------------------------------------------


def _audience_q(account: Account) -> Q:
    """The surveys whose audience takes in this resident (as a filter on Survey)."""
    if not account.is_authenticated or not account.is_citizen:
        return Q(pk__in=[])
    reach = Q(audience=Audience.EVERYONE)
    home = account.home_division.code if account.home_division is not None else ""
    if home:
        # In the area when the home code starts with the area's scope prefix (a city's prefix is
        # its first four digits, which its own "…00" code does not show).
        prefixes = [home[:n] for n in range(1, len(home) + 1)]
        reach |= Q(audience=Audience.AREA) & (
            (Q(audience_area__code__in=prefixes) & ~Q(audience_area__level=DivisionLevel.CITY))
            | Q(audience_area__level=DivisionLevel.CITY, audience_area__code__startswith=home[:4])
        )
    used = ApplicationItem.objects.filter(application__applicant=account).values("version__item")
    reach |= Q(audience=Audience.SERVICE_USERS, audience_item__in=used)
    return reach


def survey_reaches(*, survey: Survey, account: Account) -> bool:
    """Whether the resident is in the survey's audience."""
    return Survey.objects.filter(_audience_q(account), pk=survey.pk).exists()


def _with_answered(qs: QuerySet[Survey], account: Account) -> QuerySet[Survey]:
    mine = SurveyResponse.objects.filter(survey=OuterRef("pk"), respondent=account)
    return qs.annotate(answered=Exists(mine))


def surveys_open_for(*, account: Account) -> QuerySet[Survey]:
    """The open surveys the resident may answer, closing soonest first, each marked answered."""
    qs = Survey.objects.filter(_open_q(timezone.now()), _audience_q(account))
    return _with_answered(qs.select_related("unit"), account).order_by("closes_at", "id")


def surveys_to_answer(*, account: Account) -> QuerySet[Survey]:
    """The open surveys the resident may answer and has not yet, closing soonest first."""
    mine = SurveyResponse.objects.filter(survey=OuterRef("pk"), respondent=account)
    qs = Survey.objects.filter(_open_q(timezone.now()), _audience_q(account))
    return qs.exclude(Exists(mine)).order_by("closes_at", "id")


def survey_for_resident(*, account: Account, survey_id: int) -> Survey:
    """An opened survey (open or closed) whose audience takes in the resident, else not found."""
    qs = Survey.objects.filter(_audience_q(account), opens_at__isnull=False, pk=survey_id)
    found = _with_answered(qs.select_related("unit"), account).first()
    if found is None:
        raise NotFoundError(_("没有这份问卷"))
    return found


def response_of(*, survey: Survey, account: Account) -> SurveyResponse | None:
    return SurveyResponse.objects.filter(survey=survey, respondent=account).first()


def surveys_closed_public() -> QuerySet[Survey]:
    """Closed surveys, whose results are public, most recently closed first."""
    return (
        Survey.objects.filter(_closed_q(timezone.now()))
        .select_related("unit")
        .order_by("-closes_at", "-id")
    )


# --- staff -----------------------------------------------------------------------------------


def surveys_of_unit(*, actor: Account) -> QuerySet[Survey]:
    """The surveys of the actor's unit (publishers only), newest first."""
    require_capability(actor, Capability.PARTICIPATION_MANAGE)
    return Survey.objects.filter(unit=actor.unit).select_related("audience_area", "audience_item")


def survey_for_staff(*, actor: Account, survey_id: int) -> Survey:
    """One of the actor's unit's surveys; another unit's is not found."""
    found = surveys_of_unit(actor=actor).filter(pk=survey_id).first()
    if found is None:
        raise NotFoundError(_("没有这份问卷"))
    return found


def question_for_staff(*, survey: Survey, question_id: int) -> SurveyQuestion:
    found = SurveyQuestion.objects.filter(survey=survey, pk=question_id).first()
    if found is None:
        raise NotFoundError(_("没有这道题目"))
    return found


def questions_of(*, survey: Survey) -> list[SurveyQuestion]:
    return list(SurveyQuestion.objects.filter(survey=survey).order_by("position"))


def audience_areas(*, actor: Account) -> QuerySet[Division]:
    """The areas a unit may survey: the area it serves and the districts, streets and
    communities in it."""
    if actor.unit is None:
        return Division.objects.none()
    return Division.objects.filter(
        level__in=AUDIENCE_AREA_LEVELS, code__startswith=scope_prefix(actor.unit.division)
    ).order_by("code")


def audience_items() -> list[tuple[str, str]]:
    """The catalogue's published items as (code, "name（code）") choices."""
    return [(v.item.code, f"{v.name}（{v.item.code}）") for v in item_search()]


def audience_label(survey: Survey) -> str:
    if survey.audience == Audience.AREA and survey.audience_area is not None:
        return _("%(area)s居民") % {"area": survey.audience_area.name}
    if survey.audience == Audience.SERVICE_USERS and survey.audience_item is not None:
        name = (
            survey.audience_item.versions.filter(status=VersionStatus.PUBLISHED)
            .values_list("name", flat=True)
            .first()
        ) or survey.audience_item.code
        return _("办理过“%(item)s”的市民") % {"item": name}
    return str(Audience(survey.audience).label)


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionCount:
    label: str
    count: int
    percent: float  # of those who answered the question


@dataclass
class QuestionResult:
    question: SurveyQuestion
    answered: int = 0
    rows: list[OptionCount] = field(default_factory=list)
    mean: float | None = None  # scale questions
    texts: list[str] = field(default_factory=list)  # text questions, staff only
    texts_total: int = 0


def survey_viewable_results(*, viewer: Account, survey_id: int) -> tuple[Survey, bool]:
    """The survey whose results the viewer may see, and whether they see them as its staff
    (text answers included): the unit's staff once it is opened, everyone once it is closed."""
    survey = Survey.objects.select_related("unit").filter(pk=survey_id).first()
    if survey is None or survey.opens_at is None:
        raise NotFoundError(_("没有这份问卷"))
    own_staff = (
        viewer.is_authenticated
        and viewer.unit_id == survey.unit_id
        and account_can(viewer, Capability.PARTICIPATION_MANAGE)
    )
    if own_staff:
        return survey, True
    if survey_state(survey) != SurveyState.CLOSED:
        raise NotFoundError(_("没有这份问卷"))
    return survey, False


def _scale_label(question: SurveyQuestion, value: int) -> str:
    words = {1: question.scale_low_label, question.scale_max: question.scale_high_label}
    word = words.get(value, "")
    return f"{value}（{word}）" if word else str(value)


def survey_results(*, survey: Survey, with_texts: bool) -> list[QuestionResult]:
    """Per question: how many answered, counts and percentages per option (or scale point),
    the mean of a scale, and (for staff) the text answers, newest first."""
    questions = questions_of(survey=survey)
    picked: dict[int, Counter[int]] = {q.pk: Counter() for q in questions}
    answered: Counter[int] = Counter()
    texts: dict[int, list[str]] = {q.pk: [] for q in questions}
    answers = (
        SurveyAnswer.objects.filter(response__survey=survey)
        .order_by("-response__submitted_at", "-id")
        .values_list("question_id", "choices", "scale", "text")
    )
    for question_id, choices, scale, text in answers.iterator(chunk_size=2000):
        if question_id not in picked:
            continue
        if choices:
            picked[question_id].update(int(c) for c in choices)
        elif scale is not None:
            picked[question_id][scale] += 1
        elif text:
            texts[question_id].append(text)
        else:
            continue
        answered[question_id] += 1
    results = []
    for q in questions:
        n = answered[q.pk]
        result = QuestionResult(question=q, answered=n)
        if q.kind == QuestionKind.TEXT:
            result.texts_total = len(texts[q.pk])
            result.texts = texts[q.pk][:TEXTS_SHOWN] if with_texts else []
        else:
            if q.kind == QuestionKind.SCALE:
                keys = list(range(1, q.scale_max + 1))
                labels = [_scale_label(q, v) for v in keys]
                total = sum(v * c for v, c in picked[q.pk].items())
                result.mean = round(total / n, 2) if n else None
            else:
                keys = list(range(len(q.options)))
                labels = [str(label) for label in q.options]
            result.rows = [
                OptionCount(
                    label=label,
                    count=picked[q.pk][k],
                    percent=round(100 * picked[q.pk][k] / n, 1) if n else 0.0,
                )
                for k, label in zip(keys, labels, strict=True)
            ]
        results.append(result)
    return results


def _cell(question: SurveyQuestion, answer: SurveyAnswer | None) -> object:
    if answer is None:
        return ""
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        options: Sequence[str] = question.options
        return CHOICE_SEPARATOR.join(
            str(options[i]) for i in answer.choices if 0 <= int(i) < len(options)
        )
    if question.kind == QuestionKind.SCALE:
        return answer.scale
    return answer.text


def survey_csv(*, survey: Survey) -> str:
    """Every response as a row (number, time, one column per question), for spreadsheets."""
    questions = questions_of(survey=survey)
    header = [_("答卷序号"), _("提交时间")] + [f"{q.position}. {q.text}" for q in questions]
    responses = SurveyResponse.objects.filter(survey=survey).prefetch_related("answers")

    def rows() -> Iterator[list[object]]:
        for n, response in enumerate(responses.iterator(chunk_size=500), start=1):
            by_question = {a.question_id: a for a in response.answers.all()}
            submitted = timezone.localtime(response.submitted_at).strftime("%Y-%m-%d %H:%M")
            yield [n, submitted] + [_cell(q, by_question.get(q.pk)) for q in questions]

    return csv_text(header, rows())
