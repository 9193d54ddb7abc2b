"""Demo leader mailboxes (the mayor's, Haizhu's district head's, a Haizhu street secretary's) and
a few letters: one answered and published, one being handled, one overdue.

Idempotent: mailboxes are keyed by unit and name, letters by mailbox and subject.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cityhall.identity.models import Account, OrgUnit
from cityhall.participation.mailbox import services
from cityhall.participation.models import Letter, Mailbox

# (unit code, mailbox name, addressee, time limit in working days)
MAILBOXES = (
    ("440100-ZS", "市长信箱", "市长", 15),
    ("440105-ZS", "海珠区区长信箱", "区长", 10),
    ("440105001-JD", "{street}书记信箱", "街道党工委书记", 5),
)

PUBLISHED = (
    "市长信箱",
    "建议在地铁站出口增设共享单车停放点",
    "我每天在地铁站换乘共享单车上班，出口附近没有划定停放区，单车乱停挡住盲道，"
    "行人和轮椅都很难通过。建议在出口50米内划定停放区并安排定期清理。",
    "city-publisher",
    "感谢您的建议。市交通运输局已会同各区对地铁站出口共享单车停放情况进行排查，"
    "将在年底前为全市主要地铁站出口增划停放区，并要求运营企业每日早晚高峰巡查清理，"
    "保障盲道畅通。",
)
IN_PROGRESS = (
    "海珠区区长信箱",
    "小区旁工地夜间施工噪音扰民",
    "小区东侧工地近两周每晚十一点后仍在施工，打桩声音很大，老人小孩无法休息。"
    "请区里核查夜间施工许可并督促整改。",
    "hz-publisher",
)
OVERDUE = (
    "{street}书记信箱",
    "社区长者饭堂能否增加周末供餐",
    "社区长者饭堂目前只在工作日供餐，周末独居老人吃饭不方便。希望街道考虑周末也开放，"
    "哪怕只供应午餐也好。",
)


def _street_name() -> str:
    unit = OrgUnit.objects.filter(code="440105001-JD").select_related("division").first()
    return unit.division.name if unit else "街道"


def _mailboxes() -> tuple[dict[str, Mailbox], int]:
    street = _street_name()
    found: dict[str, Mailbox] = {}
    created = 0
    for code, name, addressee, days in MAILBOXES:
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            continue
        box, new = Mailbox.objects.get_or_create(
            unit=unit,
            name=name.format(street=street),
            defaults={"addressee": addressee, "time_limit_days": days},
        )
        found[name] = box
        created += new
    return found, created


def _write(
    box: Mailbox, *, writer: Account, subject: str, body: str, days_ago: int, consent: bool
) -> Letter | None:
    if Letter.objects.filter(mailbox=box, subject=subject).exists():
        return None
    with transaction.atomic():
        return services.letter_write(
            writer=writer,
            mailbox=box,
            subject=subject,
            body=body,
            consent_publish=consent,
            now=timezone.now() - timedelta(days=days_ago),
        )


def mailbox_demo_build(*, citizens: list[Account]) -> int:
    """Three mailboxes and three letters (answered and published, being handled, overdue)."""
    if not citizens:
        return 0
    boxes, created = _mailboxes()

    def writer(n: int) -> Account:
        return citizens[n % len(citizens)]

    def staff(username: str) -> Account | None:
        return Account.objects.filter(username=username).first()

    box_name, subject, body, login, reply = PUBLISHED
    if box_name in boxes:
        letter = _write(
            boxes[box_name], writer=writer(0), subject=subject, body=body, days_ago=6, consent=True
        )
        officer = staff(login)
        if letter is not None:
            created += 1
            if officer is not None:
                services.letter_reply(letter=letter, text=reply, by=officer)
                services.letter_publish(letter=letter, by=officer)
    box_name, subject, body, login = IN_PROGRESS
    if box_name in boxes:
        letter = _write(
            boxes[box_name], writer=writer(1), subject=subject, body=body, days_ago=3, consent=True
        )
        officer = staff(login)
        if letter is not None:
            created += 1
            if officer is not None:
                services.letter_assign(letter=letter, handler=officer, by=officer)
    box_name, subject, body = OVERDUE
    if box_name in boxes:
        # Written a month ago and not answered: past the street's five working days.
        letter = _write(
            boxes[box_name],
            writer=writer(2),
            subject=subject,
            body=body,
            days_ago=30,
            consent=False,
        )
        created += letter is not None
    return created
