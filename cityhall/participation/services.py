"""Writes for public information: publish (and tell subscribers), revise, subscribe, unsubscribe."""

from collections.abc import Collection, Sequence
from datetime import date
from functools import partial

from celery import current_app
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.core.audit import audit_record
from cityhall.core.errors import DomainError, NotFoundError
from cityhall.core.links import public_url
from cityhall.core.uploads import CheckedUpload, upload_check
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import require_capability
from cityhall.notify.models import Channel
from cityhall.notify.services import message_send
from cityhall.participation import selectors
from cityhall.participation.abuse import text_clean
from cityhall.participation.models import (
    Publication,
    PublicationAttachment,
    PublicationRevision,
    Subscription,
    Topic,
)

NOTIFY_TASK = "cityhall.participation.tasks.publication_notify"
UNSUBSCRIBE_SALT = "participation.unsubscribe"
TITLE_MAX, SUMMARY_MAX, BODY_MAX, REASON_MAX = 200, 300, 50_000, 300
ATTACHMENTS_MAX = 10


def _attachments_check(uploads: Sequence[UploadedFile], *, already: int = 0) -> list[CheckedUpload]:
    """Every upload checked before anything is written; a bad one refuses the whole publish."""
    if already + len(uploads) > ATTACHMENTS_MAX:
        raise DomainError(
            _("附件最多 %(n)d 个") % {"n": ATTACHMENTS_MAX}, code="too_many_attachments"
        )
    return [upload_check(upload, label=upload.name or _("附件")) for upload in uploads]


def _attach(
    publication: Publication,
    uploads: Sequence[UploadedFile],
    checked: list[CheckedUpload],
    number: int,
) -> None:
    for upload, check in zip(uploads, checked, strict=True):
        PublicationAttachment.objects.create(
            publication=publication,
            name=(upload.name or "")[-200:],
            file=upload,
            content_type=check.content_type,
            size=check.size,
            sha256=check.sha256,
            added_in=number,
        )


def _revision_keep(publication: Publication, *, reason: str = "") -> PublicationRevision:
    return PublicationRevision.objects.create(
        publication=publication,
        number=publication.revision,
        title=publication.title,
        summary=publication.summary,
        body=publication.body,
        effective_on=publication.effective_on,
        reason=reason,
        author=publication.author,
        published_at=publication.revised_at or publication.published_at,
    )


def publication_publish(
    *,
    author: Account,
    title: str,
    body: str,
    topic: str,
    area_code: str,
    summary: str = "",
    effective_on: date | None = None,
    attachments: Sequence[UploadedFile] = (),
) -> Publication:
    """Publish an item for an area the author's unit serves; subscribers are told after commit."""
    require_capability(author, Capability.INFORMATION_PUBLISH)
    if topic not in Topic.values:
        raise DomainError(_("请选择主题"), code="topic")
    area = selectors.publishable_areas(actor=author).filter(code=area_code).first()
    if area is None or author.unit is None:
        raise DomainError(_("只能发布本单位服务区域内的信息"), code="area_scope")
    title = text_clean(title, label=_("标题"), limit=TITLE_MAX)
    summary = text_clean(summary, label=_("摘要"), limit=SUMMARY_MAX, required=False)
    body = text_clean(body, label=_("正文"), limit=BODY_MAX)
    checked = _attachments_check(attachments)
    with transaction.atomic():
        publication = Publication.objects.create(
            title=title,
            summary=summary,
            body=body,
            topic=topic,
            area=area,
            publisher=author.unit,
            author=author,
            effective_on=effective_on,
            published_at=timezone.now(),
        )
        _revision_keep(publication)
        _attach(publication, attachments, checked, 1)
        transaction.on_commit(partial(_enqueue, publication.pk))
    return publication


