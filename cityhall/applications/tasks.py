"""Thin Celery tasks over the services (the periodic e-supervision sweep)."""

from celery import shared_task

from cityhall.applications.services.supervision import supervision_sweep


@shared_task(name="cityhall.applications.tasks.supervision_sweep")
def supervision_sweep_task() -> dict[str, int]:
    counts = supervision_sweep()
    return counts.__dict__
