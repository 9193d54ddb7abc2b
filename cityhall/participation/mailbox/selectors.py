"""Reads for the leader mailbox: public mailboxes and published letters, a writer's own letters,
a handling unit's letters, and overdue letters for supervisors.

Scope: a writer sees only their own letters, a handling unit only the letters it holds, and a
supervisor the overdue letters of units within their area; anything else does not exist for them
(NotFoundError, a 404), so a letter's existence never leaks.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import models
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityhall.applications.supervision_sections import SupervisionSection
from cityhall.core.calendar import working_days_between
from cityhall.core.errors import DomainError, NotFoundError
from cityhall.core.identifiers import mod11_2_check
from cityhall.geo.selectors import scope_prefix
from cityhall.identity.models import Account, AccountKind, OrgUnit, UnitLevel
from cityhall.identity.roles import CAPABILITIES, Capability
from cityhall.identity.selectors import require_capability
from cityhall.participation.models import Letter, LetterEvent, LetterStatus, Mailbox

# 领导信箱 tracking number: "LX", the day received (yyyymmdd), that day's sequence (5 digits)
# and an ISO 7064 MOD 11-2 check character over the 13 digits, so a mistyped number is told
# apart from someone else's before any lookup.
TRACKING_PREFIX = "LX"
TRACKING_NUMBER = re.compile(rf"^{TRACKING_PREFIX}\d{{13}}[0-9X]$")
# Due soon: this many working days left or fewer (the handling unit is reminded once).
DUE_SOON_DAYS = 2


class EventKind(models.TextChoices):
    """The steps of a letter's handling (LetterEvent.kind)."""

    RECEIVED = "received", gettext_lazy("收到来信")
    ASSIGNED = "assigned", gettext_lazy("分配承办人")
    TRANSFERRED = "transferred", gettext_lazy("转交办理")
    ANSWERED = "answered", gettext_lazy("答复")
    PUBLISHED = "published", gettext_lazy("公开")
    UNPUBLISHED = "unpublished", gettext_lazy("撤销公开")
    RATED = "rated", gettext_lazy("来信人评价")
    DUE_SOON = "due_soon", gettext_lazy("临期提醒")
    OVERDUE = "overdue", gettext_lazy("超期督办")


# What the writer sees of the handling (internal reminders and who did what stay inside).
WRITER_EVENTS = frozenset(
    {
        EventKind.RECEIVED,
        EventKind.ASSIGNED,
        EventKind.TRANSFERRED,
        EventKind.ANSWERED,
        EventKind.PUBLISHED,
        EventKind.UNPUBLISHED,
        EventKind.RATED,
    }
)
HANDLER_ROLES = CAPABILITIES[Capability.MAILBOX_HANDLE]


def tracking_number_normalise(number: str) -> str:
    """As typed, without spaces or dashes, upper-case."""
    return re.sub(r"[\s\-]", "", number or "").upper()


def tracking_number_valid(number: str) -> bool:
    return bool(TRACKING_NUMBER.match(number)) and mod11_2_check(number[2:-1]) == number[-1]


# --- Public -------------------------------------------------------------------------------------


def mailboxes_public() -> QuerySet[Mailbox]:
    """Active mailboxes with how many letters each has published."""
    return (
        Mailbox.objects.filter(is_active=True)
        .select_related("unit__division")
        .annotate(published=Count("letters", filter=Q(letters__published_at__isnull=False)))
        .order_by("unit__division__code", "unit__code", "name")
    )


@dataclass(frozen=True)
class MailboxGroup:
    level: str
    label: str | Promise
    mailboxes: list[Mailbox]


def mailboxes_grouped() -> list[MailboxGroup]:
    """Active mailboxes of the city, the districts and the streets (empty groups left out)."""
    groups = {level: MailboxGroup(level, label, []) for level, label in UnitLevel.choices}
    for mailbox in mailboxes_public():
        groups[mailbox.unit.level].mailboxes.append(mailbox)
    return [group for group in groups.values() if group.mailboxes]


def mailbox_get(*, mailbox_id: int) -> Mailbox:
    found = mailboxes_public().filter(pk=mailbox_id).first()
    if found is None:
        raise NotFoundError(_("没有这个信箱"))
    return found


def letters_published(*, mailbox: Mailbox) -> QuerySet[Letter]:
    """The letters published on a mailbox's page, newest first; never who wrote them."""
    return (
        Letter.objects.filter(mailbox=mailbox, published_at__isnull=False)
        .select_related("handling_unit")
        .order_by("-published_at", "-id")
    )


# --- The writer ---------------------------------------------------------------------------------


def letters_of_writer(*, account: Account) -> QuerySet[Letter]:
    return Letter.objects.filter(writer=account).select_related("mailbox", "handling_unit")


def letters_to_rate(*, account: Account) -> QuerySet[Letter]:
    """The writer's answered letters whose reply they have not rated yet, newest answer first."""
    return (
        letters_of_writer(account=account)
        .filter(status=LetterStatus.ANSWERED, rating__isnull=True)
        .order_by("-answered_at", "-id")
    )


def letter_of_writer(*, account: Account, letter_id: int) -> Letter:
    found = letters_of_writer(account=account).filter(pk=letter_id).first()
    if found is None:
        raise NotFoundError(_("没有这封来信"))
    return found


