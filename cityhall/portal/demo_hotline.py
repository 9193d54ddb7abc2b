"""The demo city's 12345 hotline in use: inspectors on their streets' grids, a year of history
(so analysis, hotspots and the classifier have something real to work from), a classifier
trained on that history, and a few live tickets at each level for the demo accounts.
Idempotent: a second `seed_demo` adds nothing."""

import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from shapely.geometry import shape

from cityhall.geo.models import Grid
from cityhall.hotline.demo_corpus import ticket_text
from cityhall.hotline.demo_history import history_build
from cityhall.hotline.models import ClassifierModel, InspectorGrid, Kind, Ticket
from cityhall.hotline.services import dispatch
from cityhall.hotline.services.intake import TicketDraft, ticket_create
from cityhall.hotline.training import classifier_train, training_samples
from cityhall.identity.models import Account
from cityhall.identity.roles import Role

DEMO_SEED = 20261121
# The demo journey of the issue, on 海珠区 赤岗街道 (440105001): call → district → street →
# inspector; plus work waiting at every level.
LIVE = (
    ("CG01", "district"),
    ("HB02", "district"),
    ("SZ03", "district"),
    ("CG02", "street"),
    ("HW01", "street"),
    ("CG01", "inspector"),
    ("HB03", "resolved"),
)


@dataclass(frozen=True)
class HotlineDemoReport:
    grids_assigned: int
    history: int
    live: int
    accuracy: float | None

    def __str__(self) -> str:
        trained = f", classifier {self.accuracy:.1%} held-out" if self.accuracy is not None else ""
        return (
            f"{self.history} historical tickets, {self.live} live tickets, "
            f"{self.grids_assigned} inspector grids{trained}"
        )


def _inspector_grids() -> int:
    made = 0
    inspectors = Account.objects.filter(roles__role=Role.GRID_INSPECTOR).select_related(
        "unit__division"
    )
    for inspector in inspectors:
        if inspector.unit is None:
            continue
        for grid in Grid.objects.filter(code__startswith=inspector.unit.division.code):
            _link, created = InspectorGrid.objects.get_or_create(inspector=inspector, grid=grid)
            made += created
    return made


def _live_tickets(rng: random.Random) -> int:
    people = {
        a.username: a
        for a in Account.objects.filter(
            username__in=["city-operator", "hz-dispatcher", "hz1-officer", "hz1-inspector"]
        )
    }
    if len(people) < 4 or Ticket.objects.filter(received_by=people["city-operator"]).exists():
        return 0
    grids = list(Grid.objects.filter(code__startswith="440105001").order_by("code")[:12])
    made = 0
    for n, (code, stage) in enumerate(LIVE):
        point = shape(grids[n % len(grids)].boundary).representative_point()
        ticket = ticket_create(
            draft=TicketDraft(
                description=ticket_text(code, Kind.COMPLAINT, rng),
                channel="phone",
                category_code=code,
                lat=point.y,
                lng=point.x,
                reporter_name="演示来电人",
                reporter_phone=f"1390000{1000 + n}",
                received_by=people["city-operator"],
            )
        )
        made += 1
        if stage == "district":
            continue
        ticket = (
            dispatch.ticket_dispatch(
                ticket=ticket, to=ticket.routed_unit, by=people["hz-dispatcher"]
            )
            if ticket.routed_unit
            else ticket
        )
        if stage == "street" or ticket.holder.code != "440105001-JD":
            continue
        officer = people["hz1-officer"]
        ticket = dispatch.ticket_accept(ticket=ticket, by=officer)
        ticket = dispatch.ticket_assign_inspector(
            ticket=ticket, inspector=people["hz1-inspector"], by=officer
        )
        if stage == "resolved":
            dispatch.ticket_resolve(
                ticket=ticket, result="已上门劝导，店家加装油烟净化器", by=officer
            )
    return made


def demo_hotline_build(*, history: int) -> HotlineDemoReport:
    """Set the hotline's demo up; each part only when it is missing."""
    rng = random.Random(DEMO_SEED)
    with transaction.atomic():
        grids = _inspector_grids()
    loaded = 0
    if history and not Ticket.objects.exists():
        loaded = history_build(count=history, seed=DEMO_SEED, end=timezone.localdate())
    accuracy = None
    if not ClassifierModel.objects.filter(is_active=True).exists():
        samples = training_samples()
        if len(samples) >= 200:
            accuracy = classifier_train(samples=samples, seed=DEMO_SEED).accuracy
    live = _live_tickets(rng)
    return HotlineDemoReport(grids_assigned=grids, history=loaded, live=live, accuracy=accuracy)
