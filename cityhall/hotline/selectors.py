"""Reads of the hotline: each unit's queue, what a staff member may see, duplicates, callers.

Scope: a unit sees the tickets it holds; a hotline centre or a supervisor sees every ticket of
its area (the city centre all of them); a grid inspector the tickets assigned to them. Outside
that a ticket does not exist for the reader (404, never 403 with a hint).
"""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.core.errors import NotFoundError, PermissionDeniedError
from cityhall.geo.selectors import scope_prefix
from cityhall.hotline.models import (
    OPEN_STATUSES,
    ExtensionRequest,
    ExtensionStatus,
    Status,
    Ticket,
)
from cityhall.hotline.services.places import is_centre
from cityhall.identity.models import Account, AccountKind, UnitLevel
from cityhall.identity.roles import Role
from cityhall.identity.selectors import account_roles, phone_index

HOTLINE_ROLES = frozenset({Role.HOTLINE_OPERATOR, Role.DISPATCHER})
EARTH_RADIUS_M = 6_371_000.0


def _staff(actor: Account) -> None:
    if actor.kind != AccountKind.STAFF or actor.unit is None:
        raise PermissionDeniedError(_("仅限工作人员"))


def _related(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return qs.select_related("category", "holder", "district", "street", "inspector")


def ticket_scope(*, actor: Account) -> QuerySet[Ticket]:
    """Every ticket this staff member may open."""
    unit = actor.unit
    if actor.kind != AccountKind.STAFF or unit is None:
        raise PermissionDeniedError(_("仅限工作人员"))
    roles = account_roles(actor)
    visible = Q(holder=unit) | Q(events__unit=unit)
    if Role.GRID_INSPECTOR in roles:
        visible |= Q(inspector=actor)
    area_wide = (is_centre(unit) and roles & HOTLINE_ROLES) or Role.SUPERVISOR in roles
    if area_wide:
        if unit.level == UnitLevel.CITY:
            return _related(Ticket.objects.all())
        prefix = scope_prefix(unit.division)
        visible |= Q(district__code__startswith=prefix[:6]) if len(prefix) >= 6 else Q()
    ids = Ticket.objects.filter(visible).values("pk")
    return _related(Ticket.objects.filter(pk__in=ids))


def ticket_get_for_staff(*, actor: Account, number: str) -> Ticket:
    ticket = ticket_scope(actor=actor).filter(tracking_number=number).first()
    if ticket is None:
        raise NotFoundError(_("未找到该工单"))
    return ticket


def ticket_queue(*, actor: Account) -> QuerySet[Ticket]:
    """The tickets waiting for the actor's unit (or, for an inspector, for them), oldest deadline
    first."""
    _staff(actor)
    roles = account_roles(actor)
    mine = Q(holder=actor.unit)
    if Role.GRID_INSPECTOR in roles and not roles & {Role.HANDLING_OFFICER, Role.DISPATCHER}:
        mine = Q(inspector=actor)
    return _related(Ticket.objects.filter(mine, status__in=OPEN_STATUSES)).order_by(
        "deadline", "id"
    )


def tickets_to_close(*, actor: Account) -> QuerySet[Ticket]:
    """Resolved tickets awaiting a callback, and called-back ones awaiting archiving, of the
    tickets this centre took in or dispatched."""
    _staff(actor)
    if actor.unit is None or not is_centre(actor.unit) or not account_roles(actor) & HOTLINE_ROLES:
        return Ticket.objects.none()
    return (
        ticket_scope(actor=actor)
        .filter(status__in=[Status.RESOLVED, Status.CALLED_BACK])
        .filter(Q(events__unit=actor.unit, events__action="receive") | Q(holder=actor.unit))
        .distinct()
        .order_by("resolved_at", "id")
    )


def extensions_pending(*, actor: Account) -> QuerySet[ExtensionRequest]:
    """Extension requests the actor's centre must decide."""
    _staff(actor)
    return ExtensionRequest.objects.filter(
        status=ExtensionStatus.PENDING, ticket__dispatched_by_unit=actor.unit
    ).select_related("ticket__category", "unit", "requested_by")


def tickets_of_caller(*, actor: Account, phone: str, limit: int = 10) -> list[Ticket]:
    """The previous tickets of a caller, found by phone number (the number is never stored in
    clear, so the lookup goes through its blind index)."""
    _staff(actor)
    if not account_roles(actor) & HOTLINE_ROLES:
        raise PermissionDeniedError(_("您的岗位无权执行此操作"))
    digits = phone.strip()
    if not digits:
        return []
    return list(
        _related(Ticket.objects.filter(reporter_phone_index=phone_index(digits))).order_by(
            "-received_at"
        )[:limit]
    )


def tickets_of_citizen(*, citizen: Account) -> QuerySet[Ticket]:
    """A citizen's own tickets (reported while signed in)."""
    return _related(Ticket.objects.filter(reporter=citizen)).order_by("-received_at")


def tickets_awaiting_callback(*, citizen: Account) -> QuerySet[Ticket]:
    """The citizen's resolved tickets whose result they have not rated yet (回访)."""
    return tickets_of_citizen(citizen=citizen).filter(status=Status.RESOLVED)


def ticket_public(*, number: str) -> Ticket:
    """A ticket by its tracking number, for the public tracking page (no personal data shown)."""
    ticket = _related(Ticket.objects.filter(tracking_number=number.strip())).first()
    if ticket is None:
        raise NotFoundError(_("未找到该工单"))
    return ticket


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _bigrams(text: str) -> set[str]:
    text = "".join(ch for ch in text if not ch.isspace())
    return {text[i : i + 2] for i in range(len(text) - 1)}


def text_similarity(a: str, b: str) -> float:
    """Jaccard similarity of character bigrams: robust for Chinese without segmentation."""
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


@dataclass(frozen=True)
class DuplicateCandidate:
    ticket: Ticket
    distance_m: float | None
    similarity: float
    score: float


def duplicate_candidates(
    *,
    category_id: int,
    text: str,
    lat: float | None,
    lng: float | None,
    grid_code: str = "",
    exclude_pk: int | None = None,
    limit: int = 5,
) -> list[DuplicateCandidate]:
    """Open tickets of the same category near the same place in the recent window, most alike
    first. Near = within the configured radius of a point, or in the same grid without one."""
    radius = settings.CITYHALL_HOTLINE_DUPLICATE_RADIUS_M
    since = timezone.now() - timedelta(days=settings.CITYHALL_HOTLINE_DUPLICATE_DAYS)
    qs = Ticket.objects.filter(
        category_id=category_id, status__in=OPEN_STATUSES, received_at__gte=since
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if lat is not None and lng is not None:
        dlat = radius / 111_320.0
        dlng = radius / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
        qs = qs.filter(lat__range=(lat - dlat, lat + dlat), lng__range=(lng - dlng, lng + dlng))
    elif grid_code:
        qs = qs.filter(grid_code=grid_code)
    else:
        return []
    found = []
    for ticket in _related(qs)[:200]:
        distance = None
        if (
            lat is not None
            and lng is not None
            and ticket.lat is not None
            and ticket.lng is not None
        ):
            distance = distance_m(lat, lng, ticket.lat, ticket.lng)
            if distance > radius:
                continue
        similarity = text_similarity(text, ticket.description)
        nearness = 1 - (distance / radius) if distance is not None else 0.5
        found.append(
            DuplicateCandidate(
                ticket, distance, similarity, round(0.5 * nearness + 0.5 * similarity, 3)
            )
        )
    found.sort(key=lambda c: -c.score)
    return found[:limit]
