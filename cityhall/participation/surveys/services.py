"""Writes for surveys: build (while a draft), open, close early, and a resident's one answer.

Questions change only while the survey is a draft: once residents may answer, every answer must
mean what the question said when it was given. Every write that depends on the survey's state
locks its row first, so a question cannot slip in while the survey is being opened, and an answer
cannot land after it was closed.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.catalog.models import ServiceItem
from cityhall.core.audit import audit_record
from cityhall.core.errors import DomainError, NotFoundError
from cityhall.geo.models import Division
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import require_capability
from cityhall.participation.abuse import flood_check, flood_count, text_clean
from cityhall.participation.models import (
    Audience,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)
from cityhall.participation.surveys import selectors
from cityhall.participation.surveys.selectors import SurveyState, survey_state

TITLE_MAX, DESCRIPTION_MAX = 200, 3000
QUESTION_MAX, OPTION_MAX, SCALE_LABEL_MAX = 300, 100, 30
OPTIONS_MIN, OPTIONS_MAX = 2, 20
SCALE_MIN, SCALE_MAX = 3, 10
QUESTIONS_MAX = 50
TEXT_ANSWER_MAX = 1000
FLOOD_ACTION = "survey"
AUDIT_OPENED = "participation.survey_opened"
AUDIT_CLOSED = "participation.survey_closed_early"
CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)


class AnswerError(DomainError):
    """Some answers are missing or invalid: `errors` maps each such question's id to why."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__(_("有 %(n)d 道题需要修改，请查看标出的题目") % {"n": len(errors)})
        self.errors = errors


# --- building ----------------------------------------------------------------------------------


def _own(actor: Account, survey: Survey) -> None:
    require_capability(actor, Capability.PARTICIPATION_MANAGE)
    if actor.unit_id is None or survey.unit_id != actor.unit_id:
        raise NotFoundError(_("没有这份问卷"))


def _locked_draft(actor: Account, survey: Survey) -> Survey:
    """The survey's row, locked, if the actor's unit owns it and it is still a draft."""
    _own(actor, survey)
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    if locked.opens_at is not None:
        raise DomainError(_("问卷已发布，不能再修改设置或题目"), code="opened")
    return locked


def _audience_clean(
    actor: Account, audience: str, area_code: str, item_code: str
) -> tuple[str, Division | None, ServiceItem | None]:
    if audience not in Audience.values:
        raise DomainError(_("请选择调查对象"), code="audience")
    area: Division | None = None
    item: ServiceItem | None = None
    if audience == Audience.AREA:
        area = selectors.audience_areas(actor=actor).filter(code=area_code).first()
        if area is None:
            raise DomainError(_("请选择本单位服务范围内的区域"), code="area_scope")
    if audience == Audience.SERVICE_USERS:
        codes = {code for code, _label in selectors.audience_items()}
        item = ServiceItem.objects.filter(code=item_code).first() if item_code in codes else None
        if item is None:
            raise DomainError(_("请选择服务事项"), code="item")
    return audience, area, item


def survey_create(
    *,
    author: Account,
    title: str,
    description: str = "",
    audience: str = Audience.EVERYONE,
    area_code: str = "",
    item_code: str = "",
) -> Survey:
    """A new draft survey of the author's unit."""
    require_capability(author, Capability.PARTICIPATION_MANAGE)
    unit = author.unit
    if unit is None:  # require_capability has refused staff without a unit already
        raise NotFoundError(_("没有这份问卷"))
    audience, area, item = _audience_clean(author, audience, area_code, item_code)
    return Survey.objects.create(
        title=text_clean(title, label=_("标题"), limit=TITLE_MAX),
        description=text_clean(description, label=_("说明"), limit=DESCRIPTION_MAX, required=False),
        unit=unit,
        author=author,
        audience=audience,
        audience_area=area,
        audience_item=item,
    )


def survey_update(
    *,
    survey: Survey,
    actor: Account,
    title: str,
    description: str = "",
    audience: str = Audience.EVERYONE,
    area_code: str = "",
    item_code: str = "",
) -> Survey:
    """Change a draft's title, description and audience."""
    title = text_clean(title, label=_("标题"), limit=TITLE_MAX)
    description = text_clean(description, label=_("说明"), limit=DESCRIPTION_MAX, required=False)
    with transaction.atomic():
        locked = _locked_draft(actor, survey)
        chosen, area, item = _audience_clean(actor, audience, area_code, item_code)
        locked.audience, locked.audience_area, locked.audience_item = chosen, area, item
        locked.title, locked.description = title, description
        locked.save()
    return locked


