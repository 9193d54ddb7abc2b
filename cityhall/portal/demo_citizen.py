"""Demo for the citizen page and the card (一页 + 一卡): cards for the printed demo citizens,
public information from the city, a district and a street, and a subscription that received it.

Idempotent: a second run finds what the first made and changes nothing.
"""

from dataclasses import dataclass

from django.db import transaction

from cityhall.identity import cards
from cityhall.identity.models import Account, CardStatus
from cityhall.participation import services as participation
from cityhall.participation.models import Publication, Subscription, Topic

DEMO_CARD_PIN = "802613"  # the published demo PIN (not a weak one: the rules refuse those)
# (publisher login, area code, topic, title, summary, body)
PUBLICATIONS = (
    (
        "city-publisher",
        "440100",
        Topic.POLICY,
        "广州市城乡居民基本医疗保险2027年度参保缴费通知",
        "2027年度城乡居民医保集中参保缴费期为2026年9月1日至12月31日。",
        "一、缴费时间：2026年9月1日至12月31日。\n二、缴费方式：可通过市民网页、自助终端或"
        "街道政务服务中心窗口办理。\n三、个人缴费标准按市医保局公布的标准执行。",
    ),
    (
        "hz-publisher",
        "440105",
        Topic.SERVICE_CHANGE,
        "海珠区政务服务中心周六延时服务安排",
        "区政务服务中心每周六上午9:00至12:00提供不动产登记和社保业务办理。",
        "为方便上班族办事，自12月起，海珠区政务服务中心每周六上午开放不动产登记、社保业务窗口。"
        "请携带本人身份证或社会保障卡。",
    ),
    (
        "hz1-publisher",
        "440105001",
        Topic.NOTICE,
        "赤岗街道辖内部分小区计划停水通知",
        "因市政管网改造，11月28日（周六）9:00至17:00部分小区停水。",
        "受影响范围：赤岗街道辖内部分小区。请居民提前做好储水准备。如有疑问请拨打12345。",
    ),
)


@dataclass(frozen=True)
class CitizenDemoReport:
    cards: list[tuple[str, str]]  # (citizen name, card number)
    publications: int
    subscriptions: int

    def __str__(self) -> str:
        return (
            f"{len(self.cards)} cards, {self.publications} new publications, "
            f"{self.subscriptions} new subscriptions"
        )


def _cards(citizens: list[Account]) -> list[tuple[str, str]]:
    clerk = Account.objects.get(username="city-clerk")
    issued = []
    for citizen in citizens:
        card = citizen.cards.filter(status=CardStatus.ACTIVE).first()
        if card is None:
            card = cards.card_issue(
                holder=citizen,
                by=clerk,
                pin=DEMO_CARD_PIN,
                bank_account="6222020200112233446",
                bank_name="工商银行",
            )
        issued.append((citizen.real_name, card.number))
    return issued


def citizen_demo_build(*, citizens: list[Account]) -> CitizenDemoReport:
    """Cards for the first demo citizens; their street subscribed; three items published."""
    shown = citizens[:3]
    with transaction.atomic():
        issued = _cards(shown)
        subscriptions = 0
        for citizen in shown:
            street = citizen.home_division.parent if citizen.home_division else None
            if street is None or Subscription.objects.filter(subscriber=citizen).exists():
                continue
            participation.subscription_add(subscriber=citizen, topic="", area_code=street.code)
            subscriptions += 1
    published = 0
    for login, area, topic, title, summary, body in PUBLICATIONS:
        if Publication.objects.filter(title=title).exists():
            continue
        # Each in its own transaction: its subscribers are told when it commits.
        with transaction.atomic():
            participation.publication_publish(
                author=Account.objects.get(username=login),
                title=title,
                body=body,
                topic=topic,
                area_code=area,
                summary=summary,
            )
        published += 1
    return CitizenDemoReport(cards=issued, publications=published, subscriptions=subscriptions)
