"""Thin Celery tasks over participation services; safe to run twice."""

from celery import shared_task

from cityhall.participation import services


@shared_task(name="cityhall.participation.tasks.publication_notify")
def publication_notify(publication_id: int) -> int:
    return services.publication_notify(publication_id=publication_id)