def letter_track(*, account: Account, number: str) -> Letter:
    """The writer's letter with this number; a malformed number is a DomainError, a number that
    is not theirs a NotFoundError, exactly like one that does not exist."""
    number = tracking_number_normalise(number)
    if not tracking_number_valid(number):
        raise DomainError(
            _("信件编号有误，请核对（编号以 LX 开头，共 16 位，末位为校验码）"), code="number"
        )
    found = letters_of_writer(account=account).filter(tracking_number=number).first()
    if found is None:
        raise NotFoundError(_("没有找到这个编号的来信。只能查询您本人写的信。"))
    return found


@dataclass(frozen=True)
class EventRow:
    at: datetime
    label: str | Promise
    unit: str
    actor: str
    note: str


def letter_history(*, letter: Letter, for_staff: bool) -> list[EventRow]:
    """The letter's steps, oldest first; the writer sees the public steps without names."""
    labels = dict(EventKind.choices)
    events = LetterEvent.objects.filter(letter=letter).select_related("unit", "actor")
    if not for_staff:
        events = events.filter(kind__in=WRITER_EVENTS)
    return [
        EventRow(
            at=event.at,
            label=labels.get(event.kind, event.kind),
            unit=event.unit.name if event.unit else "",
            actor=(event.actor.real_name if event.actor else _("系统")) if for_staff else "",
            note=event.note if for_staff else "",
        )
        for event in events
    ]


# --- The handling unit --------------------------------------------------------------------------


def handling_unit_of(actor: Account) -> OrgUnit:
    """The actor's unit, if their role handles letters; else PermissionDeniedError."""
    require_capability(actor, Capability.MAILBOX_HANDLE)
    if actor.unit is None:  # require_capability already refuses staff without a unit
        raise NotFoundError(_("没有这封来信"))
    return actor.unit


def letters_for_unit(*, actor: Account, answered: bool = False) -> QuerySet[Letter]:
    """The letters the actor's unit holds: open ones by due date, or answered ones newest first."""
    unit = handling_unit_of(actor)
    letters = Letter.objects.filter(handling_unit=unit).select_related("mailbox", "handler")
    if answered:
        return letters.filter(status=LetterStatus.ANSWERED).order_by("-answered_at", "-id")
    return letters.exclude(status=LetterStatus.ANSWERED).order_by("due_on", "received_at", "id")


def letter_for_staff(*, actor: Account, letter_id: int) -> Letter:
    """One letter the actor's unit holds (open or answered)."""
    found = (
        Letter.objects.filter(handling_unit=handling_unit_of(actor), pk=letter_id)
        .select_related("mailbox__unit__division", "handler", "writer", "replied_by")
        .first()
    )
    if found is None:
        raise NotFoundError(_("没有这封来信"))
    return found


@dataclass(frozen=True)
class InboxRow:
    letter: Letter
    days_left: int  # working days from today to the due date (negative once overdue)
    overdue: bool
    due_soon: bool

    @property
    def days_over(self) -> int:
        """Working days past the due date (0 unless overdue)."""
        return -self.days_left if self.overdue else 0


def inbox_rows(*, letters: Iterable[Letter], today: date | None = None) -> list[InboxRow]:
    today = today or timezone.localdate()
    rows = []
    for letter in letters:
        left = working_days_between(today, letter.due_on)
        is_open = letter.status != LetterStatus.ANSWERED
        overdue = is_open and letter.due_on < today
        rows.append(
            InboxRow(
                letter=letter,
                days_left=left,
                overdue=overdue,
                due_soon=is_open and not overdue and left <= DUE_SOON_DAYS,
            )
        )
    return rows


def unit_handlers(*, unit: OrgUnit) -> QuerySet[Account]:
    """The unit's staff who may handle letters (its publishers and handling officers)."""
    return (
        Account.objects.filter(
            kind=AccountKind.STAFF, is_active=True, unit=unit, roles__role__in=HANDLER_ROLES
        )
        .distinct()
        .order_by("real_name", "username")
    )


def transfer_targets(*, letter: Letter) -> QuerySet[OrgUnit]:
    """Units a letter may be handed to: within the mailbox unit's area, or its own sub-units."""
    home = letter.mailbox.unit
    return (
        OrgUnit.objects.filter(is_active=True)
        .filter(Q(division__code__startswith=scope_prefix(home.division)) | Q(parent=home))
        .exclude(pk=letter.handling_unit_id)
        .select_related("division")
        .order_by("level", "code")
    )


# --- Supervision --------------------------------------------------------------------------------


def letters_overdue_for_supervisor(
    *, actor: Account, today: date | None = None
) -> QuerySet[Letter]:
    """Unanswered letters past their due date, held by units within the supervisor's area."""
    prefix = require_capability(actor, Capability.SUPERVISION)
    today = today or timezone.localdate()
    return (
        Letter.objects.exclude(status=LetterStatus.ANSWERED)
        .filter(due_on__lt=today, handling_unit__division__code__startswith=prefix)
        .select_related("mailbox", "handling_unit")
        .order_by("due_on", "id")
    )


def _supervision_context(actor: Account) -> dict[str, Any]:
    letters = letters_overdue_for_supervisor(actor=actor)[:500]
    return {"rows": inbox_rows(letters=letters)}


supervision_section = SupervisionSection(
    key="mailbox",
    template="participation/mailbox/supervision_section.html",
    context=_supervision_context,
)
