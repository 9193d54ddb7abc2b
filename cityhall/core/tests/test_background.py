"""The embedded mode fires periodic jobs on its own, with no broker (Celery beat in a thread)."""

from datetime import timedelta
import time

import pytest
from django.db import connection
from django.utils import timezone

from cityhall.core.background import embedded_beat_start
from cityhall.identity.tests import factories as f
from cityhall.notify.models import Channel, Delivery, DeliveryStatus, Message
from config.celery import app


@pytest.mark.django_db(transaction=True)
def test_periodic_job_fires_in_embedded_mode(settings):
    assert settings.CELERY_BROKER_URL == "memory://" and app.conf.task_always_eager
    resident = f.citizen(home=f.community("440105001"))
    message = Message.objects.create(
        recipient=resident, template="welcome", language="zh-hans", subject="s", body="b"
    )
    delivery = Delivery.objects.create(
        message=message, channel=Channel.SMS, status=DeliveryStatus.FAILED, attempts=1
    )
    Delivery.objects.filter(pk=delivery.pk).update(
        updated_at=timezone.now() - timedelta(minutes=10)
    )
    schedule = app.conf.beat_schedule
    app.conf.beat_schedule = {
        "retry": {"task": "cityhall.notify.tasks.deliveries_retry", "schedule": 0.2}
    }
    beat = embedded_beat_start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            delivery.refresh_from_db()
            if delivery.status == DeliveryStatus.SENT:
                break
            time.sleep(0.2)
    finally:
        beat.stop()
        app.conf.beat_schedule = schedule
        connection.close()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2