def _question_fields(
    *,
    kind: str,
    text: str,
    required: bool,
    options: Sequence[str],
    scale_max: int | None,
    scale_low_label: str,
    scale_high_label: str,
) -> dict[str, object]:
    if kind not in QuestionKind.values:
        raise DomainError(_("请选择题型"), code="kind")
    fields: dict[str, object] = {
        "kind": kind,
        "text": text_clean(text, label=_("题目"), limit=QUESTION_MAX),
        "required": bool(required),
        "options": [],
        "scale_max": 5,
        "scale_low_label": "",
        "scale_high_label": "",
    }
    if kind in CHOICE_KINDS:
        labels = [text_clean(o, label=_("选项"), limit=OPTION_MAX, required=False) for o in options]
        labels = [label for label in labels if label]
        if not OPTIONS_MIN <= len(labels) <= OPTIONS_MAX:
            raise DomainError(
                _("选择题需要 %(min)d–%(max)d 个选项（每行一个），现在 %(n)d 个")
                % {"min": OPTIONS_MIN, "max": OPTIONS_MAX, "n": len(labels)},
                code="options",
            )
        if len(set(labels)) != len(labels):
            raise DomainError(_("选项不能重复"), code="options_duplicate")
        fields["options"] = labels
    elif kind == QuestionKind.SCALE:
        if scale_max is None or not SCALE_MIN <= scale_max <= SCALE_MAX:
            raise DomainError(
                _("量表最高分须在 %(min)d 到 %(max)d 之间") % {"min": SCALE_MIN, "max": SCALE_MAX},
                code="scale_max",
            )
        fields["scale_max"] = scale_max
        fields["scale_low_label"] = text_clean(
            scale_low_label, label=_("最低分含义"), limit=SCALE_LABEL_MAX, required=False
        )
        fields["scale_high_label"] = text_clean(
            scale_high_label, label=_("最高分含义"), limit=SCALE_LABEL_MAX, required=False
        )
    return fields


def question_add(
    *,
    survey: Survey,
    actor: Account,
    kind: str,
    text: str,
    required: bool = True,
    options: Sequence[str] = (),
    scale_max: int | None = 5,
    scale_low_label: str = "",
    scale_high_label: str = "",
) -> SurveyQuestion:
    """Add a question at the end of a draft."""
    fields = _question_fields(
        kind=kind,
        text=text,
        required=required,
        options=options,
        scale_max=scale_max,
        scale_low_label=scale_low_label,
        scale_high_label=scale_high_label,
    )
    with transaction.atomic():
        locked = _locked_draft(actor, survey)
        questions = SurveyQuestion.objects.filter(survey=locked)
        if questions.count() >= QUESTIONS_MAX:
            raise DomainError(_("一份问卷最多 %(n)d 道题") % {"n": QUESTIONS_MAX}, code="too_many")
        last = questions.aggregate(last=Max("position"))["last"] or 0
        return SurveyQuestion.objects.create(survey=locked, position=last + 1, **fields)


def question_update(
    *,
    question: SurveyQuestion,
    actor: Account,
    kind: str,
    text: str,
    required: bool = True,
    options: Sequence[str] = (),
    scale_max: int | None = 5,
    scale_low_label: str = "",
    scale_high_label: str = "",
) -> SurveyQuestion:
    """Change a draft's question (its position stays)."""
    fields = _question_fields(
        kind=kind,
        text=text,
        required=required,
        options=options,
        scale_max=scale_max,
        scale_low_label=scale_low_label,
        scale_high_label=scale_high_label,
    )
    with transaction.atomic():
        _locked_draft(actor, question.survey)
        for name, value in fields.items():
            setattr(question, name, value)
        question.save()
    return question


def question_remove(*, question: SurveyQuestion, actor: Account) -> None:
    """Remove a draft's question; the ones after it move up."""
    with transaction.atomic():
        survey = _locked_draft(actor, question.survey)
        question.delete()
        later = SurveyQuestion.objects.filter(survey=survey, position__gt=question.position)
        for q in later.order_by("position"):  # one by one: positions are unique at all times
            q.position -= 1
            q.save(update_fields=["position"])


def question_move(*, question: SurveyQuestion, actor: Account, up: bool) -> SurveyQuestion:
    """Swap a draft's question with the one before (up) or after it; at an end, nothing moves."""
    with transaction.atomic():
        survey = _locked_draft(actor, question.survey)
        question.refresh_from_db()
        siblings = SurveyQuestion.objects.filter(survey=survey)
        if up:
            other = siblings.filter(position__lt=question.position).order_by("-position").first()
        else:
            other = siblings.filter(position__gt=question.position).order_by("position").first()
        if other is None:
            return question
        mine, theirs = question.position, other.position
        question.position = 0  # out of the way while the other takes its place
        question.save(update_fields=["position"])
        other.position = mine
        other.save(update_fields=["position"])
        question.position = theirs
        question.save(update_fields=["position"])
    return question


def survey_open(*, survey: Survey, actor: Account, closes_at: datetime | None) -> Survey:
    """Open a draft for answers now, until closes_at (later than now); it needs a question."""
    with transaction.atomic():
        _own(actor, survey)
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.opens_at is not None:
            raise DomainError(_("问卷已经发布过了"), code="opened")
        if not SurveyQuestion.objects.filter(survey=locked).exists():
            raise DomainError(_("问卷至少需要一道题目才能发布"), code="no_questions")
        now = timezone.now()
        if closes_at is None:
            raise DomainError(_("请填写截止时间"), code="closes_at")
        if closes_at <= now:
            raise DomainError(_("截止时间必须晚于现在"), code="closes_at")
        locked.opens_at, locked.closes_at = now, closes_at
        locked.save(update_fields=["opens_at", "closes_at", "updated_at"])
        _audit(AUDIT_OPENED, actor, locked, {"closes_at": closes_at.isoformat()})
    return locked


