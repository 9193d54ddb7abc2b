"""The embedded mode fires periodic jobs on its own, with no broker (Celery beat in a thread)."""

import os
import threading
import time
import uuid
from datetime import timedelta

import celery
import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.utils import timezone

from cityhall.core.background import embedded_beat_start
from cityhall.identity.tests import factories as f
from cityhall.notify.models import Channel, Delivery, DeliveryStatus, Message, SmsOutbox
from config.celery import app

# Redis runs on every development and CI machine of this project (database 15 for tests).
REDIS_URL = os.environ.get("CITYHALL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_broker_mode_runs_tasks_on_a_worker_through_redis():
    """Production wiring: the same task travels through a real Redis broker to a worker."""
    # Not the current app: the tests after this one in the process must keep the product's.
    broker = Celery("cityhall-broker-check", set_as_current=False)
    broker.config_from_object("django.conf:settings", namespace="CELERY")
    queue = f"cityhall-test-{uuid.uuid4().hex}"
    broker.conf.update(
        broker_url=REDIS_URL,
        result_backend=REDIS_URL,
        task_always_eager=False,
        task_default_queue=queue,
    )
    resident = f.citizen(home=f.community("440105001"))
    message = Message.objects.create(
        recipient=resident, template="welcome", language="zh-hans", subject="s", body="b"
    )
    delivery = Delivery.objects.create(message=message, channel=Channel.SMS)
    try:
        with start_worker(broker, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            result = broker.tasks["cityhall.notify.tasks.delivery_send"].delay(delivery.pk)
            assert result.get(timeout=30) == DeliveryStatus.SENT
    finally:
        connection.close()
        # start_worker makes its app the current and default one of the process; give the
        # product's back, or later tests' tasks would travel to this test's Redis queue.
        app.set_current()
        app.set_default()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert SmsOutbox.objects.filter(phone=resident.phone).exists()


def test_every_thread_enqueues_through_the_products_app():
    """A thread that never chose a Celery app (a gthread worker's) still gets the product's."""
    seen = []
    current = celery.current_app._get_current_object  # type: ignore[attr-defined]
    thread = threading.Thread(target=lambda: seen.append(current()))
    thread.start()
    thread.join()
    assert seen == [app]
    assert seen[0].conf.task_always_eager  # the settings' embedded mode, not amqp://localhost
