"""Writes for public information: publish (and tell subscribers), subscribe, unsubscribe."""

from datetime import date
from functools import partial

from celery import current_app
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.core.errors import DomainError, NotFoundError
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import require_capability
from cityhall.notify.models import Channel
from cityhall.notify.services import message_send
from cityhall.participation import selectors
from cityhall.participation.models import Publication, Subscription, Topic

NOTIFY_TASK = "cityhall.participation.tasks.publication_notify"
UNSUBSCRIBE_SALT = "participation.unsubscribe"
TITLE_MAX, SUMMARY_MAX, BODY_MAX = 200, 300, 50_000


def _text(value: str, *, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_("请填写%(label)s") % {"label": label}, code="required")
    if len(value) > limit:
        raise DomainError(
            _("%(label)s不能超过 %(n)d 个字") % {"label": label, "n": limit}, code="too_long"
        )
    return value


def publication_publish(
    *,
    author: Account,
    title: str,
    body: str,
    topic: str,
    area_code: str,
    summary: str = "",
    effective_on: date | None = None,
) -> Publication:
    """Publish an item for an area the author's unit serves; subscribers are told after commit."""
    require_capability(author, Capability.INFORMATION_PUBLISH)
    if topic not in Topic.values:
        raise DomainError(_("请选择主题"), code="topic")
    area = selectors.publishable_areas(actor=author).filter(code=area_code).first()
    if area is None or author.unit is None:
        raise DomainError(_("只能发布本单位服务区域内的信息"), code="area_scope")
    with transaction.atomic():
        publication = Publication.objects.create(
            title=_text(title, label=_("标题"), limit=TITLE_MAX),
            summary=_text(summary, label=_("摘要"), limit=SUMMARY_MAX, required=False),
            body=_text(body, label=_("正文"), limit=BODY_MAX),
            topic=topic,
            area=area,
            publisher=author.unit,
            author=author,
            effective_on=effective_on,
            published_at=timezone.now(),
        )
        transaction.on_commit(partial(_enqueue, publication.pk))
    return publication


def _enqueue(publication_id: int) -> None:
    current_app.tasks[NOTIFY_TASK].delay(publication_id)


def unsubscribe_token(subscription: Subscription) -> str:
    """A token that ends this one subscription, carried in every message it sends."""
    return signing.dumps(
        {"s": subscription.pk, "a": subscription.subscriber_id}, salt=UNSUBSCRIBE_SALT
    )


def unsubscribe_url(subscription: Subscription) -> str:
    path = reverse("participation:unsubscribe", args=[unsubscribe_token(subscription)])
    return f"{settings.CITYHALL_PUBLIC_URL}{path}"


def subscription_from_token(token: str) -> Subscription | None:
    """The subscription a message's unsubscribe link names (None once it is gone)."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature as exc:
        raise NotFoundError(_("退订链接无效")) from exc
    return (
        Subscription.objects.select_related("area")
        .filter(pk=data.get("s"), subscriber_id=data.get("a"))
        .first()
    )


def publication_notify(*, publication_id: int) -> int:
    """Tell every subscriber the publication reaches, once each (safe to run again)."""
    publication = Publication.objects.select_related("area", "publisher").get(pk=publication_id)
    link = reverse("participation:detail", args=[publication.pk])
    told: set[int] = set()
    for subscription in selectors.subscribers_of(publication=publication):
        if subscription.subscriber_id in told:  # two matching subscriptions: one message
            continue
        told.add(subscription.subscriber_id)
        channels = [Channel.EMAIL] * subscription.by_email + [Channel.SMS] * subscription.by_sms
        message_send(
            recipient=subscription.subscriber,
            template="publication_published",
            context={
                "publication": publication,
                "subscription": subscription,
                "unsubscribe_url": unsubscribe_url(subscription),
            },
            channels=channels,
            link=link,
            dedupe_key=f"publication:{publication.pk}",
        )
    Publication.objects.filter(pk=publication.pk).update(notified_count=len(told))
    return len(told)


def subscription_add(
    *,
    subscriber: Account,
    topic: str,
    area_code: str,
    by_email: bool = False,
    by_sms: bool = False,
) -> Subscription:
    """Subscribe to a topic ("" for all) for the city, a district or a street."""
    if not subscriber.is_citizen:
        raise DomainError(_("只有市民可以订阅"), code="forbidden")
    if topic and topic not in Topic.values:
        raise DomainError(_("请选择主题"), code="topic")
    area = selectors.subscribable_areas().filter(code=area_code).first()
    if area is None:
        raise DomainError(_("请选择全市、某个区或某个街道"), code="area")
    if by_email and not subscriber.email:
        raise DomainError(_("您的账户没有登记电子邮箱，无法通过邮件接收"), code="no_email")
    if by_sms and not subscriber.phone:
        raise DomainError(_("您的账户没有登记手机号码，无法通过短信接收"), code="no_phone")
    try:
        with transaction.atomic():
            return Subscription.objects.create(
                subscriber=subscriber, topic=topic, area=area, by_email=by_email, by_sms=by_sms
            )
    except IntegrityError as exc:
        raise DomainError(_("您已订阅过这一主题和区域"), code="duplicate") from exc


def subscription_remove(*, subscription: Subscription) -> None:
    subscription.delete()
