"""Thin Celery tasks over notify services; all of them are safe to run twice."""

from celery import shared_task

from cityhall.notify import services


@shared_task(name="cityhall.notify.tasks.delivery_send")
def delivery_send(delivery_id: int) -> str:
    return str(services.delivery_attempt(delivery_id=delivery_id).status)


@shared_task(name="cityhall.notify.tasks.deliveries_retry")
def deliveries_retry() -> int:
    """Periodic sweep: retry failed or stuck deliveries that have attempts left."""
    due = services.deliveries_due()
    for delivery_id in due:
        services.delivery_attempt(delivery_id=delivery_id)
    return len(due)
