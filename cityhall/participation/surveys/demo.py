"""Demo surveys of the city's publisher: an open one residents can answer now (with some answers
already in), and a closed one whose results are public. Built through the services, so the demo
obeys the same rules; running it again finds both by title and creates nothing."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cityhall.identity.models import Account
from cityhall.participation.models import QuestionKind, Survey, SurveyQuestion, SurveyResponse
from cityhall.participation.surveys import services

PUBLISHER = "city-publisher"


@dataclass(frozen=True)
class DemoQuestion:
    kind: str
    text: str
    options: tuple[str, ...] = ()
    scale_max: int = 5
    low: str = ""
    high: str = ""
    required: bool = True


HOTLINE = (
    "12345 市民服务热线满意度调查",
    "您最近一次拨打 12345 热线或在网上提交诉求后，对受理和办理情况是否满意？"
    "问卷约需 2 分钟，结果用于改进热线服务，结束后公开统计结果。",
    (
        DemoQuestion(
            QuestionKind.SINGLE,
            "您最近一次通过什么渠道联系 12345？",
            ("电话", "网站或“穗好办”", "短信", "微信公众号"),
        ),
        DemoQuestion(
            QuestionKind.SCALE, "您对话务员的服务态度是否满意？", (), 5, "很不满意", "很满意"
        ),
        DemoQuestion(
            QuestionKind.MULTIPLE,
            "您认为热线最需要改进的是哪些方面？（可多选）",
            ("接通速度", "办理时限", "答复的针对性", "回访", "进度查询"),
        ),
        DemoQuestion(QuestionKind.TEXT, "还有什么意见或建议？", required=False),
    ),
)
CENTRE = (
    "政务服务中心办事体验调查（第三季度）",
    "了解市民在市、区政务服务中心办事的体验，调查已结束，统计结果如下。",
    (
        DemoQuestion(
            QuestionKind.SINGLE,
            "您这次办事跑了几次？",
            ("一次办成", "两次", "三次及以上"),
        ),
        DemoQuestion(QuestionKind.SCALE, "您对整体办事体验的评价", (), 5, "很差", "很好"),
        DemoQuestion(
            QuestionKind.MULTIPLE,
            "您在办事中遇到过哪些问题？（可多选）",
            ("排队时间长", "材料要求不清楚", "来回跑不同窗口", "没有遇到问题"),
        ),
        DemoQuestion(QuestionKind.TEXT, "请写下您的建议", required=False),
    ),
)
SUGGESTIONS = (
    "希望晚上也能有人接听。",
    "办理进度能发短信提醒就更好了。",
    "",
    "回访很及时，点赞。",
)


def _answers(questions: list[SurveyQuestion], n: int) -> dict[int, list[str]]:
    """A plausible, repeatable answer for the n-th demo resident."""
    posted: dict[int, list[str]] = {}
    for q in questions:
        if q.kind == QuestionKind.SINGLE:
            posted[q.pk] = [str((n * 7 // 3) % len(q.options) if n % 3 else 0)]
        elif q.kind == QuestionKind.MULTIPLE:
            posted[q.pk] = sorted({str(n % len(q.options)), str((n * 3 + 1) % len(q.options))})
        elif q.kind == QuestionKind.SCALE:
            posted[q.pk] = [str(q.scale_max - (n * 5 % 3))]
        else:
            posted[q.pk] = [SUGGESTIONS[n % len(SUGGESTIONS)]]
    return posted


def _build(
    publisher: Account,
    plan: tuple[str, str, tuple[DemoQuestion, ...]],
    citizens: list[Account],
    *,
    days: int,
) -> tuple[Survey, int]:
    title, description, questions = plan
    survey = services.survey_create(author=publisher, title=title, description=description)
    for q in questions:
        services.question_add(
            survey=survey,
            actor=publisher,
            kind=q.kind,
            text=q.text,
            required=q.required,
            options=q.options,
            scale_max=q.scale_max,
            scale_low_label=q.low,
            scale_high_label=q.high,
        )
    survey = services.survey_open(
        survey=survey, actor=publisher, closes_at=timezone.now() + timedelta(days=days)
    )
    asked = list(SurveyQuestion.objects.filter(survey=survey).order_by("position"))
    answered = 0
    for n, citizen in enumerate(citizens):
        services.survey_answer(survey=survey, respondent=citizen, answers=_answers(asked, n))
        answered += 1
    return survey, answered


def survey_demo_build(*, citizens: list[Account]) -> int:
    """The open hotline survey (some residents have answered) and the closed service-centre
    survey with results; returns how many surveys and answers it created."""
    publisher = Account.objects.filter(username=PUBLISHER).first()
    if publisher is None or publisher.unit is None:
        return 0
    residents = [c for c in citizens if c.is_citizen]
    created = 0
    existing = set(Survey.objects.filter(unit=publisher.unit).values_list("title", flat=True))
    if HOTLINE[0] not in existing:
        with transaction.atomic():
            _survey, answered = _build(publisher, HOTLINE, residents[:6], days=30)
        created += 1 + answered
    if CENTRE[0] not in existing:
        with transaction.atomic():
            survey, answered = _build(publisher, CENTRE, residents[:12], days=1)
            # It ran last quarter: move its dates (and its answers) into the past.
            now = timezone.now()
            opened, closed = now - timedelta(days=45), now - timedelta(days=15)
            Survey.objects.filter(pk=survey.pk).update(opens_at=opened, closes_at=closed)
            responses = SurveyResponse.objects.filter(survey=survey).order_by("pk")
            for n, response in enumerate(responses):
                response.submitted_at = opened + timedelta(days=1 + n * 2, hours=n % 8)
                response.save(update_fields=["submitted_at"])
        created += 1 + answered
    return created