def survey_close(*, survey: Survey, actor: Account) -> Survey:
    """End an open survey before its closing time."""
    with transaction.atomic():
        _own(actor, survey)
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        state = survey_state(locked)
        if state == SurveyState.DRAFT:
            raise DomainError(_("问卷尚未发布"), code="draft")
        if state == SurveyState.CLOSED:
            raise DomainError(_("问卷已经结束了"), code="closed")
        locked.closed_early_at = timezone.now()
        locked.save(update_fields=["closed_early_at", "updated_at"])
        _audit(AUDIT_CLOSED, actor, locked, {"responses": locked.response_count})
    return locked


def _audit(event: str, actor: Account, survey: Survey, detail: dict[str, object]) -> None:
    audit_record(
        event=event,
        actor=actor,
        subject_type="participation.Survey",
        subject_id=survey.pk,
        detail=detail,
    )


# --- answering ---------------------------------------------------------------------------------


def _indexes(values: Sequence[str], count: int) -> list[int] | None:
    """The option indexes named by the posted values, or None if one is not an option."""
    picked = []
    for value in values:
        try:
            index = int(str(value).strip())
        except ValueError:
            return None
        if not 0 <= index < count:
            return None
        picked.append(index)
    return picked


def _answer_clean(question: SurveyQuestion, raw: Sequence[str]) -> SurveyAnswer | None:
    """The answer to one question from what was posted (None when skipped), or DomainError."""
    values = [v for v in raw if str(v).strip()]
    if question.kind == QuestionKind.TEXT:
        text = text_clean(
            "\n".join(values),
            label=_("回答"),
            limit=TEXT_ANSWER_MAX,
            required=question.required,
        )
        return SurveyAnswer(question=question, text=text) if text else None
    if not values:
        if question.required:
            raise DomainError(_("这道题必须回答"), code="required")
        return None
    if question.kind == QuestionKind.SCALE:
        scale = _indexes(values, question.scale_max + 1)
        if scale is None or len(scale) != 1 or scale[0] < 1:
            raise DomainError(
                _("请选择 1 到 %(n)d 之间的一个分值") % {"n": question.scale_max}, code="scale"
            )
        return SurveyAnswer(question=question, scale=scale[0])
    picked = _indexes(values, len(question.options))
    if picked is None:
        raise DomainError(_("所选的不是这道题的选项"), code="not_an_option")
    if question.kind == QuestionKind.SINGLE and len(picked) != 1:
        raise DomainError(_("这道题只能选一项"), code="single")
    if len(set(picked)) != len(picked):
        raise DomainError(_("同一选项只能选一次"), code="duplicate_choice")
    return SurveyAnswer(question=question, choices=sorted(picked))


def survey_answer(
    *, survey: Survey, respondent: Account, answers: Mapping[int, Sequence[str]]
) -> SurveyResponse:
    """A resident's one response: every required question answered, within the options.

    `answers` maps a question's id to the values posted for it (option indexes, a scale point,
    or the text). Not in the audience: not found; closed, already answered, too frequent, or an
    invalid answer: a DomainError (AnswerError lists each question's problem) and nothing written.
    """
    if not selectors.survey_reaches(survey=survey, account=respondent):
        raise NotFoundError(_("没有这份问卷"))
    _answerable(survey, respondent)
    flood_check(respondent, FLOOD_ACTION)
    questions = selectors.questions_of(survey=survey)
    cleaned: list[SurveyAnswer] = []
    errors: dict[int, str] = {}
    for question in questions:
        try:
            answer = _answer_clean(question, answers.get(question.pk, ()))
        except DomainError as error:
            errors[question.pk] = error.message
            continue
        if answer is not None:
            cleaned.append(answer)
    if errors:
        raise AnswerError(errors)
    try:
        with transaction.atomic():
            locked = Survey.objects.select_for_update().get(pk=survey.pk)
            _answerable(locked, respondent)
            response = SurveyResponse.objects.create(
                survey=locked, respondent=respondent, submitted_at=timezone.now()
            )
            for answer in cleaned:
                answer.response = response
            SurveyAnswer.objects.bulk_create(cleaned)
            Survey.objects.filter(pk=locked.pk).update(response_count=F("response_count") + 1)
    except IntegrityError as exc:  # a second answer that raced past the check above
        raise DomainError(_("您已经答过这份问卷"), code="answered") from exc
    flood_count(respondent, FLOOD_ACTION)
    return response


def _answerable(survey: Survey, respondent: Account) -> None:
    state = survey_state(survey)
    if state == SurveyState.DRAFT:
        raise NotFoundError(_("没有这份问卷"))
    if state == SurveyState.CLOSED:
        raise DomainError(_("这份问卷已经结束，不能再作答"), code="closed")
    if SurveyResponse.objects.filter(survey=survey, respondent=respondent).exists():
        raise DomainError(_("您已经答过这份问卷"), code="answered")
