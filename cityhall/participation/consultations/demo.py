"""Demo consultations of the Haizhu district: an open draft on community elderly dining with some
residents' comments and supports, and a parking draft that has closed and whose response report
is published. Built through the services, so the demo obeys the same rules; running it again
finds both by title and creates nothing."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cityhall.identity.models import Account
from cityhall.participation.consultations import services
from cityhall.participation.models import (
    Consultation,
    ConsultationComment,
    Disposition,
    DraftArticle,
    HideReason,
)

PUBLISHER = "hz-publisher"
DISTRICT = "440105"

DINING_TITLE = "海珠区社区长者饭堂管理办法（征求意见稿）"
DINING_SUMMARY = (
    "本区现有社区长者饭堂 86 个，部分饭堂存在价格不统一、送餐服务覆盖不足、补贴标准多年未调整"
    "等问题。为规范长者饭堂建设和运营，区民政局起草了本办法，明确服务对象、价格与补贴、送餐服务"
    "和食品安全要求。欢迎市民提出意见。"
)
DINING_DRAFT = (
    "第一条【目的依据】为了规范本区社区长者饭堂的建设和运营，保障老年人就餐需求，根据"
    "《广州市社区居家养老服务管理办法》等规定，结合本区实际，制定本办法。\n"
    "第二条【适用范围】本办法适用于本区行政区域内由街道办事处设立或者委托社会力量运营"
    "的社区长者饭堂（含助餐配餐点）。\n"
    "第三条【职责分工】区民政局负责长者饭堂的统筹规划和监督管理；区市场监管局负责食品"
    "安全监督；各街道办事处负责辖区长者饭堂的设置、日常管理和服务对象资格确认。\n"
    "第四条【服务对象】本区户籍或者持有本区居住证、年满60周岁的老年人，均可在长者饭"
    "堂就餐。\n"
    "低保、低收入、特困老年人和80周岁以上老年人按规定享受助餐补贴。\n"
    "第五条【价格与补贴】长者饭堂餐费实行明码标价，标准午餐价格不高于每餐15元。补贴"
    "标准由区民政局会同区财政局每两年评估调整一次，并向社会公布。\n"
    "第六条【送餐服务】长者饭堂应当为失能、半失能及行动不便的老年人提供送餐上门服务，"
    "送餐费用每次不超过3元。\n"
    "第七条【食品安全】长者饭堂应当依法取得食品经营许可，每日公示菜谱，实行食品留样制"
    "度，留样时间不少于48小时。\n"
    "第八条【施行日期】本办法自发布之日起施行，有效期五年。"
)

PARKING_TITLE = "海珠区住宅小区停车管理规定（征求意见稿）"
PARKING_SUMMARY = (
    "近年来住宅小区停车矛盾突出，占用消防车通道、访客停车难等问题在 12345 热线中反映较多。"
    "区住房建设和交通局会同区消防救援大队起草了本规定。"
)
PARKING_DRAFT = (
    "第一条【目的依据】为了规范本区住宅小区内机动车停放秩序，保障消防车通道畅通，根据"
    "《广州市停车场条例》等规定，制定本规定。\n"
    "第二条【适用范围】本规定适用于本区行政区域内住宅小区规划用地范围内的机动车停放管"
    "理。\n"
    "第三条【车位分配】小区规划车位应当首先满足业主的购买和租赁需要。车位出租期限每次"
    "不超过三年。\n"
    "第四条【临时停放】访客车辆可以在小区内临时停放，前2小时免费，超过部分按物业服务"
    "合同约定收费。\n"
    "第五条【消防车通道】任何车辆不得占用消防车通道。物业服务企业发现占用的，应当劝阻"
    "并报告街道办事处和消防救援机构。\n"
    "第六条【充电设施】鼓励在小区停车位设置新能源汽车充电设施，业主申请安装的，物业服"
    "务企业应当予以配合。"
)
PARKING_RESPONSE = (
    "征求意见期间共收到意见 5 条，其中 1 条因属广告信息按发言规则隐藏。根据市民意见，第五条增加了"
    "“物业服务企业应当在消防车通道设置明显标识和划线”的要求；第四条的访客免费停放时间在法定节假日"
    "延长至3小时。关于车位出售和停车费调价的意见，《民法典》和价格管理规定已有规定，本规定不再重复，"
    "理由已逐条说明。修改后的规定将按程序审议后发布。"
)


@dataclass(frozen=True)
class DemoComment:
    article: int | None  # None: on the whole draft
    body: str
    disposition: str = ""
    answer: str = ""
    hide: str = ""


DINING_COMMENTS = (
    DemoComment(
        5, "15元对退休金不高的老人偏贵，建议标准午餐控制在12元以内，并保留一款10元以下的套餐。"
    ),
    DemoComment(6, "送餐上门很需要。建议对80岁以上独居老人免收送餐费。"),
    DemoComment(4, "建议把非本区户籍但长期随子女在海珠居住的老人也纳入补贴范围，不要只看居住证。"),
    DemoComment(None, "希望饭堂提供软食、低糖、低盐的餐食，照顾有慢性病和牙口不好的老人。"),
)
PARKING_COMMENTS = (
    DemoComment(
        4,
        "访客免费停放2小时太短，子女节假日回来吃饭经常超时，建议延长到3小时。",
        Disposition.PARTLY,
        "已将法定节假日的访客免费停放时间延长至3小时；工作日车位紧张，维持2小时。",
    ),
    DemoComment(
        5,
        "建议明确消防车通道的标识要求，很多老小区没有划线，司机不知道哪里不能停。",
        Disposition.ADOPTED,
        "采纳。第五条增加“物业服务企业应当在消防车通道设置明显标识和划线”。",
    ),
    DemoComment(
        3,
        "应当禁止开发商把车位卖给小区以外的人。",
        Disposition.NOTED,
        "《民法典》第二百七十六条已规定规划车位应当首先满足业主的需要，第三条已与之衔接，不再重复规定。",
    ),
    DemoComment(
        None,
        "建议规定物业停车费调价必须经业主大会同意。",
        Disposition.REJECTED,
        "停车服务收费按物业服务合同和价格主管部门的规定执行，不宜在本规定中另行规定。",
    ),
    DemoComment(None, "低价代办停车月卡，有需要的加微信。", hide=HideReason.ADVERTISING),
)
# (comment index, supporter index): residents supporting others' comments.
DINING_SUPPORTS = ((0, 1), (0, 2), (0, 3), (1, 0), (1, 2), (3, 1))
PARKING_SUPPORTS = ((0, 2), (1, 0), (1, 3))


def _comment(consultation: Consultation, author: Account, plan: DemoComment) -> ConsultationComment:
    article = (
        DraftArticle.objects.get(consultation=consultation, number=plan.article)
        if plan.article
        else None
    )
    return services.comment_add(
        consultation=consultation, author=author, body=plan.body, article=article
    )


def _discussion(
    consultation: Consultation,
    residents: list[Account],
    comments: tuple[DemoComment, ...],
    supports: tuple[tuple[int, int], ...],
) -> tuple[list[ConsultationComment], int]:
    written = [
        _comment(consultation, residents[n % len(residents)], plan)
        for n, plan in enumerate(comments)
    ]
    supported = 0
    for index, supporter_index in supports:
        supporter = residents[supporter_index % len(residents)]
        if written[index].author_id != supporter.pk:
            services.comment_support(comment=written[index], supporter=supporter)
            supported += 1
    return written, supported


def consultation_demo_build(*, citizens: list[Account]) -> int:
    """The open dining draft (with comments and supports) and the responded parking draft;
    returns how many consultations, comments and supports it created."""
    publisher = Account.objects.filter(username=PUBLISHER).first()
    residents = [c for c in citizens if c.is_citizen]
    # Two residents at least: nobody supports their own comment, and nobody writes more than
    # the comment rate limit allows in one go.
    if publisher is None or publisher.unit is None or len(residents) < 2:
        return 0
    existing = set(
        Consultation.objects.filter(department=publisher.unit).values_list("title", flat=True)
    )
    created = 0
    now = timezone.now()
    if DINING_TITLE not in existing:
        with transaction.atomic():
            dining = services.consultation_create(
                author=publisher,
                title=DINING_TITLE,
                summary=DINING_SUMMARY,
                area_code=DISTRICT,
                opens_at=now,
                closes_at=now + timedelta(days=25),
                draft=DINING_DRAFT,
            )
            # Opened five days ago, for thirty days in all.
            Consultation.objects.filter(pk=dining.pk).update(opens_at=now - timedelta(days=5))
            written, supported = _discussion(dining, residents, DINING_COMMENTS, DINING_SUPPORTS)
        created += 1 + len(written) + supported
    if PARKING_TITLE not in existing:
        with transaction.atomic():
            parking = services.consultation_create(
                author=publisher,
                title=PARKING_TITLE,
                summary=PARKING_SUMMARY,
                area_code=DISTRICT,
                opens_at=now,
                closes_at=now + timedelta(days=30),
                draft=PARKING_DRAFT,
            )
            written, supported = _discussion(parking, residents, PARKING_COMMENTS, PARKING_SUPPORTS)
            # It ran last quarter: move its dates into the past, then answer and report.
            Consultation.objects.filter(pk=parking.pk).update(
                opens_at=now - timedelta(days=75), closes_at=now - timedelta(days=45)
            )
            parking.refresh_from_db()
            for comment, plan in zip(written, PARKING_COMMENTS, strict=True):
                comment.refresh_from_db()
                if plan.hide:
                    services.comment_hide(comment=comment, by=publisher, reason=plan.hide)
                else:
                    services.comment_answer(
                        comment=comment,
                        by=publisher,
                        disposition=plan.disposition,
                        answer=plan.answer,
                    )
            services.response_publish(consultation=parking, by=publisher, summary=PARKING_RESPONSE)
        created += 1 + len(written) + supported
    return created
