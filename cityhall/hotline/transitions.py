"""The one place that lists how a ticket's status may change, and records each change."""

from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.core.errors import DomainError
from cityhall.hotline.models import Status, Ticket, TicketEvent
from cityhall.identity.models import Account, OrgUnit

S = Status

ALLOWED: dict[str, frozenset[str]] = {
    # 受理: dispatched down a level, answered by the hotline itself, or merged into a master.
    S.RECEIVED: frozenset({S.DISPATCHED, S.RESOLVED, S.MERGED}),
    # 派单: a centre re-dispatches further down; a handling unit signs for it or returns it.
    S.DISPATCHED: frozenset({S.DISPATCHED, S.ACCEPTED, S.RETURNED, S.MERGED}),
    S.ACCEPTED: frozenset({S.IN_PROGRESS, S.RESOLVED, S.RETURNED}),
    S.IN_PROGRESS: frozenset({S.RESOLVED}),
    # 退单 goes back to the centre that dispatched it, which must route it again.
    S.RETURNED: frozenset({S.DISPATCHED, S.RESOLVED, S.MERGED}),
    S.RESOLVED: frozenset({S.CALLED_BACK, S.CLOSED}),
    # 回访: satisfied → archived; dissatisfied the first time → 重办.
    S.CALLED_BACK: frozenset({S.CLOSED, S.REOPENED}),
    S.REOPENED: frozenset({S.IN_PROGRESS, S.RESOLVED}),
    S.CLOSED: frozenset(),
    S.MERGED: frozenset(),
}


def _event(
    ticket: Ticket,
    *,
    action: str,
    actor: Account | None,
    unit: OrgUnit | None,
    note: str,
    public: bool,
    from_status: str,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        at=timezone.now(),
        actor=actor,
        unit=unit,
        action=action,
        from_status=from_status,
        to_status=ticket.status,
        note=note,
        public=public,
    )


def event_record(
    *,
    ticket: Ticket,
    action: str,
    actor: Account | None,
    unit: OrgUnit | None = None,
    note: str = "",
    public: bool = True,
) -> TicketEvent:
    """An event that does not change the status (a reminder, a photo, an extension request)."""
    return _event(
        ticket,
        action=action,
        actor=actor,
        unit=unit,
        note=note,
        public=public,
        from_status=ticket.status,
    )


def transition_check(*, ticket: Ticket, to: str) -> None:
    """Refuse a status change the lifecycle does not allow, with the two states named."""
    if to not in ALLOWED.get(ticket.status, frozenset()):
        raise DomainError(
            _("工单当前状态为“%(current)s”，不能变为“%(to)s”")
            % {"current": Status(ticket.status).label, "to": Status(to).label},
            code="transition_not_allowed",
        )


def transition(
    *,
    ticket: Ticket,
    to: str,
    action: str,
    actor: Account | None,
    unit: OrgUnit | None = None,
    note: str = "",
    public: bool = True,
) -> TicketEvent:
    """Move the (row-locked) ticket to `to` and record who, when, why; the caller saves it."""
    transition_check(ticket=ticket, to=to)
    current = ticket.status
    ticket.status = to
    return _event(
        ticket,
        action=action,
        actor=actor,
        unit=unit,
        note=note,
        public=public,
        from_status=current,
    )


def intake_events_record(
    *, ticket: Ticket, actor: Account | None, centre: OrgUnit, hop: OrgUnit | None, note: str
) -> None:
    """The events of a ticket taken in (受理) and, when intake sent it on, its first dispatch
    (派单): written together, with the same checks as any other change."""
    received = TicketEvent(
        ticket=ticket,
        at=ticket.received_at,
        actor=actor,
        unit=centre,
        action="receive",
        from_status=Status.RECEIVED,
        to_status=Status.RECEIVED,
        note=note,
    )
    events = [received]
    if hop is not None:
        if Status.DISPATCHED not in ALLOWED[Status.RECEIVED]:
            raise DomainError(_("受理后不能直接派单"), code="transition_not_allowed")
        events.append(
            TicketEvent(
                ticket=ticket,
                at=ticket.received_at,
                actor=actor,
                unit=hop,
                action="dispatch",
                from_status=Status.RECEIVED,
                to_status=Status.DISPATCHED,
            )
        )
    TicketEvent.objects.bulk_create(events)