def publication_revise(
    *,
    author: Account,
    publication: Publication,
    title: str,
    body: str,
    reason: str,
    summary: str = "",
    effective_on: date | None = None,
    attachments: Sequence[UploadedFile] = (),
    withdraw: Collection[int] = (),
    notify: bool = False,
) -> Publication:
    """A new text for a published item (the old one stays in its history, with the reason).

    Only the publishing unit revises its items. Subscribers are told again only if the
    publisher says the change matters to them (`notify`), with the reason; otherwise the item's
    page and feeds show that it was revised.
    """
    require_capability(author, Capability.INFORMATION_PUBLISH)
    if author.unit_id is None or publication.publisher_id != author.unit_id:
        raise NotFoundError(_("没有这条公开信息"))
    title = text_clean(title, label=_("标题"), limit=TITLE_MAX)
    summary = text_clean(summary, label=_("摘要"), limit=SUMMARY_MAX, required=False)
    body = text_clean(body, label=_("正文"), limit=BODY_MAX)
    reason = text_clean(reason, label=_("修订说明"), limit=REASON_MAX)
    current = publication.attachments.filter(withdrawn_in__isnull=True)
    unknown = set(withdraw) - set(current.values_list("pk", flat=True))
    if unknown:
        raise DomainError(_("要撤下的附件不属于这条信息"), code="attachment")
    checked = _attachments_check(attachments, already=current.count() - len(set(withdraw)))
    unchanged = (title, summary, body, effective_on) == (
        publication.title,
        publication.summary,
        publication.body,
        publication.effective_on,
    )
    if unchanged and not attachments and not withdraw:
        raise DomainError(_("内容没有变化，无需修订"), code="unchanged")
    with transaction.atomic():
        locked = Publication.objects.select_for_update().get(pk=publication.pk)
        number = locked.revision + 1
        locked.title, locked.summary, locked.body = title, summary, body
        locked.effective_on = effective_on
        locked.revision, locked.revised_at, locked.author = number, timezone.now(), author
        locked.save()
        _revision_keep(locked, reason=reason)
        current.filter(pk__in=withdraw).update(withdrawn_in=number)
        _attach(locked, attachments, checked, number)
        audit_record(
            event="publication.revised",
            actor=author,
            subject_type="participation.Publication",
            subject_id=locked.pk,
            detail={"revision": number, "reason": reason, "notify": notify},
        )
        if notify:
            transaction.on_commit(partial(_enqueue, locked.pk, number))
    return locked


def _enqueue(publication_id: int, revision: int | None = None) -> None:
    current_app.tasks[NOTIFY_TASK].delay(publication_id, revision)


def unsubscribe_token(subscription: Subscription) -> str:
    """A token that ends this one subscription, carried in every message it sends."""
    return signing.dumps(
        {"s": subscription.pk, "a": subscription.subscriber_id}, salt=UNSUBSCRIBE_SALT
    )


def unsubscribe_url(subscription: Subscription) -> str:
    path = reverse("participation:unsubscribe", args=[unsubscribe_token(subscription)])
    return public_url(path)


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


def publication_notify(*, publication_id: int, revision: int | None = None) -> int:
    """Tell every subscriber the publication (or one revision of it) reaches, once each.

    Safe to run again: each message is deduplicated per item and revision.
    """
    publication = Publication.objects.select_related("area", "publisher").get(pk=publication_id)
    link = reverse("participation:detail", args=[publication.pk])
    revised = None
    if revision is not None:
        revised = publication.revisions.get(number=revision)
        link = reverse("participation:revision", args=[publication.pk, revision])
    told: set[int] = set()
    for subscription in selectors.subscribers_of(publication=publication):
        if subscription.subscriber_id in told:  # two matching subscriptions: one message
            continue
        told.add(subscription.subscriber_id)
        channels = [Channel.EMAIL] * subscription.by_email + [Channel.SMS] * subscription.by_sms
        message_send(
            recipient=subscription.subscriber,
            template="publication_revised" if revised else "publication_published",
            context={
                "publication": publication,
                "revision": revised,
                "subscription": subscription,
                "unsubscribe_url": unsubscribe_url(subscription),
            },
            channels=channels,
            link=link,
            dedupe_key=f"publication:{publication.pk}"
            + (f":r{revision}" if revision is not None else ""),
        )
    if revision is None:
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
