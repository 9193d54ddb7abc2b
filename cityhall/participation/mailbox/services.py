"""Writes for the leader mailbox (领导信箱): a resident writes; the unit holding the letter
assigns, transfers, answers and (with the writer's consent) publishes it; the writer rates the
reply; a periodic sweep reminds the unit before the due date and it and its supervisors after.

Every step is a LetterEvent. The allowed steps per status are listed once, in TRANSITIONS.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.applications.services.numbers import series_next
from cityhall.applications.services.supervision import responsible_people
from cityhall.core.calendar import add_working_days, working_days_between
from cityhall.core.errors import DomainError, NotFoundError
from cityhall.core.identifiers import mod11_2_check
from cityhall.identity.models import Account, OrgUnit
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import account_can
from cityhall.notify.services import message_send
from cityhall.participation.abuse import flood_check, flood_count, text_clean
from cityhall.participation.mailbox import selectors
from cityhall.participation.mailbox.selectors import DUE_SOON_DAYS, TRACKING_PREFIX, EventKind
from cityhall.participation.models import Letter, LetterEvent, LetterStatus, Mailbox

SUBJECT_MAX, BODY_MAX, BODY_MIN, REPLY_MAX, NOTE_MAX = 100, 3000, 10, 5000, 300
DAILY_SEQUENCE_MAX = 99_999
FLOOD_ACTION = "letter"

S = LetterStatus
# The statuses from which each step may be taken.
TRANSITIONS: dict[str, frozenset[str]] = {
    "assign": frozenset({S.RECEIVED, S.ASSIGNED}),
    "transfer": frozenset({S.RECEIVED, S.ASSIGNED}),
    "reply": frozenset({S.RECEIVED, S.ASSIGNED}),
    "publish": frozenset({S.ANSWERED}),
    "unpublish": frozenset({S.ANSWERED}),
    "rate": frozenset({S.ANSWERED}),
}


def tracking_number_make(*, day: date) -> str:
    """The next tracking number of the day (call inside the transaction that stores it)."""
    sequence = series_next(f"letter-{day:%Y%m%d}")
    if sequence > DAILY_SEQUENCE_MAX:
        raise DomainError(_("今日来信量已达上限，请明天再写"), code="sequence")
    body = f"{day:%Y%m%d}{sequence:05d}"
    return f"{TRACKING_PREFIX}{body}{mod11_2_check(body)}"


def _event(
    letter: Letter,
    kind: str,
    *,
    at: datetime,
    actor: Account | None = None,
    unit: OrgUnit | None = None,
    note: str = "",
) -> LetterEvent:
    return LetterEvent.objects.create(
        letter=letter, at=at, kind=kind, actor=actor, unit=unit, note=note[:500]
    )


def _writer_link(letter: Letter) -> str:
    return reverse("mailbox:letter", args=[letter.pk])


def _staff_link(letter: Letter) -> str:
    return reverse("mailbox:staff_letter", args=[letter.pk])


def _tell(
    people: Iterable[Account],
    *,
    template: str,
    letter: Letter,
    dedupe: str,
    link: str = "",
    context: dict[str, object] | None = None,
) -> int:
    told = 0
    for person in people:
        if message_send(
            recipient=person,
            template=template,
            context={"letter": letter, **(context or {})},
            link=link,
            dedupe_key=f"{dedupe}:{person.pk}" if dedupe else "",
        ):
            told += 1
    return told


# --- The writer ---------------------------------------------------------------------------------


def letter_write(
    *,
    writer: Account,
    mailbox: Mailbox,
    subject: str,
    body: str,
    consent_publish: bool = False,
    now: datetime | None = None,
) -> Letter:
    """Take a resident's letter in: a tracking number, a due date in working days, a receipt."""
    if not writer.is_citizen:
        raise DomainError(_("只有市民可以写信"), code="forbidden")
    if not mailbox.is_active:
        raise NotFoundError(_("没有这个信箱"))
    subject = text_clean(subject, label=_("标题"), limit=SUBJECT_MAX)
    body = text_clean(body, label=_("来信内容"), limit=BODY_MAX, minimum=BODY_MIN)
    flood_check(writer, FLOOD_ACTION)
    now = now or timezone.now()
    received_on = timezone.localdate(now)
    with transaction.atomic():
        letter = Letter.objects.create(
            tracking_number=tracking_number_make(day=received_on),
            mailbox=mailbox,
            writer=writer,
            subject=subject,
            body=body,
            consent_publish=bool(consent_publish),
            handling_unit=mailbox.unit,
            received_at=now,
            due_on=add_working_days(received_on, mailbox.time_limit_days),
        )
        _event(letter, EventKind.RECEIVED, at=now, unit=mailbox.unit)
        _tell(
            [writer],
            template="letter_received",
            letter=letter,
            link=_writer_link(letter),
            dedupe=f"letter-{letter.pk}-received",
        )
        _tell(
            selectors.unit_handlers(unit=mailbox.unit),
            template="letter_new",
            letter=letter,
            link=_staff_link(letter),
            dedupe=f"letter-{letter.pk}-new",
        )
    flood_count(writer, FLOOD_ACTION)
    return letter


