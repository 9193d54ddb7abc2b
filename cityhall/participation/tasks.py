"""Thin Celery tasks over participation services; safe to run twice."""

from celery import shared_task

from cityhall.participation import services
from cityhall.participation.mailbox import services as mailbox


@shared_task(name="cityhall.participation.tasks.publication_notify")
def publication_notify(publication_id: int, revision: int | None = None) -> int:
    return services.publication_notify(publication_id=publication_id, revision=revision)


@shared_task(name="cityhall.participation.tasks.letter_sweep")
def letter_sweep() -> dict[str, int]:
    """领导信箱: remind units of letters due soon, and them and supervisors of overdue ones."""
    return mailbox.letter_sweep().__dict__
