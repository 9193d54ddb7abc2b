"""The one Celery application of the product (workers, beat, and the embedded mode)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("cityhall")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _release_stale_connections(**_kwargs: object) -> None:
    # Beat runs tasks in its own thread in embedded mode; give each task a healthy connection.
    close_old_connections()
