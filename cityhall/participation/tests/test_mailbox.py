"""领导信箱 services: tracking numbers, due dates on the working-day calendar, the handling steps
and their rules, the writer's rating, and the supervision sweep."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cityhall.core.calendar import calendar_cache_clear
from cityhall.core.errors import DomainError, NotFoundError
from cityhall.core.identifiers import mod11_2_check
from cityhall.core.models import CalendarDay, CalendarDayKind
from cityhall.identity import services as identity_services
from cityhall.identity.models import Account, OrgUnit, UnitKind
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f
from cityhall.notify.models import Message
from cityhall.participation import tasks
from cityhall.participation.mailbox import selectors, services
from cityhall.participation.mailbox.demo import mailbox_demo_build
from cityhall.participation.mailbox.selectors import EventKind
from cityhall.participation.models import Letter, LetterEvent, LetterStatus, Mailbox

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
STREET = "440105001"  # a street of Haizhu district
DISTRICT = "440105"
OTHER_DISTRICT = "440104"  # Yuexiu
OTHER_STREET = "440104001"
WRITER_NAME = "欧阳明月"
BODY = "小区门口的路灯坏了两个星期，晚上回家很不安全，请尽快修好。"


def at(y: int, m: int, d: int, hour: int = 10) -> datetime:
    return datetime(y, m, d, hour, tzinfo=SHANGHAI)


@dataclass
class World:
    unit: OrgUnit  # the street office holding the mailbox
    mailbox: Mailbox
    officer: Account  # a handling officer of the street office
    publisher: Account  # its publisher (may handle letters too)
    writer: Account
    neighbour: Account  # another resident
    stranger: Account  # a handling officer of a street in another district
    supervisor: Account  # the district's supervisor
    far_supervisor: Account  # another district's supervisor


def mailbox_world(*, time_limit_days: int = 5) -> World:
    unit = f.unit(STREET)
    mailbox = Mailbox.objects.create(
        name="赤岗街道书记信箱",
        unit=unit,
        addressee="街道党工委书记",
        time_limit_days=time_limit_days,
    )
    home = f.community(STREET)
    return World(
        unit=unit,
        mailbox=mailbox,
        officer=f.staff(unit=unit, roles=[Role.HANDLING_OFFICER]),
        publisher=f.staff(unit=unit, roles=[Role.PUBLISHER]),
        writer=f.citizen(home=home, name=WRITER_NAME),
        neighbour=f.citizen(home=home, name="李四"),
        stranger=f.staff(unit=f.unit(OTHER_STREET), roles=[Role.HANDLING_OFFICER]),
        supervisor=f.staff(unit=f.unit(DISTRICT), roles=[Role.SUPERVISOR]),
        far_supervisor=f.staff(unit=f.unit(OTHER_DISTRICT), roles=[Role.SUPERVISOR]),
    )


def write(w: World, *, consent: bool = True, now: datetime | None = None, **kwargs) -> Letter:
    return services.letter_write(
        writer=kwargs.pop("writer", w.writer),
        mailbox=kwargs.pop("mailbox", w.mailbox),
        subject=kwargs.pop("subject", "路灯不亮"),
        body=kwargs.pop("body", BODY),
        consent_publish=consent,
        now=now,
    )


@pytest.fixture
def w() -> World:
    return mailbox_world()


# --- Tracking numbers ---------------------------------------------------------------------------


def test_tracking_numbers_are_readable_checked_and_unique(w):
    first = write(w, now=at(2025, 11, 3))
    second = write(w, now=at(2025, 11, 3, 15), writer=w.neighbour)
    third = write(w, now=at(2025, 11, 4), writer=w.neighbour)
    assert first.tracking_number[:15] == "LX2025110300001"
    assert second.tracking_number[:15] == "LX2025110300002"
    assert third.tracking_number[:15] == "LX2025110400001"  # a new day starts again at 1
    for letter in (first, second, third):
        number = letter.tracking_number
        assert re.fullmatch(r"LX\d{13}[0-9X]", number)
        assert number[-1] == mod11_2_check(number[2:-1])
        assert selectors.tracking_number_valid(number)
    assert len({first.tracking_number, second.tracking_number, third.tracking_number}) == 3
    # One mistyped digit, two swapped digits, a wrong prefix: all caught by the check.
    number = first.tracking_number
    typo = number[:8] + str((int(number[8]) + 1) % 10) + number[9:]
    swapped = number[:13] + number[14] + number[13] + number[15:]  # ...00001 → ...00010
    assert swapped != number
    assert not selectors.tracking_number_valid(typo)
    assert not selectors.tracking_number_valid(swapped)
    assert not selectors.tracking_number_valid("XX" + number[2:])
    # As typed by hand: lower case, spaces.
    spaced = f"{number[:2].lower()} {number[2:10]} {number[10:]}"
    assert selectors.tracking_number_normalise(spaced) == number


def test_the_writer_gets_a_receipt_and_the_unit_is_told(w):
    letter = write(w, now=at(2025, 11, 3))
    receipt = Message.objects.get(recipient=w.writer, template="letter_received")
    assert letter.tracking_number in receipt.subject
    assert letter.tracking_number in receipt.body and "2025-11-10" in receipt.body
    assert receipt.link == f"/mailbox/letters/{letter.pk}/"
    told = set(Message.objects.filter(template="letter_new").values_list("recipient", flat=True))
    assert told == {w.officer.pk, w.publisher.pk}
    assert letter.status == LetterStatus.RECEIVED and letter.handling_unit == w.unit
    assert list(letter.events.values_list("kind", flat=True)) == [EventKind.RECEIVED]


# --- Due dates ----------------------------------------------------------------------------------


def test_due_date_counts_working_days_over_a_weekend(w):
    # Friday 14 November 2025 + 5 working days: 17, 18, 19, 20, 21 → Friday 21.
    assert write(w, now=at(2025, 11, 14)).due_on == date(2025, 11, 21)
    # Written on a Saturday: the count starts from the next working day.
    assert write(w, now=at(2025, 11, 15), writer=w.neighbour).due_on == date(2025, 11, 21)


def test_due_date_skips_the_national_day_holiday_and_counts_its_make_up_saturday(w):
    # 1–8 October 2025 are off; Saturday 11 October is worked: 9, 10, 11, 13, 14.
    assert write(w, now=at(2025, 9, 30)).due_on == date(2025, 10, 14)


def test_due_date_follows_a_holiday_entered_in_the_calendar(w):
    CalendarDay.objects.create(date=date(2025, 11, 18), kind=CalendarDayKind.REST, name="测试假日")
    calendar_cache_clear()
    # 17, (18 off), 19, 20, 21, 24.
    assert write(w, now=at(2025, 11, 14)).due_on == date(2025, 11, 24)


def test_the_due_date_runs_from_the_local_day_received(w):
    # 23:30 UTC on Thursday 13 November is Friday morning in Guangzhou.
    late = datetime(2025, 11, 13, 23, 30, tzinfo=ZoneInfo("UTC"))
    letter = write(w, now=late)
    assert letter.tracking_number.startswith("LX20251114")
    assert letter.due_on == date(2025, 11, 21)


# --- Writing: bad input and flooding ------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "body", "code"),
    [
        ("", BODY, "required"),
        ("   ", BODY, "required"),
        ("题" * 101, BODY, "too_long"),
        ("路灯", "", "required"),
        ("路灯", "太短了", "too_short"),
        ("路灯", "长" * 3001, "too_long"),
        ("路灯", "路灯坏了\x00请修理一下谢谢", "control_characters"),
    ],
)
def test_bad_letters_are_refused_and_nothing_is_written(w, subject, body, code):
    with pytest.raises(DomainError) as refused:
        write(w, subject=subject, body=body)
    assert refused.value.code == code
    assert not Letter.objects.exists() and not Message.objects.exists()


def test_limits_are_inclusive(w):
    letter = write(w, subject="题" * 100, body="长" * 3000)
    assert len(letter.subject) == 100 and len(letter.body) == 3000
    assert write(w, body="一二三四五六七八九十", writer=w.neighbour).body == "一二三四五六七八九十"


def test_writing_is_rate_limited_per_account(w, settings):
    settings.CITYHALL_PARTICIPATION_RATE_LIMITS = {
        **settings.CITYHALL_PARTICIPATION_RATE_LIMITS,
        "letter": (2, 3600),
    }
    write(w)
    write(w)
    with pytest.raises(DomainError) as refused:
        write(w)
    assert refused.value.code == "rate_limited"
    assert Letter.objects.filter(writer=w.writer).count() == 2
    write(w, writer=w.neighbour)  # another account has its own allowance
    # A refused (invalid) letter does not use up the allowance.
    with pytest.raises(DomainError):
        write(w, writer=w.neighbour, body="短")
    write(w, writer=w.neighbour)


def test_only_residents_write_and_only_to_open_mailboxes(w):
    with pytest.raises(DomainError) as refused:
        write(w, writer=w.officer)
    assert refused.value.code == "forbidden"
    w.mailbox.is_active = False
    w.mailbox.save()
    with pytest.raises(NotFoundError):
        write(w)
    assert not Letter.objects.exists()


# --- Handling -----------------------------------------------------------------------------------


def test_assign_to_a_handler_of_the_unit_only(w):
    letter = write(w)
    clerk = f.staff(unit=w.unit, roles=[Role.WINDOW_CLERK])
    for wrong in (clerk, w.stranger):
        with pytest.raises(DomainError) as refused:
            services.letter_assign(letter=letter, handler=wrong, by=w.publisher)
        assert refused.value.code == "handler"
    services.letter_assign(letter=letter, handler=w.officer, by=w.publisher)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.ASSIGNED and letter.handler == w.officer
    assert Message.objects.filter(recipient=w.officer, template="letter_assigned").count() == 1
    event = letter.events.get(kind=EventKind.ASSIGNED)
    assert event.actor == w.publisher and event.note == w.officer.real_name


def test_another_units_staff_cannot_touch_the_letter(w):
    letter = write(w)
    with pytest.raises(NotFoundError):
        selectors.letter_for_staff(actor=w.stranger, letter_id=letter.pk)
    with pytest.raises(NotFoundError):
        services.letter_reply(letter=letter, text="已处理。", by=w.stranger)
    with pytest.raises(NotFoundError):
        services.letter_assign(letter=letter, handler=w.stranger, by=w.stranger)
    assert not selectors.letters_for_unit(actor=w.stranger).exists()
    assert list(selectors.letters_for_unit(actor=w.officer)) == [letter]
    letter.refresh_from_db()
    assert letter.status == LetterStatus.RECEIVED and letter.reply == ""


def test_transfer_within_the_mailbox_area_keeps_the_due_date(w):
    letter = write(w, now=at(2025, 11, 3))
    services.letter_assign(letter=letter, handler=w.officer, by=w.officer)
    centre = f.unit(STREET, kind=UnitKind.SERVICE_CENTRE)  # another unit serving the street
    centre_officer = f.staff(unit=centre, roles=[Role.HANDLING_OFFICER])
    # The district and another district's street are outside a street mailbox's area.
    for outside in (f.unit(DISTRICT), f.unit(OTHER_STREET)):
        with pytest.raises(DomainError) as refused:
            services.letter_transfer(letter=letter, to_unit=outside, by=w.officer)
        assert refused.value.code == "transfer_scope"
    services.letter_transfer(letter=letter, to_unit=centre, by=w.officer, note="属中心职责")
    letter.refresh_from_db()
    assert letter.handling_unit == centre and letter.handler is None
    assert letter.status == LetterStatus.RECEIVED and letter.due_on == date(2025, 11, 10)
    event = letter.events.get(kind=EventKind.TRANSFERRED)
    assert event.unit == centre and "属中心职责" in event.note and w.unit.name in event.note
    told = Message.objects.get(recipient=centre_officer, template="letter_transferred")
    assert "2025-11-10" in told.body and "属中心职责" in told.body
    # The street office no longer holds it; the centre does.
    with pytest.raises(NotFoundError):
        selectors.letter_for_staff(actor=w.officer, letter_id=letter.pk)
    assert selectors.letter_for_staff(actor=centre_officer, letter_id=letter.pk) == letter


def test_a_sub_unit_of_the_mailbox_unit_may_take_a_letter(w):
    district = f.unit(DISTRICT)
    box = Mailbox.objects.create(name="区长信箱", unit=district, addressee="区长")
    head = f.staff(unit=district, roles=[Role.PUBLISHER])
    letter = write(w, mailbox=box)
    # A unit under the district's office that serves somewhere else (outside the area).
    child = OrgUnit.objects.create(
        code="440105-TEST-CHILD",
        name="海珠区驻外办事处",
        kind=UnitKind.DEPARTMENT_BRANCH,
        level="district",
        division=f.unit(OTHER_DISTRICT).division,
        parent=district,
    )
    assert child in selectors.transfer_targets(letter=letter)
    assert f.unit(STREET) in selectors.transfer_targets(letter=letter)  # in the district
    assert f.unit(OTHER_STREET) not in selectors.transfer_targets(letter=letter)
    services.letter_transfer(letter=letter, to_unit=child, by=head)
    assert Letter.objects.get(pk=letter.pk).handling_unit == child


def test_reply_answers_once_and_tells_the_writer(w):
    letter = write(w)
    with pytest.raises(DomainError) as refused:
        services.letter_reply(letter=letter, text="   ", by=w.officer)
    assert refused.value.code == "required"
    with pytest.raises(DomainError) as refused:
        services.letter_reply(letter=letter, text="答" * 5001, by=w.officer)
    assert refused.value.code == "too_long"
    assert Letter.objects.get(pk=letter.pk).status == LetterStatus.RECEIVED
    services.letter_reply(letter=letter, text="路灯已于今日修复。", by=w.officer)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.ANSWERED and letter.answered_at is not None
    assert letter.replied_by == w.officer and letter.handler == w.officer
    told = Message.objects.get(recipient=w.writer, template="letter_answered")
    assert "路灯已于今日修复。" in told.body and told.link == f"/mailbox/letters/{letter.pk}/"
    for step in (
        lambda: services.letter_reply(letter=letter, text="再答一次", by=w.officer),
        lambda: services.letter_assign(letter=letter, handler=w.officer, by=w.officer),
        lambda: services.letter_transfer(
            letter=letter, to_unit=f.unit(STREET, kind=UnitKind.SERVICE_CENTRE), by=w.officer
        ),
    ):
        with pytest.raises(DomainError) as refused:
            step()
        assert refused.value.code == "answered"


def test_publish_needs_consent_and_an_answer_and_can_be_undone(w):
    private = write(w, consent=False)
    public = write(w, consent=True, writer=w.neighbour)
    with pytest.raises(DomainError) as refused:
        services.letter_publish(letter=public, by=w.officer)
    assert refused.value.code == "not_answered"
    services.letter_reply(letter=private, text="已答复。", by=w.officer)
    with pytest.raises(DomainError) as refused:
        services.letter_publish(letter=private, by=w.officer)
    assert refused.value.code == "no_consent"
    assert not selectors.letters_published(mailbox=w.mailbox).exists()
    services.letter_reply(letter=public, text="已答复。", by=w.officer)
    services.letter_publish(letter=public, by=w.publisher)
    assert list(selectors.letters_published(mailbox=w.mailbox)) == [public]
    assert Message.objects.filter(recipient=w.neighbour, template="letter_published").exists()
    with pytest.raises(DomainError) as refused:
        services.letter_publish(letter=public, by=w.publisher)
    assert refused.value.code == "published"
    services.letter_unpublish(letter=public, by=w.publisher)
    assert not selectors.letters_published(mailbox=w.mailbox).exists()
    kinds = list(public.events.values_list("kind", flat=True))
    assert kinds == [EventKind.RECEIVED, EventKind.ANSWERED, EventKind.PUBLISHED, "unpublished"]


def test_rating_once_by_the_writer_after_the_answer(w):
    letter = write(w)
    with pytest.raises(DomainError) as refused:
        services.letter_rate(letter=letter, writer=w.writer, rating=5)
    assert refused.value.code == "not_answered"
    services.letter_reply(letter=letter, text="已答复。", by=w.officer)
    with pytest.raises(NotFoundError):
        services.letter_rate(letter=letter, writer=w.neighbour, rating=1)
    for bad in (0, 6):
        with pytest.raises(DomainError) as refused:
            services.letter_rate(letter=letter, writer=w.writer, rating=bad)
        assert refused.value.code == "rating"
    services.letter_rate(letter=letter, writer=w.writer, rating=4)
    with pytest.raises(DomainError) as refused:
        services.letter_rate(letter=letter, writer=w.writer, rating=5)
    assert refused.value.code == "rated"
    assert Letter.objects.get(pk=letter.pk).rating == 4


def test_the_writer_sees_the_public_steps_without_names(w):
    letter = write(w)
    services.letter_assign(letter=letter, handler=w.officer, by=w.publisher)
    services.letter_reply(letter=letter, text="已答复。", by=w.officer)
    LetterEvent.objects.create(letter=letter, at=letter.received_at, kind=EventKind.OVERDUE)
    rows = selectors.letter_history(letter=letter, for_staff=False)
    assert [str(r.label) for r in rows] == ["收到来信", "分配承办人", "答复"]
    assert all(r.actor == "" and r.note == "" for r in rows)
    staff_rows = selectors.letter_history(letter=letter, for_staff=True)
    assert len(staff_rows) == 4
    [assigned] = [r for r in staff_rows if str(r.label) == "分配承办人"]
    assert assigned.note == w.officer.real_name and assigned.actor == w.publisher.real_name


# --- The supervision sweep ----------------------------------------------------------------------


def test_sweep_reminds_the_unit_when_due_soon_and_everyone_once_overdue(w):
    # Monday 3 November + 5 working days: due Monday 10 November.
    letter = write(w, now=at(2025, 11, 3))
    answered = write(w, now=at(2025, 11, 3), writer=w.neighbour)
    services.letter_reply(letter=answered, text="已答复。", by=w.officer)

    # Wednesday 5th: Thursday, Friday and Monday are left — not yet.
    assert services.letter_sweep(now=at(2025, 11, 5)) == services.LetterSweepCounts(0, 0)
    # Thursday 6th: two working days left — the unit's handlers, once.
    assert services.letter_sweep(now=at(2025, 11, 6)) == services.LetterSweepCounts(1, 0)
    assert services.letter_sweep(now=at(2025, 11, 7)) == services.LetterSweepCounts(0, 0)
    soon = Message.objects.filter(template="letter_due_soon")
    assert set(soon.values_list("recipient", flat=True)) == {w.officer.pk, w.publisher.pk}
    assert Letter.objects.get(pk=letter.pk).reminder_level == 1
    # The due day itself is not overdue.
    assert services.letter_sweep(now=at(2025, 11, 10, 17)) == services.LetterSweepCounts(0, 0)

    # Tuesday 11th: overdue — the unit and the district's supervisors, once.
    assert services.letter_sweep(now=at(2025, 11, 11)) == services.LetterSweepCounts(0, 1)
    assert services.letter_sweep(now=at(2025, 11, 12)) == services.LetterSweepCounts(0, 0)
    overdue = Message.objects.filter(template="letter_overdue")
    assert set(overdue.values_list("recipient", flat=True)) == {
        w.officer.pk,
        w.publisher.pk,
        w.supervisor.pk,
    }
    assert overdue.get(recipient=w.supervisor).link == "/applications/supervision/"
    assert overdue.get(recipient=w.officer).link == f"/mailbox/staff/letters/{letter.pk}/"
    assert Letter.objects.get(pk=letter.pk).reminder_level == 2
    assert Message.objects.filter(template="letter_due_soon").count() == 2
    kinds = list(letter.events.values_list("kind", flat=True))
    assert kinds.count(EventKind.DUE_SOON) == 1 and kinds.count(EventKind.OVERDUE) == 1
    assert not Message.objects.filter(
        recipient=w.far_supervisor, template__startswith="letter_"
    ).exists()
    # The answered letter was never reminded.
    assert Letter.objects.get(pk=answered.pk).reminder_level == 0


def test_a_letter_found_overdue_at_once_gets_only_the_overdue_reminder(w):
    write(w, now=at(2025, 11, 3))
    assert services.letter_sweep(now=at(2025, 11, 20)) == services.LetterSweepCounts(0, 1)
    assert services.letter_sweep(now=at(2025, 11, 21)) == services.LetterSweepCounts(0, 0)
    assert not Message.objects.filter(template="letter_due_soon").exists()


def test_overdue_letters_for_supervisors_in_scope_only(w):
    late = write(w, now=at(2025, 11, 3))
    write(w, now=at(2025, 11, 17), writer=w.neighbour)  # due 24 November
    today = date(2025, 11, 20)
    found = selectors.letters_overdue_for_supervisor(actor=w.supervisor, today=today)
    assert list(found) == [late]
    assert not selectors.letters_overdue_for_supervisor(actor=w.far_supervisor, today=today)
    city = f.staff(unit=f.unit("440100"), roles=[Role.SUPERVISOR])
    assert list(selectors.letters_overdue_for_supervisor(actor=city, today=today)) == [late]
    services.letter_reply(letter=late, text="已答复。", by=w.officer)
    assert not selectors.letters_overdue_for_supervisor(actor=w.supervisor, today=today)
    with pytest.raises(DomainError):
        selectors.letters_overdue_for_supervisor(actor=w.officer)


def test_inbox_rows_count_working_days_left_and_flag_overdue(w):
    letter = write(w, now=at(2025, 11, 3))  # due Monday 10 November
    [row] = selectors.inbox_rows(letters=[letter], today=date(2025, 11, 6))
    assert (row.days_left, row.overdue, row.due_soon) == (2, False, True)
    [row] = selectors.inbox_rows(letters=[letter], today=date(2025, 11, 4))
    assert (row.days_left, row.overdue, row.due_soon) == (4, False, False)
    [row] = selectors.inbox_rows(letters=[letter], today=date(2025, 11, 12))
    assert (row.days_left, row.overdue, row.days_over) == (-2, True, 2)


# --- Demo ---------------------------------------------------------------------------------------


def test_demo_builds_three_mailboxes_and_letters_once():
    units = {}
    for code, kind, level in (
        ("440100-ZS", UnitKind.DEPARTMENT, "city"),
        ("440105-ZS", UnitKind.DEPARTMENT_BRANCH, "district"),
        ("440105001-JD", UnitKind.STREET_OFFICE, "street"),
    ):
        division = f.unit(code.split("-")[0]).division
        units[code] = OrgUnit.objects.create(
            code=code, name=f"{division.name}演示单位", kind=kind, level=level, division=division
        )
    for username, code in (("city-publisher", "440100-ZS"), ("hz-publisher", "440105-ZS")):
        identity_services.staff_create(
            username=username,
            real_name=username,
            unit=units[code],
            roles=[Role.PUBLISHER],
            password=f.PASSWORD,
        )
    home = f.community(STREET)
    citizens = [f.citizen(home=home, name=name) for name in ("陈一", "陈二", "陈三")]
    assert mailbox_demo_build(citizens=citizens) == 6
    assert mailbox_demo_build(citizens=citizens) == 0
    assert Mailbox.objects.count() == 3 and Letter.objects.count() == 3
    published = Letter.objects.get(mailbox__name="市长信箱")
    assert published.status == LetterStatus.ANSWERED and published.published_at is not None
    assert Letter.objects.get(mailbox__name="海珠区区长信箱").status == LetterStatus.ASSIGNED
    overdue = Letter.objects.get(mailbox__unit__code="440105001-JD")
    assert overdue.status == LetterStatus.RECEIVED and overdue.due_on < timezone.localdate()
    assert overdue.mailbox.name.endswith("书记信箱")


def test_the_periodic_task_runs_the_sweep(w):
    write(w, now=timezone.now() - timedelta(days=40))
    assert tasks.letter_sweep() == {"due_soon": 0, "overdue": 1}
    assert tasks.letter_sweep() == {"due_soon": 0, "overdue": 0}