def letter_rate(*, letter: Letter, writer: Account, rating: int) -> Letter:
    """The writer's 1–5 rating of the reply, once."""
    if rating not in range(1, 6):
        raise DomainError(_("请选择 1 至 5 分"), code="rating")
    with transaction.atomic():
        locked = Letter.objects.select_for_update().filter(pk=letter.pk, writer=writer).first()
        if locked is None:
            raise NotFoundError(_("没有这封来信"))
        _allowed(locked, "rate")
        if locked.rating is not None:
            raise DomainError(_("您已经评价过这次答复"), code="rated")
        locked.rating = rating
        locked.save(update_fields=["rating", "updated_at"])
        _event(locked, EventKind.RATED, at=timezone.now(), actor=writer, note=str(rating))
    return locked


# --- The handling unit --------------------------------------------------------------------------


def _allowed(letter: Letter, step: str) -> None:
    if letter.status in TRANSITIONS[step]:
        return
    if letter.status == S.ANSWERED:
        raise DomainError(
            _("这封信已经答复，不能再%(step)s") % {"step": _step(step)}, code="answered"
        )
    raise DomainError(_("答复之后才能%(step)s") % {"step": _step(step)}, code="not_answered")


def _step(step: str) -> str:
    return {
        "assign": _("分配承办人"),
        "transfer": _("转交"),
        "reply": _("答复"),
        "publish": _("公开"),
        "unpublish": _("撤销公开"),
        "rate": _("评价"),
    }[step]


def _held(*, letter: Letter, by: Account, step: str) -> Letter:
    """The letter, locked, if the actor's unit holds it and the step is allowed now."""
    unit = selectors.handling_unit_of(by)
    locked = (
        Letter.objects.select_for_update()
        .filter(pk=letter.pk, handling_unit=unit)
        .select_related("mailbox__unit__division", "handling_unit", "writer")
        .first()
    )
    if locked is None:
        raise NotFoundError(_("没有这封来信"))
    _allowed(locked, step)
    return locked


def letter_assign(*, letter: Letter, handler: Account, by: Account) -> Letter:
    """Give the letter to one of the unit's handlers."""
    with transaction.atomic():
        locked = _held(letter=letter, by=by, step="assign")
        if not selectors.unit_handlers(unit=locked.handling_unit).filter(pk=handler.pk).exists():
            raise DomainError(_("承办人须是本单位的信件办理人员"), code="handler")
        locked.handler = handler
        locked.status = S.ASSIGNED
        locked.save(update_fields=["handler", "status", "updated_at"])
        event = _event(
            locked,
            EventKind.ASSIGNED,
            at=timezone.now(),
            actor=by,
            unit=locked.handling_unit,
            note=handler.real_name,
        )
        if handler.pk != by.pk:
            _tell(
                [handler],
                template="letter_assigned",
                letter=locked,
                link=_staff_link(locked),
                dedupe=f"letter-{locked.pk}-assigned-{event.pk}",
            )
    return locked


def letter_transfer(*, letter: Letter, to_unit: OrgUnit, by: Account, note: str = "") -> Letter:
    """Hand the letter to another unit within the mailbox's area; the due date stays."""
    note = text_clean(note, label=_("转交说明"), limit=NOTE_MAX, required=False)
    with transaction.atomic():
        locked = _held(letter=letter, by=by, step="transfer")
        if not selectors.transfer_targets(letter=locked).filter(pk=to_unit.pk).exists():
            raise DomainError(
                _("只能转交给%(unit)s辖区内的单位或其下属单位")
                % {"unit": locked.mailbox.unit.name},
                code="transfer_scope",
            )
        from_unit = locked.handling_unit
        locked.handling_unit = to_unit
        locked.handler = None
        locked.status = S.RECEIVED
        # The new unit is reminded afresh (reminders name the unit holding the letter).
        locked.reminder_level = 0
        locked.save(
            update_fields=["handling_unit", "handler", "status", "reminder_level", "updated_at"]
        )
        event = _event(
            locked,
            EventKind.TRANSFERRED,
            at=timezone.now(),
            actor=by,
            unit=to_unit,
            note=_("由%(from)s转交%(to)s") % {"from": from_unit.name, "to": to_unit.name}
            + (f"：{note}" if note else ""),
        )
        _tell(
            selectors.unit_handlers(unit=to_unit),
            template="letter_transferred",
            letter=locked,
            link=_staff_link(locked),
            dedupe=f"letter-{locked.pk}-transfer-{event.pk}",
            context={"from_unit": from_unit, "note": note},
        )
    return locked


