from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cityhall.identity.tests import factories as f
from cityhall.notify import services
from cityhall.notify.models import Channel, Delivery, DeliveryStatus, Message, SmsOutbox
from cityhall.notify.tasks import deliveries_retry

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident():
    account = f.citizen(home=f.community("440105001"))
    account.email = "resident@example.cn"
    account.save()
    return account


def test_inbox_message_and_deliveries_after_commit(resident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = services.message_send(
            recipient=resident, template="welcome", channels=[Channel.EMAIL, Channel.SMS]
        )
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 2
    assert message is not None
    assert "欢迎使用" in message.subject
    assert resident.real_name in message.body
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["resident@example.cn"]
    sms = SmsOutbox.objects.get()
    assert sms.phone == "13800138000" and resident.real_name in sms.text
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_rolled_back_send_leaves_nothing(resident, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.message_send(recipient=resident, template="welcome", channels=[Channel.EMAIL])
        raise RuntimeError
    assert Message.objects.count() == 0
    assert mail.outbox == []


def test_english_recipient_gets_english_text(resident):
    resident.language = "en"
    resident.save()
    message = services.message_send(recipient=resident, template="welcome")
    assert message is not None
    assert message.subject == "Welcome to Guangzhou Citizen Services"
    assert message.language == "en"


def test_dedupe_key_sends_once(resident):
    first = services.message_send(recipient=resident, template="welcome", dedupe_key="welcome")
    second = services.message_send(recipient=resident, template="welcome", dedupe_key="welcome")
    assert first is not None and second is None
    assert Message.objects.count() == 1


def test_delivery_is_idempotent(resident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(recipient=resident, template="welcome", channels=[Channel.EMAIL])
    delivery = Delivery.objects.get()
    services.delivery_attempt(delivery_id=delivery.pk)
    assert len(mail.outbox) == 1


def test_missing_address_is_skipped(django_capture_on_commit_callbacks):
    account = f.citizen(home=f.community("440105001"))
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(recipient=account, template="welcome", channels=[Channel.EMAIL])
    assert Delivery.objects.get().status == DeliveryStatus.SKIPPED


def test_failed_delivery_is_retried_by_the_sweep(
    resident, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_SMS_BACKEND = "cityhall.notify.tests.test_notify.BrokenGateway"
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(recipient=resident, template="welcome", channels=[Channel.SMS])
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and "gateway down" in delivery.last_error
    settings.NOTIFY_SMS_BACKEND = "cityhall.notify.sms.OutboxSmsBackend"
    Delivery.objects.filter(pk=delivery.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    assert deliveries_retry() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)


class BrokenGateway:
    def send(self, *, phone: str, text: str) -> None:
        raise ConnectionError("gateway down")


def test_inbox_is_private(client, resident):
    other = f.citizen(home=f.community("440105001"), name="别人")
    mine = services.message_send(recipient=resident, template="welcome")
    theirs = services.message_send(recipient=other, template="welcome")
    assert mine is not None and theirs is not None
    f.signed_in(client, resident)
    listing = client.get("/api/v1/notify/inbox").json()
    assert [m["id"] for m in listing["items"]] == [mine.pk]
    assert client.post(f"/api/v1/notify/inbox/{theirs.pk}/read").status_code == 404
    assert client.get(reverse("notify:message", args=[theirs.pk])).status_code == 404
    page = client.get(reverse("notify:message", args=[mine.pk]))
    assert page.status_code == 200
    mine.refresh_from_db()
    assert mine.read_at is not None
    theirs.refresh_from_db()
    assert theirs.read_at is None
