"""The one Celery application of the product (workers, beat, and the embedded mode)."""

import os

from celery import Celery, Task
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("cityhall")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Celery's "current app" is per thread; a thread that never set one (a gthread worker's, the
# test live server's) falls back to the default app. Without this it would get an unconfigured
# app whose broker is amqp://localhost, and services enqueueing by name (`current_app.tasks[…]`)
# would send their tasks there.
app.set_default()


@task_prerun.connect
@task_postrun.connect
def _release_stale_connections(task: Task | None = None, **_kwargs: object) -> None:
    # Workers and the embedded beat thread run many tasks on one thread: give each a healthy
    # connection. An eager task runs inside its caller (perhaps mid-transaction): leave it alone.
    if task is not None and task.request.is_eager:
        return
    close_old_connections()