def letter_reply(*, letter: Letter, text: str, by: Account) -> Letter:
    """Answer the letter; the writer gets the reply in their inbox."""
    text = text_clean(text, label=_("答复内容"), limit=REPLY_MAX)
    with transaction.atomic():
        locked = _held(letter=letter, by=by, step="reply")
        now = timezone.now()
        locked.reply = text
        locked.replied_by = by
        locked.answered_at = now
        locked.status = S.ANSWERED
        locked.handler = locked.handler or by
        locked.save(
            update_fields=["reply", "replied_by", "answered_at", "status", "handler", "updated_at"]
        )
        _event(locked, EventKind.ANSWERED, at=now, actor=by, unit=locked.handling_unit)
        _tell(
            [locked.writer],
            template="letter_answered",
            letter=locked,
            link=_writer_link(locked),
            dedupe=f"letter-{locked.pk}-answered",
        )
    return locked


def letter_publish(*, letter: Letter, by: Account) -> Letter:
    """Publish an answered letter and its reply on the mailbox's page, if the writer agreed."""
    with transaction.atomic():
        locked = _held(letter=letter, by=by, step="publish")
        if not locked.consent_publish:
            raise DomainError(_("来信人没有同意公开，不能公开这封信"), code="no_consent")
        if locked.published_at is not None:
            raise DomainError(_("这封信已经公开"), code="published")
        now = timezone.now()
        locked.published_at = now
        locked.save(update_fields=["published_at", "updated_at"])
        event = _event(locked, EventKind.PUBLISHED, at=now, actor=by, unit=locked.handling_unit)
        _tell(
            [locked.writer],
            template="letter_published",
            letter=locked,
            link=reverse("mailbox:mailbox", args=[locked.mailbox_id]),
            dedupe=f"letter-{locked.pk}-published-{event.pk}",
        )
    return locked


def letter_unpublish(*, letter: Letter, by: Account) -> Letter:
    """Take a published letter off the mailbox's page."""
    with transaction.atomic():
        locked = _held(letter=letter, by=by, step="unpublish")
        if locked.published_at is None:
            raise DomainError(_("这封信没有公开"), code="not_published")
        locked.published_at = None
        locked.save(update_fields=["published_at", "updated_at"])
        _event(
            locked, EventKind.UNPUBLISHED, at=timezone.now(), actor=by, unit=locked.handling_unit
        )
    return locked


# --- Supervision --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LetterSweepCounts:
    due_soon: int
    overdue: int


def _remind(letter: Letter, *, level: int, now: datetime) -> bool:
    """Raise the letter's reminder level and tell the people concerned, once per unit holding it."""
    with transaction.atomic():
        raised = (
            Letter.objects.filter(pk=letter.pk, reminder_level__lt=level)
            .exclude(status=S.ANSWERED)
            .update(reminder_level=level)
        )
        if not raised:
            return False  # answered, or reminded by a sweep running alongside
        unit = letter.handling_unit
        handlers = list(selectors.unit_handlers(unit=unit))
        today = timezone.localdate(now)
        context = {"unit": unit, "days_left": working_days_between(today, letter.due_on)}
        if level == 1:
            kind, template, people = EventKind.DUE_SOON, "letter_due_soon", handlers
        else:
            kind, template = EventKind.OVERDUE, "letter_overdue"
            people = list({p.pk: p for p in [*handlers, *responsible_people(unit)]}.values())
            context["days_over"] = working_days_between(letter.due_on, today)
        handler_ids = {h.pk for h in handlers}
        for person in people:
            if person.pk in handler_ids:
                link = _staff_link(letter)
            elif account_can(person, Capability.SUPERVISION):
                link = reverse("applications:supervision")
            else:
                link = ""
            _tell(
                [person],
                template=template,
                letter=letter,
                link=link,
                dedupe=f"letter-{letter.pk}-{kind}-{unit.pk}",
                context=context,
            )
        _event(letter, kind, at=now, unit=unit, note=", ".join(p.real_name for p in people))
    return True


def letter_sweep(*, now: datetime | None = None) -> LetterSweepCounts:
    """Remind units of letters due within two working days, and them and their supervisors of
    overdue ones; each reminder once, so the schedule may run it as often as it likes."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    # Two working days left or fewer: due before the third working day from today.
    soon_until = add_working_days(today, DUE_SOON_DAYS + 1) - timedelta(days=1)
    open_letters = (
        Letter.objects.exclude(status=S.ANSWERED)
        .select_related("handling_unit__division", "mailbox")
        .order_by("due_on", "id")
    )
    overdue = sum(
        _remind(letter, level=2, now=now)
        for letter in open_letters.filter(due_on__lt=today, reminder_level__lt=2)
    )
    due_soon = sum(
        _remind(letter, level=1, now=now)
        for letter in open_letters.filter(
            due_on__gte=today, due_on__lte=soon_until, reminder_level__lt=1
        )
    )
    return LetterSweepCounts(due_soon=due_soon, overdue=overdue)
