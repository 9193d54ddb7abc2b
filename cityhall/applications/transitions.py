"""The one place that lists how an application's status may change, and records each change."""

from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.applications.models import Application, Event, Status
from cityhall.core.errors import DomainError
from cityhall.identity.models import Account

ALLOWED: dict[str, frozenset[str]] = {
    # Acceptance (受理): on to review, refused, back for supplements, or decided on the spot.
    Status.SUBMITTED: frozenset(
        {
            Status.IN_REVIEW,
            Status.NOT_ACCEPTED,
            Status.SUPPLEMENT,
            Status.APPROVED,
            Status.REJECTED,
            Status.WITHDRAWN,
        }
    ),
    Status.IN_REVIEW: frozenset(
        {Status.SUPPLEMENT, Status.APPROVED, Status.REJECTED, Status.WITHDRAWN}
    ),
    # 补正 pauses the clock; supplying the materials returns the case to where it was.
    Status.SUPPLEMENT: frozenset({Status.SUBMITTED, Status.IN_REVIEW, Status.WITHDRAWN}),
    Status.APPROVED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.NOT_ACCEPTED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}


def event_record(
    *, application: Application, action: str, actor: Account | None, note: str = ""
) -> Event:
    """An event that does not change the status (a claim, an upload, a warning)."""
    return Event.objects.create(
        application=application,
        at=timezone.now(),
        actor=actor,
        action=action,
        from_status=application.status,
        to_status=application.status,
        note=note,
    )


def transition(
    *, application: Application, to: str, action: str, actor: Account | None, note: str = ""
) -> Application:
    """Move the (row-locked) application to `to`, or refuse with a clear message."""
    current = application.status
    if to not in ALLOWED.get(current, frozenset()):
        raise DomainError(
            _("办件当前状态为“%(current)s”，不能变为“%(to)s”")
            % {"current": Status(current).label, "to": Status(to).label},
            code="transition_not_allowed",
        )
    application.status = to
    Event.objects.create(
        application=application,
        at=timezone.now(),
        actor=actor,
        action=action,
        from_status=current,
        to_status=to,
        note=note,
    )
    return application
