"""Send a message to an account: in-app inbox always, email and SMS after the commit."""

from collections.abc import Iterable
from datetime import timedelta
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cityhall.identity.models import Account
from cityhall.notify.models import Channel, Delivery, DeliveryStatus, Message
from cityhall.notify.sms import sms_backend

MAX_ATTEMPTS = 5
DELIVERY_TASK = "cityhall.notify.tasks.delivery_send"


def _render(template: str, context: dict[str, Any], language: str) -> tuple[str, str]:
    # Each template renders both parts from one file so a translation never mixes languages.
    with translation.override(language):
        subject = render_to_string(f"notify/{template}.subject.txt", context).strip()
        body = render_to_string(f"notify/{template}.body.txt", context).strip()
    return subject, body


def message_send(
    *,
    recipient: Account,
    template: str,
    context: dict[str, Any] | None = None,
    channels: Iterable[str] = (),
    link: str = "",
    dedupe_key: str = "",
) -> Message | None:
    """Put a message in the recipient's inbox and queue email/SMS deliveries for after commit.

    With a dedupe key, a message already sent under that key is not sent again (returns None).
    """
    context = {"recipient": recipient, **(context or {})}
    subject, body = _render(template, context, recipient.language)
    try:
        with transaction.atomic():
            message = Message.objects.create(
                recipient=recipient,
                template=template,
                language=recipient.language,
                subject=subject[:200],
                body=body,
                link=link,
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        if (
            dedupe_key
            and Message.objects.filter(recipient=recipient, dedupe_key=dedupe_key).exists()
        ):
            return None
        raise
    outside = [c for c in dict.fromkeys(channels) if c in (Channel.EMAIL, Channel.SMS)]
    deliveries = [Delivery.objects.create(message=message, channel=c) for c in outside]
    for delivery in deliveries:
        # After commit: a worker must find the committed row, and a rollback sends nothing.
        transaction.on_commit(partial(_enqueue, delivery.pk))
    return message


def _enqueue(delivery_id: int) -> None:
    # By name through Celery's registry: the task module imports this one, not the reverse.
    current_app.tasks[DELIVERY_TASK].delay(delivery_id)


def delivery_attempt(*, delivery_id: int) -> Delivery:
    """Try one delivery once; idempotent (a sent delivery is never sent again)."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("message__recipient")
            .get(pk=delivery_id)
        )
        if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.SKIPPED):
            return delivery
        message = delivery.message
        recipient = message.recipient
        address = recipient.email if delivery.channel == Channel.EMAIL else recipient.phone
        if not address:
            delivery.status = DeliveryStatus.SKIPPED
            delivery.save(update_fields=["status", "updated_at"])
            return delivery
        delivery.attempts += 1
        try:
            if delivery.channel == Channel.EMAIL:
                send_mail(
                    message.subject,
                    message.body,
                    settings.DEFAULT_FROM_EMAIL,
                    [address],
                    fail_silently=False,
                )
            else:
                sms_backend().send(phone=address, text=f"【{message.subject}】{message.body}")
        except Exception as exc:
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:300]
        else:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
        delivery.save(update_fields=["status", "attempts", "sent_at", "last_error", "updated_at"])
    return delivery


def deliveries_due() -> list[int]:
    """Deliveries the retry sweep should try again: failed or stuck pending, attempts left."""
    stale = timezone.now() - timedelta(minutes=2)
    return list(
        Delivery.objects.filter(
            status__in=[DeliveryStatus.FAILED, DeliveryStatus.PENDING],
            attempts__lt=MAX_ATTEMPTS,
            updated_at__lt=stale,
        ).values_list("pk", flat=True)[:500]
    )


def message_mark_read(*, message: Message) -> None:
    if message.read_at is None:
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=timezone.now())
