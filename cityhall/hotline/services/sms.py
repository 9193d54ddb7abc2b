"""The SMS channel: an inbound message becomes a ticket and the sender gets its number back."""

from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.core.errors import DomainError
from cityhall.geo.selectors import division_from_address
from cityhall.hotline.models import Channel, InboundSms
from cityhall.hotline.services.intake import TicketDraft, phone_clean, ticket_create
from cityhall.notify.sms import sms_backend

REPLY_PREFIX = "【12345】"


def _reply(phone: str, text: str) -> None:
    sms_backend().send(phone=phone, text=REPLY_PREFIX + text)


def _place_name(text: str) -> str:
    division = division_from_address(text)
    names = []
    while division is not None and division.level != "city":
        names.append(division.name)
        division = division.parent
    return "".join(reversed(names))


def sms_receive(*, provider_id: str, phone: str, text: str) -> InboundSms:
    """Record the message once (the provider's id makes a retried webhook harmless), take it in
    as a ticket, and answer with the tracking number, or with what is missing."""
    provider_id = provider_id.strip()[:64]
    if not provider_id:
        raise DomainError(_("缺少短信编号"), code="missing_id")
    phone = phone_clean(phone)
    if not phone:
        raise DomainError(_("缺少发送号码"), code="missing_phone")
    existing = InboundSms.objects.filter(provider_id=provider_id).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            inbound = InboundSms.objects.create(
                provider_id=provider_id, phone=phone, text=text[:2000], received_at=timezone.now()
            )
            try:
                with transaction.atomic():
                    ticket = ticket_create(
                        draft=TicketDraft(
                            description=text,
                            channel=Channel.SMS,
                            address=_place_name(text),
                            reporter_phone=phone,
                        )
                    )
            except DomainError as error:
                inbound.error = error.message[:200]
                inbound.save(update_fields=["error"])
                transaction.on_commit(
                    partial(_reply, phone, _("未能受理：%(why)s") % {"why": error.message})
                )
            else:
                inbound.ticket = ticket
                inbound.save(update_fields=["ticket"])
                # The reporter's own acknowledgement (with the number) goes out with the ticket.
    except IntegrityError:
        # The same message delivered twice at once: the other request recorded it.
        return InboundSms.objects.get(provider_id=provider_id)
    return inbound
