"""The ticket lifecycle through the services: intake, three-level dispatch, handling, returns,
extensions, callbacks, supervision, merging, deadlines, SMS; and every refusal changing nothing."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cityhall.core.errors import DomainError, PermissionDeniedError
from cityhall.hotline.models import (
    Callback,
    Category,
    Channel,
    Escalation,
    EscalationKind,
    ExtensionStatus,
    InboundSms,
    RoutingRule,
    Satisfaction,
    Status,
    Ticket,
    TicketPhoto,
)
from cityhall.hotline.selectors import duplicate_candidates
from cityhall.hotline.services import dispatch as d
from cityhall.hotline.services.deadlines import RED, YELLOW, deadline_sweep, warning_level
from cityhall.hotline.services.intake import TicketDraft, ticket_create
from cityhall.hotline.services.reference import reference_invalidate
from cityhall.hotline.services.rules import deadline_for, tracking_number_valid
from cityhall.hotline.services.sms import sms_receive
from cityhall.hotline.tests import factories as f
from cityhall.notify.models import Message, SmsOutbox

VENDING = f.VENDING


def _draft(hc: f.HotlineCity, **kwargs: object) -> TicketDraft:
    return f.draft(hc, **kwargs)


def _at_street(hc: f.HotlineCity, **kwargs: object) -> Ticket:
    ticket = ticket_create(draft=_draft(hc, **kwargs))
    return d.ticket_dispatch(ticket=ticket, to=hc.street_office, by=hc.district_dispatcher)


def test_intake_locates_routes_and_dispatches_the_first_hop(hc, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(draft=_draft(hc))
    assert tracking_number_valid(str(ticket.tracking_number))
    assert ticket.grid_code.startswith(f.STREET)
    assert ticket.street is not None and ticket.street.code == f.STREET
    assert ticket.district is not None and ticket.district.code == f.DISTRICT
    assert ticket.community is not None
    # 占道经营 is a street matter: routed to the street office, sent first to the district centre.
    assert ticket.routed_unit == hc.street_office
    assert ticket.status == Status.DISPATCHED and ticket.holder == hc.district_centre
    assert ticket.dispatched_by_unit == hc.city_centre
    assert [e.action for e in ticket.events.all()] == ["receive", "dispatch"]
    # The caller (no account) is told the tracking number by SMS after the commit.
    assert SmsOutbox.objects.filter(phone="13900001111", text__contains=str(ticket.tracking_number))
    # Personal data is sealed at rest.
    with connection.cursor() as cursor:
        cursor.execute("SELECT reporter_phone FROM hotline_ticket WHERE id = %s", [ticket.pk])
        raw = cursor.fetchone()[0]
    assert raw and "13900001111" not in raw


def test_city_department_categories_go_straight_from_the_city_centre(hc):
    ticket = ticket_create(
        draft=_draft(hc, category_code="JT03", description="32路公交车司机开车太猛，乘客摔倒")
    )
    assert ticket.holder.code == "440100-JT" and ticket.status == Status.DISPATCHED


def test_a_routing_rule_overrides_the_default_handler(hc):
    category = Category.objects.get(code="CG01")
    street = hc.street_office.division
    RoutingRule.objects.create(category=category, division=street.parent, unit=hc.district_cg)
    reference_invalidate()  # what the admin does on save; other processes see it in seconds
    ticket = ticket_create(draft=_draft(hc))
    assert ticket.routed_unit == hc.district_cg
    # A street-level rule is more specific than the district's.
    RoutingRule.objects.create(category=category, division=street, unit=hc.street_office)
    reference_invalidate()
    assert ticket_create(draft=_draft(hc)).routed_unit == hc.street_office


def test_an_address_alone_resolves_to_its_division(hc):
    street = hc.street_office.division
    ticket = ticket_create(
        draft=_draft(hc, lat=None, lng=None, address=f"海珠区{street.name}某某路12号")
    )
    assert ticket.street_id == street.pk and ticket.grid_code == ""
    assert ticket.routed_unit == hc.street_office


def test_deadlines_use_working_days_or_clock_hours(hc):
    start = timezone.now()
    gas = Category.objects.get(code="RQ01")
    assert deadline_for(category=gas, urgency="normal", start=start) == start + timedelta(hours=2)
    vending = Category.objects.get(code="CG01")
    deadline = deadline_for(category=vending, urgency="normal", start=start)
    assert timezone.localtime(deadline).hour == 23
    assert deadline - start >= timedelta(days=3)
    urgent = deadline_for(category=vending, urgency="urgent", start=start)
    assert urgent == start + timedelta(hours=24)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"description": "   "}, "text_too_short"),
        ({"description": "字" * 2001}, "text_too_long"),
        ({"category_code": "ZZ99"}, "unknown_category"),
        ({"lat": 39.9, "lng": 116.4}, "outside_city"),
        ({"lat": 23.1, "lng": None}, "location_incomplete"),
        ({"reporter_phone": "12345"}, "invalid_phone"),
        ({"channel": Channel.WEB, "lat": None, "lng": None}, "location_required"),
        ({"photos": [f.photo("x.png", b"MZ\x90 not an image")]}, "upload_type"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(hc, changes, code):
    with pytest.raises(DomainError) as caught:
        ticket_create(draft=_draft(hc, **changes))
    assert caught.value.code == code
    assert Ticket.objects.count() == 0
    assert TicketPhoto.objects.count() == 0


def test_an_oversize_photo_is_refused(hc, settings):
    settings.CITYHALL_UPLOAD_MAX_BYTES = 32
    with pytest.raises(DomainError) as caught:
        ticket_create(draft=_draft(hc, photos=[f.photo()]))
    assert caught.value.code == "upload_too_large"
    assert Ticket.objects.count() == 0


def test_the_whole_life_down_to_the_grid_inspector_and_a_reopen(hc):
    ticket = _at_street(hc, photos=[f.photo()])
    assert ticket.holder == hc.street_office and ticket.dispatched_by_unit == hc.district_centre
    ticket = d.ticket_accept(ticket=ticket, by=hc.street_officer)
    assert d.inspector_for_grid(ticket=ticket) == hc.inspector
    ticket = d.ticket_assign_inspector(ticket=ticket, inspector=hc.inspector, by=hc.street_officer)
    ticket = d.ticket_start(ticket=ticket, by=hc.inspector)
    d.ticket_photos_add(ticket=ticket, photos=[f.photo()], phase="after", by=hc.inspector)
    ticket = d.ticket_resolve(ticket=ticket, result="已劝离摊贩并清理现场", by=hc.inspector)
    assert ticket.status == Status.RESOLVED and ticket.resolved_at is not None
    assert list(ticket.photos.values_list("phase", flat=True)) == ["report", "after"]
    # Dissatisfied the first time: reopened (重办) at the same unit, with a new deadline.
    ticket = d.ticket_callback(
        ticket=ticket,
        satisfaction=Satisfaction.DISSATISFIED,
        reason="第二天又来摆了",
        by=hc.city_operator,
    )
    assert ticket.status == Status.REOPENED and ticket.reopen_count == 1
    assert ticket.holder == hc.street_office and ticket.resolved_at is None
    ticket = d.ticket_start(ticket=ticket, by=hc.inspector)
    ticket = d.ticket_resolve(ticket=ticket, result="联合执法，设置隔离栏", by=hc.inspector)
    # Dissatisfied again: no second reopen; it goes to supervision (督办) with supervisors told.
    ticket = d.ticket_callback(
        ticket=ticket,
        satisfaction=Satisfaction.DISSATISFIED,
        reason="还是有人摆",
        by=hc.city_operator,
    )
    assert ticket.status == Status.CALLED_BACK and ticket.under_supervision
    assert Escalation.objects.filter(ticket=ticket, kind=EscalationKind.SUPERVISION).count() == 1
    assert Message.objects.filter(
        recipient=hc.supervisor, link__contains=str(ticket.tracking_number)
    )
    ticket = d.ticket_archive(ticket=ticket, by=hc.city_dispatcher)
    assert ticket.status == Status.CLOSED and ticket.closed_at is not None
    assert Callback.objects.filter(ticket=ticket).count() == 2
    actions = list(ticket.events.values_list("action", flat=True))
    assert actions[:6] == ["receive", "dispatch", "dispatch", "accept", "assign", "start"]
    assert actions.count("reopen") == 1 and actions.count("supervise") == 1
    assert all(e.at for e in ticket.events.all())


def test_a_satisfied_callback_then_archive(hc):
    ticket = _at_street(hc)
    d.ticket_accept(ticket=ticket, by=hc.street_officer)
    d.ticket_resolve(ticket=ticket, result="已处理完毕", by=hc.street_officer)
    ticket = d.ticket_callback(
        ticket=ticket, satisfaction=Satisfaction.SATISFIED, by=hc.city_operator
    )
    assert ticket.status == Status.CALLED_BACK and ticket.satisfaction == "satisfied"
    assert d.ticket_archive(ticket=ticket, by=hc.city_operator).status == Status.CLOSED


def test_callbacks_need_a_reason_when_dissatisfied_and_a_resolved_ticket(hc):
    ticket = _at_street(hc)
    with pytest.raises(DomainError):
        d.ticket_callback(ticket=ticket, satisfaction="satisfied", by=hc.city_operator)
    d.ticket_accept(ticket=ticket, by=hc.street_officer)
    d.ticket_resolve(ticket=ticket, result="已处理完毕", by=hc.street_officer)
    with pytest.raises(DomainError) as caught:
        d.ticket_callback(
            ticket=ticket, satisfaction="dissatisfied", reason="", by=hc.city_operator
        )
    assert caught.value.code == "reason_required"
    with pytest.raises(PermissionDeniedError):
        d.ticket_callback(ticket=ticket, satisfaction="satisfied", by=hc.street_officer)
    assert Callback.objects.count() == 0
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED


def test_archiving_before_the_callback_is_refused(hc):
    ticket = _at_street(hc)
    d.ticket_accept(ticket=ticket, by=hc.street_officer)
    d.ticket_resolve(ticket=ticket, result="已处理完毕", by=hc.street_officer)
    with pytest.raises(DomainError) as caught:
        d.ticket_archive(ticket=ticket, by=hc.city_dispatcher)
    assert caught.value.code == "callback_required"


def test_a_return_goes_back_to_the_centre_that_must_reroute(hc):
    ticket = _at_street(hc)
    with pytest.raises(DomainError):
        d.ticket_return(ticket=ticket, reason_code="not_remit", note="", by=hc.street_officer)
    ticket = d.ticket_return(
        ticket=ticket, reason_code="not_remit", note="属于城管局职责范围", by=hc.street_officer
    )
    assert ticket.status == Status.RETURNED and ticket.holder == hc.district_centre
    assert ticket.return_count == 1
    last = ticket.events.last()
    assert last is not None and "非本单位职责" in last.note
    # The district dispatcher was told, and re-routes to the district department.
    assert Message.objects.filter(recipient=hc.district_dispatcher, body__contains="退回")
    ticket = d.ticket_dispatch(ticket=ticket, to=hc.district_cg, by=hc.district_dispatcher)
    assert ticket.holder == hc.district_cg and ticket.status == Status.DISPATCHED


def test_dispatch_follows_the_three_levels_and_scope(hc):
    ticket = ticket_create(draft=_draft(hc, dispatch=False))
    assert ticket.status == Status.RECEIVED and ticket.holder == hc.city_centre
    # The city centre may not skip the district centre to reach a street.
    with pytest.raises(DomainError) as caught:
        d.ticket_dispatch(ticket=ticket, to=hc.street_office, by=hc.city_dispatcher)
    assert caught.value.code == "dispatch_not_allowed"
    # Someone at another centre cannot act on a ticket they do not hold.
    with pytest.raises(PermissionDeniedError):
        d.ticket_dispatch(ticket=ticket, to=hc.district_centre, by=hc.district_dispatcher)
    ticket = d.ticket_dispatch(ticket=ticket, to=hc.district_centre, by=hc.city_dispatcher)
    # A district centre dispatches only inside its own district.
    with pytest.raises(DomainError):
        d.ticket_dispatch(ticket=ticket, to=hc.other_district_centre, by=hc.district_dispatcher)
    other_street = f.unit("440106001-JD", kind="street_office")
    with pytest.raises(DomainError):
        d.ticket_dispatch(ticket=ticket, to=other_street, by=hc.district_dispatcher)
    assert Ticket.objects.get(pk=ticket.pk).holder == hc.district_centre
    # A handling unit cannot sign for a ticket still at a centre.
    with pytest.raises(PermissionDeniedError):
        d.ticket_accept(ticket=ticket, by=hc.street_officer)


def test_transitions_not_allowed_are_refused(hc):
    ticket = _at_street(hc)
    with pytest.raises(DomainError) as caught:
        d.ticket_start(ticket=ticket, by=hc.street_officer)
    assert caught.value.code == "transition_not_allowed"
    assert Ticket.objects.get(pk=ticket.pk).status == Status.DISPATCHED


def test_bulk_dispatch_follows_the_suggestions(hc):
    first = ticket_create(draft=_draft(hc))
    second = ticket_create(draft=_draft(hc))
    done, problems = d.ticket_dispatch_bulk(tickets=[first, second], by=hc.district_dispatcher)
    assert (done, problems) == (2, [])
    assert set(Ticket.objects.values_list("holder", flat=True)) == {hc.street_office.pk}


def test_extension_asked_before_the_deadline_and_approved_by_the_dispatcher(
    hc, django_capture_on_commit_callbacks
):
    ticket = _at_street(hc)
    d.ticket_accept(ticket=ticket, by=hc.street_officer)
    before = Ticket.objects.get(pk=ticket.pk).deadline
    request = d.extension_request(
        ticket=ticket, days=3, reason="需协调多个部门联合执法", by=hc.street_officer
    )
    with pytest.raises(DomainError) as caught:
        d.extension_request(ticket=ticket, days=2, reason="再延一次试试", by=hc.street_officer)
    assert caught.value.code == "extension_pending"
    with pytest.raises(PermissionDeniedError):
        d.extension_decide(request=request, approve=True, note="", by=hc.city_dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        request = d.extension_decide(
            request=request, approve=True, note="同意", by=hc.district_dispatcher
        )
    ticket.refresh_from_db()
    assert request.status == ExtensionStatus.APPROVED
    assert ticket.deadline > before and ticket.extension_count == 1
    # The reporter is told the new deadline.
    assert SmsOutbox.objects.filter(text__contains="延期").exists()


def test_extension_after_the_deadline_is_refused(hc):
    ticket = _at_street(hc)
    d.ticket_accept(ticket=ticket, by=hc.street_officer)
    Ticket.objects.filter(pk=ticket.pk).update(deadline=timezone.now() - timedelta(hours=1))
    with pytest.raises(DomainError) as caught:
        d.extension_request(ticket=ticket, days=2, reason="来不及了需要延期", by=hc.street_officer)
    assert caught.value.code == "deadline_passed"


def test_merge_makes_the_duplicate_follow_the_master_and_tells_both_reporters(
    hc, django_capture_on_commit_callbacks
):
    master = ticket_create(draft=_draft(hc, reporter_phone="13900002222"))
    duplicate = ticket_create(draft=_draft(hc, reporter_phone="13900003333"))
    with django_capture_on_commit_callbacks(execute=True):
        duplicate = d.ticket_merge(duplicate=duplicate, master=master, by=hc.district_dispatcher)
    assert duplicate.status == Status.MERGED and duplicate.master == master
    assert SmsOutbox.objects.filter(phone="13900003333", text__contains=str(master.tracking_number))
    master = d.ticket_dispatch(ticket=master, to=hc.street_office, by=hc.district_dispatcher)
    d.ticket_accept(ticket=master, by=hc.street_officer)
    with django_capture_on_commit_callbacks(execute=True):
        d.ticket_resolve(ticket=master, result="已清理占道摊档", by=hc.street_officer)
    # Both reporters hear the outcome; the master's reporter gets the link to rate it.
    for phone in ("13900002222", "13900003333"):
        assert SmsOutbox.objects.filter(phone=phone, text__contains="已清理占道摊档").exists()
    survey = f"{settings.CITYHALL_PUBLIC_URL}/hotline/s/{master.survey_token}/"
    assert SmsOutbox.objects.filter(phone="13900002222", text__contains=survey).exists()
    assert not SmsOutbox.objects.filter(phone="13900003333", text__contains="/hotline/s/").exists()


def test_duplicate_candidates_find_nearby_open_tickets_of_the_same_category(hc):
    first = ticket_create(draft=_draft(hc))
    lat, lng = f.point_in()
    found = duplicate_candidates(
        category_id=first.category_id, text=VENDING, lat=lat, lng=lng, exclude_pk=None
    )
    assert [c.ticket.pk for c in found] == [first.pk]
    assert found[0].similarity == 1.0 and found[0].distance_m == 0.0
    other_category = Category.objects.get(code="HB02").pk
    assert duplicate_candidates(category_id=other_category, text=VENDING, lat=lat, lng=lng) == []


def test_the_sweep_reminds_then_supervises_once_per_deadline(hc):
    ticket = _at_street(hc)
    d.ticket_accept(ticket=ticket, by=hc.street_officer)
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(
        received_at=now - timedelta(hours=9), deadline=now + timedelta(hours=1)
    )
    ticket.refresh_from_db()
    assert warning_level(ticket, now=now) == YELLOW
    assert deadline_sweep(now=now).reminders == 1
    assert deadline_sweep(now=now).reminders == 0  # idempotent
    later = now + timedelta(hours=2)
    assert warning_level(ticket, now=later) == RED
    counts = deadline_sweep(now=later)
    assert counts.supervisions == 1
    assert deadline_sweep(now=later).supervisions == 0
    kinds = sorted(Escalation.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == ["reminder", "supervision"]
    assert Message.objects.filter(recipient=hc.street_officer, subject__contains="催办").exists()
    assert Message.objects.filter(recipient=hc.supervisor, subject__contains="督办").exists()


def test_sms_becomes_a_ticket_once_and_the_sender_gets_the_number(
    hc, django_capture_on_commit_callbacks
):
    street = hc.street_office.division
    text = f"{street.name}菜市场门口有人占道摆摊卖水果，堵得过不去"
    with django_capture_on_commit_callbacks(execute=True):
        inbound = sms_receive(provider_id="m-1", phone="13700001111", text=text)
    assert inbound.ticket is not None and inbound.ticket.channel == Channel.SMS
    assert inbound.ticket.street_id == street.pk
    again = sms_receive(provider_id="m-1", phone="13700001111", text=text)
    assert again.pk == inbound.pk and Ticket.objects.count() == 1
    assert (
        SmsOutbox.objects.filter(
            phone="13700001111", text__contains=str(inbound.ticket.tracking_number)
        ).count()
        == 1
    )


def test_an_sms_too_short_is_answered_with_the_reason(hc, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        inbound = sms_receive(provider_id="m-2", phone="13700002222", text="有")
    assert inbound.ticket is None and inbound.error
    assert InboundSms.objects.count() == 1 and Ticket.objects.count() == 0
    assert SmsOutbox.objects.filter(phone="13700002222", text__contains="未能受理").exists()


def test_a_caller_the_city_knows_is_linked_to_their_account_unless_anonymous(hc):
    known = ticket_create(draft=_draft(hc, reporter_phone=hc.citizen.phone, reporter_name=""))
    assert known.reporter == hc.citizen and known.reporter_name == hc.citizen.real_name
    hidden = ticket_create(draft=_draft(hc, reporter_phone=hc.citizen.phone, anonymous=True))
    assert hidden.reporter is None and hidden.reporter_name == ""


def test_a_consultation_is_answered_by_the_hotline_itself(hc):
    ticket = ticket_create(
        draft=_draft(hc, category_code="ZX01", description="请问新生儿落户需要准备哪些材料")
    )
    assert ticket.status == Status.RECEIVED and ticket.holder == hc.city_centre
    assert d.dispatch_suggestion(ticket=ticket) is None
    ticket = d.ticket_resolve(ticket=ticket, result="已告知所需材料和办理地点", by=hc.city_operator)
    assert ticket.status == Status.RESOLVED
