"""The hotline's pages through the client: console, queues, a ticket's actions, the inspector's
phone pages, the citizen form, public tracking, the SMS survey and webhook; and scope."""

import hashlib
import hmac
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from cityhall.core.models import AuditEntry
from cityhall.hotline.models import Channel, Status, Ticket, TicketPhoto
from cityhall.hotline.services import dispatch as d
from cityhall.hotline.services.intake import ticket_create
from cityhall.hotline.tests import factories as f
from cityhall.identity.selectors import personal_data_reads_of
from cityhall.identity.tests.factories import signed_in

TEXT = f.VENDING


def _ticket(hc: f.HotlineCity, **kwargs: object) -> Ticket:
    return ticket_create(draft=f.draft(hc, **kwargs))


def test_console_takes_a_call_in(client, hc):
    signed_in(client, hc.city_operator)
    assert client.get(reverse("hotline:console")).status_code == 200
    lat, lng = f.point_in()
    response = client.post(
        reverse("hotline:console"),
        {
            "reporter_phone": "13900001111",
            "reporter_name": "王大明",
            "description": TEXT,
            "kind": "",
            "category": "",
            "urgency": "normal",
            "dispatch": "on",
            "address": "",
            "lat": lat,
            "lng": lng,
            "action": "create",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("hotline:staff_detail", args=[ticket.tracking_number])
    assert ticket.received_by == hc.city_operator and ticket.channel == Channel.PHONE
    assert ticket.category.code == "CG01"  # the suggestion was taken
    assert ticket.holder == hc.district_centre


def test_console_shows_errors_and_keeps_the_text(client, hc):
    signed_in(client, hc.city_operator)
    response = client.post(
        reverse("hotline:console"),
        {"description": TEXT, "category": "CG01", "urgency": "normal", "lat": 39.9, "lng": 116.4},
    )
    assert response.status_code == 200
    assert "不在本市" in response.content.decode()
    assert TEXT in response.content.decode()
    assert Ticket.objects.count() == 0


def test_console_suggest_gives_categories_place_and_caller_history(client, hc):
    earlier = _ticket(hc)
    signed_in(client, hc.city_operator)
    street = hc.street_office.division
    response = client.get(
        reverse("hotline:console_suggest"),
        {
            "text": "路口有流动摊贩占道摆摊",
            "address": f"海珠区{street.name}",
            "phone": "13900001111",
        },
    )
    data = response.json()
    assert data["suggestions"][0]["category"] == "CG01"
    assert data["place"]["code"] == street.code
    assert [t["number"] for t in data["caller_tickets"]] == [earlier.tracking_number]
    # Only hotline roles may look callers up.
    signed_in(client, hc.street_officer)
    assert client.get(reverse("hotline:console_suggest"), {"text": "x"}).status_code == 403


def test_district_queue_bulk_dispatch_then_the_street_signs(client, hc):
    ticket = _ticket(hc)
    signed_in(client, hc.district_dispatcher)
    page = client.get(reverse("hotline:queue"))
    assert ticket.tracking_number in page.content.decode()
    assert hc.street_office.name in page.content.decode()  # the suggested target
    client.post(
        reverse("hotline:queue_bulk"), {"ticket": [ticket.tracking_number], "bulk": "dispatch"}
    )
    ticket.refresh_from_db()
    assert ticket.holder == hc.street_office
    signed_in(client, hc.street_officer)
    client.post(reverse("hotline:act", args=[ticket.tracking_number, "accept"]))
    ticket.refresh_from_db()
    assert ticket.status == Status.ACCEPTED


def test_detail_masks_the_reporter_and_audits_the_read(client, hc):
    ticket = _ticket(hc)
    signed_in(client, hc.district_dispatcher)
    body = client.get(
        reverse("hotline:staff_detail", args=[ticket.tracking_number])
    ).content.decode()
    assert "13900001111" not in body and "王大明" not in body
    assert "139****1111" in body
    assert AuditEntry.objects.filter(
        subject_type="hotline_ticket", subject_id=str(ticket.pk)
    ).exists()


def test_tickets_outside_ones_scope_do_not_exist(client, hc):
    ticket = _ticket(hc)
    url = reverse("hotline:staff_detail", args=[ticket.tracking_number])
    for outsider in (hc.other_district_dispatcher, hc.other_street_officer, hc.inspector):
        signed_in(client, outsider)
        assert client.get(url).status_code == 404
        response = client.post(reverse("hotline:act", args=[ticket.tracking_number, "dispatch"]))
        assert response.status_code == 404
    signed_in(client, hc.citizen)
    assert client.get(url).status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED and ticket.holder == hc.district_centre


def test_a_refused_action_shows_its_reason_and_changes_nothing(client, hc):
    ticket = _ticket(hc)
    d.ticket_dispatch(ticket=ticket, to=hc.street_office, by=hc.district_dispatcher)
    signed_in(client, hc.street_officer)
    response = client.post(
        reverse("hotline:act", args=[ticket.tracking_number, "return"]),
        {"reason_code": "not_remit", "note": ""},
        follow=True,
    )
    assert "请填写退单说明" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED and ticket.holder == hc.street_office


def test_the_inspector_handles_a_task_on_the_phone_pages(client, hc):
    ticket = _ticket(hc)
    d.ticket_dispatch(ticket=ticket, to=hc.street_office, by=hc.district_dispatcher)
    d.ticket_accept(ticket=ticket, by=hc.street_officer)
    d.ticket_assign_inspector(ticket=ticket, inspector=hc.inspector, by=hc.street_officer)
    signed_in(client, hc.inspector)
    assert ticket.tracking_number in client.get(reverse("hotline:inspector")).content.decode()
    page = client.get(reverse("hotline:inspector_task", args=[ticket.tracking_number]))
    assert "geo:" in page.content.decode()  # navigate to the spot
    client.post(
        reverse("hotline:act", args=[ticket.tracking_number, "start"]), {"next": "inspector"}
    )
    client.post(
        reverse("hotline:act", args=[ticket.tracking_number, "photos"]),
        {"phase": "before", "photos": [f.photo("before.png")], "next": "inspector"},
    )
    response = client.post(
        reverse("hotline:act", args=[ticket.tracking_number, "resolve"]),
        {
            "result": "已劝离摊贩，现场已清理",
            "photos": [f.photo("after.jpg", f.JPEG)],
            "next": "inspector",
        },
    )
    assert response["Location"] == reverse("hotline:inspector_task", args=[ticket.tracking_number])
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert sorted(ticket.photos.values_list("phase", flat=True)) == ["after", "before"]
    photo = ticket.photos.get(phase="after")
    assert client.get(reverse("hotline:photo", args=[photo.pk])).status_code == 200
    signed_in(client, hc.other_street_officer)
    assert client.get(reverse("hotline:photo", args=[photo.pk])).status_code == 404


def test_patrol_report_goes_to_the_district_centre_and_on_to_the_street(client, hc):
    signed_in(client, hc.inspector)
    lat, lng = f.point_in()
    response = client.post(
        reverse("hotline:patrol"),
        {
            "description": "巡查发现路边有人占道经营摆卖水果",
            "category": "CG01",
            "lat": lat,
            "lng": lng,
            "address": "",
            "photos": [f.photo()],
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.PATROL and ticket.received_by == hc.inspector
    assert ticket.holder == hc.street_office  # district centre → its street, in one step
    assert ticket.photos.count() == 1


def test_citizen_reports_with_a_photo_once_and_tracks_it(client, hc):
    signed_in(client, hc.citizen)
    page = client.get(reverse("hotline:report"))
    assert page.status_code == 200 and "data-pin-map" in page.content.decode()
    lat, lng = f.point_in()
    form = {
        "description": "楼下烧烤店油烟太大，熏得家里没法开窗",
        "kind": "complaint",
        "category": "",
        "reporter_phone": "13800138000",
        "lat": lat,
        "lng": lng,
        "address": "",
        "idempotency_key": "k-1",
    }
    first = client.post(reverse("hotline:report"), {**form, "photos": [f.photo()]})
    again = client.post(reverse("hotline:report"), {**form, "photos": [f.photo()]})
    ticket = Ticket.objects.get()
    assert (
        first["Location"]
        == again["Location"]
        == reverse("hotline:track", args=[ticket.tracking_number])
    )
    assert ticket.reporter == hc.citizen and TicketPhoto.objects.count() == 1
    assert ticket.tracking_number in client.get(reverse("hotline:mine")).content.decode()


def test_a_bad_photo_keeps_the_form_and_writes_nothing(client, hc):
    signed_in(client, hc.citizen)
    lat, lng = f.point_in()
    response = client.post(
        reverse("hotline:report"),
        {
            "description": "路灯不亮已经一个星期了",
            "kind": "complaint",
            "lat": lat,
            "lng": lng,
            "photos": [f.photo("a.png", b"GIF89a....")],
        },
    )
    assert response.status_code == 200 and "只接受" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_public_tracking_shows_no_personal_data(client, hc):
    ticket = _ticket(hc)
    body = client.get(reverse("hotline:track", args=[ticket.tracking_number])).content.decode()
    assert ticket.category.name in body
    assert "王大明" not in body and "13900001111" not in body and "139****" not in body
    number = str(ticket.tracking_number)
    wrong = number[:-1] + ("1" if number[-1] == "0" else "0")  # a mistyped check character
    bad = client.get(reverse("hotline:track_search"), {"number": wrong})
    assert "校验码" in bad.content.decode()
    assert client.get(reverse("hotline:track", args=["2026010100000001X"])).status_code == 404


def test_the_sms_survey_link_records_the_callback(client, hc):
    ticket = _ticket(hc)
    d.ticket_dispatch(ticket=ticket, to=hc.street_office, by=hc.district_dispatcher)
    d.ticket_accept(ticket=ticket, by=hc.street_officer)
    d.ticket_resolve(ticket=ticket, result="已处理完毕", by=hc.street_officer)
    url = reverse("hotline:survey", args=[ticket.survey_token])
    client.post(url, {"satisfaction": "dissatisfied", "reason": "根本没人来处理"})
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED
    assert ticket.callbacks.get().channel == Channel.SMS
    assert client.get(reverse("hotline:survey", args=["nope"])).status_code == 404


def _signed(body: str, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


def test_the_sms_webhook_needs_a_valid_signature(client, hc, settings):
    street = hc.street_office.division
    body = urlencode(
        {"id": "gw-1", "from": "13700001111", "text": f"{street.name}有人占道经营摆摊"}
    )
    kind = "application/x-www-form-urlencoded"
    url = reverse("hotline:sms_inbound")
    forged = client.post(url, body, content_type=kind, HTTP_X_CITYHALL_SIGNATURE="sha256=00")
    assert forged.status_code == 403 and Ticket.objects.count() == 0
    signature = _signed(body, settings.CITYHALL_SMS_WEBHOOK_SECRET)
    response = client.post(url, body, content_type=kind, HTTP_X_CITYHALL_SIGNATURE=signature)
    assert response.status_code == 200
    assert response.json()["ticket"] == Ticket.objects.get().tracking_number


@pytest.mark.parametrize("name", ["console", "queue", "callbacks", "inspector", "patrol"])
def test_staff_pages_refuse_citizens(client, hc, name):
    signed_in(client, hc.citizen)
    assert client.get(reverse(f"hotline:{name}")).status_code == 403


def test_callbacks_page_shows_the_number_to_call_and_audits_it(client, hc):
    ticket = _ticket(hc)
    d.ticket_dispatch(ticket=ticket, to=hc.street_office, by=hc.district_dispatcher)
    d.ticket_accept(ticket=ticket, by=hc.street_officer)
    d.ticket_resolve(ticket=ticket, result="已处理完毕", by=hc.street_officer)
    signed_in(client, hc.city_operator)
    body = client.get(reverse("hotline:callbacks")).content.decode()
    assert "13900001111" in body
    entry = AuditEntry.objects.filter(subject_type="hotline_ticket").latest("seq")
    assert entry.detail["purpose"] == "回访"
    client.post(
        reverse("hotline:act", args=[ticket.tracking_number, "callback"]),
        {"satisfaction": "satisfied", "next": "callbacks"},
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.CALLED_BACK


def test_a_citizen_sees_that_the_hotline_read_their_number(client, hc):
    ticket = _ticket(hc, reporter_phone=hc.citizen.phone, reporter_name="")
    assert ticket.reporter == hc.citizen
    d.ticket_dispatch(ticket=ticket, to=hc.street_office, by=hc.district_dispatcher)
    d.ticket_accept(ticket=ticket, by=hc.street_officer)
    d.ticket_resolve(ticket=ticket, result="已处理完毕", by=hc.street_officer)
    signed_in(client, hc.city_operator)
    assert hc.citizen.phone in client.get(reverse("hotline:callbacks")).content.decode()
    reads = list(personal_data_reads_of(account=hc.citizen))
    assert [r.detail.get("purpose") for r in reads] == ["回访"]
    assert reads[0].actor == hc.city_operator
