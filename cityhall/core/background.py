"""Embedded background mode: Celery beat in a thread of the web process, tasks run eagerly.

With CELERY_BROKER_URL unset (the default, `make run`), settings make every task eager, so a
`.delay()` runs in-process; this module adds the other half — periodic jobs still fire on their
own — by running Celery's own beat service in a daemon thread, using Celery's in-memory
scheduler. With a real broker, run `celery -A config worker` and `celery -A config beat` instead.
"""

from typing import Any

from celery.beat import EmbeddedService, Scheduler, _Threaded
from django.db import close_old_connections

from config.celery import app


class EmbeddedScheduler(Scheduler):
    """Celery's in-memory scheduler; due tasks run eagerly in the beat thread.

    Eager tasks skip the per-task connection refresh (they may run inside a caller's
    transaction), so the beat thread refreshes its own connection around each one.
    """

    def apply_entry(self, entry: Any, producer: Any = None) -> None:
        close_old_connections()
        try:
            super().apply_entry(entry, producer=producer)
        finally:
            close_old_connections()


def embedded_beat_start() -> _Threaded:
    """Start beat in a daemon thread and return it (call `.stop()` to end it)."""
    app.loader.import_default_modules()  # register every app's tasks before the first tick
    service = EmbeddedService(app, thread=True, scheduler_cls=EmbeddedScheduler)
    if not isinstance(service, _Threaded):  # Celery returns a process when threads are not asked
        raise RuntimeError("Celery did not return a threaded beat service")
    service.start()
    return service
