"""Telling reporters and units what happened to a ticket.

A reporter with an account gets an inbox message (and SMS); a caller known only by a phone
number gets the same text by SMS, sent after the commit so a rollback sends nothing.
"""

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from cityhall.hotline.models import Ticket
from cityhall.identity.models import Account, AccountKind, OrgUnit
from cityhall.identity.roles import Role
from cityhall.notify.models import Channel
from cityhall.notify.services import message_send
from cityhall.notify.sms import sms_backend


def _sms_send(phone: str, text: str) -> None:
    sms_backend().send(phone=phone, text=text)


def reporter_tell(*, ticket: Ticket, template: str, context: dict[str, Any] | None = None) -> None:
    """Tell the reporter of this ticket, by whichever way they can be reached."""
    context = {"ticket": ticket, "status": ticket.get_status_display(), **(context or {})}
    link = reverse("hotline:track", args=[ticket.tracking_number])
    reporter = ticket.reporter
    if reporter is not None:
        message_send(
            recipient=reporter,
            template=template,
            context=context,
            channels=[Channel.SMS] if reporter.phone else [],
            link=link,
        )
    elif ticket.reporter_phone:
        with translation.override("zh-hans"):
            subject = render_to_string(f"notify/{template}.subject.txt", context).strip()
            body = render_to_string(f"notify/{template}.body.txt", context).strip()
        transaction.on_commit(partial(_sms_send, ticket.reporter_phone, f"【{subject}】{body}"))


def unit_people(unit: OrgUnit, *, supervisors: bool = False) -> list[Account]:
    """Who at a unit acts on its tickets (dispatchers at a centre, handling officers elsewhere),
    and with `supervisors` the supervisors whose area covers the unit."""
    code = unit.division.code
    scopes = {code[:4] + "00", code[:6], code[:9], code}
    people = Q(unit=unit, roles__role__in=[Role.DISPATCHER, Role.HANDLING_OFFICER])
    if supervisors:
        people |= Q(roles__role=Role.SUPERVISOR, unit__division__code__in=scopes)
    return list(
        Account.objects.filter(kind=AccountKind.STAFF, is_active=True).filter(people).distinct()
    )


def unit_tell(
    *,
    ticket: Ticket,
    unit: OrgUnit,
    template: str,
    dedupe_key: str,
    context: dict[str, Any] | None = None,
    supervisors: bool = False,
) -> int:
    """Tell a unit's people (and, if asked, their supervisors); returns how many were told."""
    link = reverse("hotline:staff_detail", args=[ticket.tracking_number])
    told = 0
    for person in unit_people(unit, supervisors=supervisors):
        sent = message_send(
            recipient=person,
            template=template,
            context={"ticket": ticket, "unit": unit, **(context or {})},
            link=link,
            dedupe_key=dedupe_key,
        )
        told += sent is not None
    return told
