"""Ticket intake from every channel: one `ticket_create` that classifies, locates, routes and
dispatches the first hop."""

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.core.errors import DomainError
from cityhall.hotline.classification import suggest
from cityhall.hotline.models import (
    Category,
    Channel,
    HandlerLevel,
    Kind,
    PhotoPhase,
    Status,
    Ticket,
    Urgency,
)
from cityhall.hotline.services import reference
from cityhall.hotline.services.notices import reporter_tell
from cityhall.hotline.services.places import (
    Place,
    city_centre,
    district_centre,
    is_centre,
    next_hop,
    place_resolve,
    route_unit,
)
from cityhall.hotline.services.rules import (
    deadline_for,
    photos_check,
    photos_discard,
    photos_save,
    tracking_number_make,
)
from cityhall.hotline.transitions import intake_events_record
from cityhall.identity.models import Account, AccountKind, OrgUnit
from cityhall.identity.selectors import phone_index

TEXT_MIN, TEXT_MAX = 5, 2000
PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")


@dataclass(frozen=True)
class TicketDraft:
    """What a channel hands to `ticket_create`; empty category or kind = take the suggestion."""

    description: str
    channel: str
    category_code: str = ""
    kind: str = ""
    address: str = ""
    lat: float | None = None
    lng: float | None = None
    reporter: Account | None = None
    reporter_name: str = ""
    reporter_phone: str = ""
    anonymous: bool = False
    urgency: str = Urgency.NORMAL
    photos: Sequence[UploadedFile] = ()
    received_by: Account | None = None  # the operator or inspector who took it in
    dispatch: bool = True  # send it the first hop along its route at once
    open311_token: bool = False


def _category(code: str) -> Category:
    category = reference.category_by_code(code.strip().upper())
    if category is None:
        raise DomainError(
            _("未知的诉求分类：%(code)s") % {"code": code[:16]}, code="unknown_category"
        )
    return category


def _text_check(text: str) -> str:
    text = text.strip()
    if len(text) < TEXT_MIN:
        raise DomainError(
            _("请描述您反映的问题（至少 %(n)s 个字）") % {"n": TEXT_MIN}, code="text_too_short"
        )
    if len(text) > TEXT_MAX:
        raise DomainError(_("诉求内容不能超过 %(n)s 个字") % {"n": TEXT_MAX}, code="text_too_long")
    return text


def phone_clean(phone: str) -> str:
    phone = re.sub(r"[\s()]", "", phone or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if phone and not PHONE.match(phone):
        raise DomainError(_("联系电话格式不正确"), code="invalid_phone")
    return phone


def known_citizen(phone: str) -> Account | None:
    """The citizen whose real-name account has this number, when exactly one has: a caller the
    city knows is linked, so the ticket shows on their page and they hear back there."""
    found = list(
        Account.objects.filter(
            kind=AccountKind.CITIZEN, is_active=True, phone_index=phone_index(phone)
        )[:2]
    )
    return found[0] if len(found) == 1 else None


def _receiving_centre(draft: TicketDraft, place: Place) -> OrgUnit:
    """The operator's own centre; a patrol report goes to its district's centre (the problem
    is local and known); every other channel lands at the city centre, as 12345 calls do."""
    unit = draft.received_by.unit if draft.received_by else None
    if unit is not None and is_centre(unit):
        return unit
    if draft.channel == Channel.PATROL and place.district_id is not None:
        return district_centre(place.district_id) or city_centre()
    return city_centre()


def ticket_create(*, draft: TicketDraft) -> Ticket:
    """Take a ticket in: check it, classify, locate, route, dispatch the first hop, tell the
    reporter. Nothing is written unless all of it succeeds."""
    text = _text_check(draft.description)
    if draft.channel not in Channel.values:
        raise DomainError(_("未知的受理渠道"), code="unknown_channel")
    if draft.kind and draft.kind not in Kind.values:
        raise DomainError(_("未知的诉求类型"), code="unknown_kind")
    if draft.urgency not in Urgency.values:
        raise DomainError(_("未知的紧急程度"), code="unknown_urgency")
    suggestions = suggest(text)
    if draft.category_code:
        category = _category(draft.category_code)
    elif suggestions:
        category = _category(suggestions[0].category)
    else:
        raise DomainError(_("无法判断诉求分类，请选择分类"), code="category_required")
    kind = draft.kind or (suggestions[0].kind if suggestions else Kind.COMPLAINT)
    reporter = draft.reporter
    if reporter is not None and (draft.anonymous or reporter.kind != AccountKind.CITIZEN):
        reporter = None
    phone = phone_clean(draft.reporter_phone or (reporter.phone if reporter else ""))
    if reporter is None and phone and not draft.anonymous:
        reporter = known_citizen(phone)
    name = (draft.reporter_name or (reporter.real_name if reporter else "")).strip()[:64]
    if draft.anonymous:
        name = ""
    place = place_resolve(lat=draft.lat, lng=draft.lng, address=draft.address)
    if (
        place.district_id is None
        and place.lat is None
        and not place.address
        and category.handler_level != HandlerLevel.HOTLINE
        and draft.channel not in (Channel.PHONE, Channel.SMS)
    ):
        raise DomainError(_("请提供问题发生的位置（地图选点或地址）"), code="location_required")
    photo_rows = photos_check(draft.photos)
    centre = _receiving_centre(draft, place)
    routed = route_unit(category=category, place=place)
    now = timezone.now()
    # The first hop is decided before the row is written, so the ticket is inserted once in its
    # final state (intake runs by the hundred per second; a second full-row write would cost).
    hop = next_hop(centre=centre, routed=routed, district_id=place.district_id)
    if not draft.dispatch:
        hop = None
    try:
        with transaction.atomic():
            ticket = Ticket.objects.create(
                kind=kind,
                category=category,
                suggested_category=suggestions[0].category if suggestions else "",
                description=text,
                address=place.address,
                lat=place.lat,
                lng=place.lng,
                grid_code=place.grid_code,
                community_id=place.community_id,
                street_id=place.street_id,
                district_id=place.district_id,
                reporter=reporter,
                anonymous=draft.anonymous,
                reporter_name=name,
                reporter_phone=phone,
                reporter_phone_index=phone_index(phone) if phone else "",
                channel=draft.channel,
                urgency=draft.urgency,
                status=Status.DISPATCHED if hop else Status.RECEIVED,
                holder=hop or centre,
                dispatched_by_unit=centre if hop else None,
                dispatched_at=now if hop else None,
                routed_unit=routed,
                received_by=draft.received_by,
                received_at=now,
                deadline=deadline_for(category=category, urgency=draft.urgency, start=now),
                open311_token=secrets.token_hex(16) if draft.open311_token else None,
                survey_token=secrets.token_urlsafe(18),
            )
            ticket.tracking_number = tracking_number_make(pk=ticket.pk, at=now)
            Ticket.objects.filter(pk=ticket.pk).update(tracking_number=ticket.tracking_number)
            intake_events_record(
                ticket=ticket,
                actor=draft.received_by,
                centre=centre,
                hop=hop,
                note=str(Channel(draft.channel).label),
            )
            if photo_rows:
                photos_save(
                    ticket=ticket,
                    rows=photo_rows,
                    uploads=draft.photos,
                    phase=PhotoPhase.REPORT,
                    by=draft.received_by,
                )
            reporter_tell(ticket=ticket, template="hotline_received")
    except Exception:
        photos_discard(photo_rows)
        raise
    return ticket
