"""Open311 GeoReport v2, driven as a client library would: form-encoded POSTs, XML parsed with
ElementTree, JSON with json, element names and order as the spec writes them."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, timedelta
from io import StringIO
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from cityhall.core.errors import DomainError
from cityhall.hotline.models import Channel, Kind, Open311Client, Status, Ticket, TicketEvent
from cityhall.hotline.services import dispatch
from cityhall.hotline.services.intake import TicketDraft, ticket_create
from cityhall.hotline.services.open311 import open311_client_create, open311_client_for_key
from cityhall.hotline.tests import factories as f

BASE = "/open311/v2"
TEXT = "小区门口有人占道经营摆摊，影响通行"
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")
SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
UPDATE_FIELDS = [
    "update_id",
    "service_request_id",
    "status",
    "updated_datetime",
    "description",
    "media_url",
]


def tags(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def xml(response: Any) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 — our own output


def js(response: Any) -> Any:
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def post(client: Client, fmt: str = "xml", query: str = "", **fields: Any) -> Any:
    url = f"{BASE}/requests.{fmt}" + (f"?{query}" if query else "")
    return client.post(
        url, data=urlencode(fields), content_type="application/x-www-form-urlencoded"
    )


def report(key: str, **extra: Any) -> dict[str, Any]:
    lat, lng = f.point_in()
    fields = {
        "api_key": key,
        "service_code": "CG01",
        "lat": lat,
        "long": lng,
        "description": TEXT,
        "first_name": "三",
        "last_name": "张",
        "phone": "13900001111",
        "email": "zhang@example.com",
        "attribute[type]": "complaint",
    }
    fields.update(extra)
    return {k: v for k, v in fields.items() if v is not None}


def phone_ticket(hc: f.HotlineCity, text: str = TEXT, code: str = "CG01") -> Ticket:
    lat, lng = f.point_in()
    return ticket_create(
        draft=TicketDraft(
            description=text,
            channel=Channel.PHONE,
            category_code=code,
            lat=lat,
            lng=lng,
            reporter_name="李四",
            reporter_phone="13800002222",
            received_by=hc.city_operator,
        )
    )


def errors_of(response: Any, fmt: str) -> list[tuple[int, str]]:
    if fmt == "xml":
        root = xml(response)
        assert root.tag == "errors"
        assert all(tags(e) == ["code", "description"] for e in root)
        return [(int(e.findtext("code") or 0), e.findtext("description") or "") for e in root]
    body = js(response)
    assert isinstance(body, list)
    assert all(list(e) == ["code", "description"] for e in body)
    return [(e["code"], e["description"]) for e in body]


@pytest.fixture
def key(db) -> str:
    _client, secret = open311_client_create(name="FixMyStreet 测试")
    return secret


# Discovery and services ---------------------------------------------------------------------


def test_discovery_xml_and_json(client, db):
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert tags(root) == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert endpoint is not None
    assert tags(endpoint) == ["specification", "url", "changeset", "type", "formats"]
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url", "").endswith("/open311/v2")
    assert [e.text for e in endpoint.iterfind("formats/format")] == [
        "text/xml",
        "application/json",
    ]
    body = js(client.get(f"{BASE}/discovery.json"))
    assert list(body) == ["changeset", "contact", "key_service", "endpoints"]
    assert body["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert body["endpoints"][0]["type"] in ("production", "test")


def test_services_list_follows_the_spec(client, db):
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    services = root.findall("service")
    assert len(services) > 10
    assert all(tags(s) == SERVICE_FIELDS for s in services)
    first = next(s for s in services if s.findtext("service_code") == "CG01")
    assert first.findtext("service_name") == "占道经营"
    assert first.findtext("metadata") == "true"
    assert first.findtext("type") == "realtime"
    assert first.findtext("group") == "市容环境"
    assert first.findtext("keywords", "").startswith("占道, 摆摊")

    body = js(client.get(f"{BASE}/services.json"))
    assert isinstance(body, list) and len(body) == len(services)
    cg01 = next(s for s in body if s["service_code"] == "CG01")
    assert list(cg01) == SERVICE_FIELDS
    assert cg01["metadata"] is True


def test_service_definition_has_the_type_attribute(client, db):
    root = xml(client.get(f"{BASE}/services/CG01.xml"))
    assert root.tag == "service_definition"
    assert tags(root) == ["service_code", "attributes"]
    attribute = root.find("attributes/attribute")
    assert attribute is not None
    assert tags(attribute) == [
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    ]
    assert attribute.findtext("code") == "type"
    assert attribute.findtext("datatype") == "singlevaluelist"
    assert attribute.findtext("required") == "false"
    values = attribute.findall("values/value")
    assert all(tags(v) == ["key", "name"] for v in values)
    assert [v.findtext("key") for v in values] == list(Kind.values)
    assert values[0].findtext("name") == "投诉"

    body = js(client.get(f"{BASE}/services/CG01.json"))
    assert isinstance(body, dict)
    assert body["service_code"] == "CG01"
    assert body["attributes"][0]["variable"] is True
    assert body["attributes"][0]["order"] == 1
    assert {"key": "help", "name": "求助"} in body["attributes"][0]["values"]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_unknown_service_definition_is_404(client, db, fmt):
    response = client.get(f"{BASE}/services/NOPE.{fmt}")
    assert response.status_code == 404
    [(code, description)] = errors_of(response, fmt)
    assert code == 404 and "NOPE" in description


def test_unknown_extension_is_404(client, db):
    for url in ("discovery.html", "services.csv", "requests.yaml", "services/CG01.txt"):
        response = client.get(f"{BASE}/{url}")
        assert response.status_code == 404, url
        assert response["Content-Type"].startswith("text/plain")


# POST requests -----------------------------------------------------------------------------


def test_post_xml_with_key_in_body_creates_a_ticket(client, hc, key):
    response = post(client, "xml", **report(key))
    assert response.status_code == 200, response.content
    root = xml(response)
    assert root.tag == "service_requests"
    [request] = root.findall("request")
    assert tags(request) == ["service_request_id", "service_notice", "account_id"]
    number = request.findtext("service_request_id")
    assert request.findtext("account_id") == ""
    ticket = Ticket.objects.get(tracking_number=number)
    assert ticket.channel == Channel.OPEN311
    assert ticket.category.code == "CG01"
    assert ticket.kind == Kind.COMPLAINT
    assert ticket.description == TEXT
    assert ticket.reporter_name == "张三"
    assert ticket.reporter_phone == "13900001111"
    assert ticket.received_by is None
    assert ticket.open311_token
    assert ticket.lat is not None and ticket.grid_code.startswith(f.STREET)
    assert ticket.holder == hc.district_centre
    assert "3 个工作日" in (request.findtext("service_notice") or "")


def test_post_json_with_key_in_query(client, hc, key):
    fields = report(key)
    del fields["api_key"]
    response = post(client, "json", query=urlencode({"api_key": key}), **fields)
    assert response.status_code == 200, response.content
    body = js(response)
    assert isinstance(body, list) and len(body) == 1
    assert list(body[0]) == ["service_request_id", "service_notice", "account_id"]
    assert body[0]["account_id"] is None
    assert Ticket.objects.filter(tracking_number=body[0]["service_request_id"]).exists()


def test_post_with_an_address_only_and_latin_name(client, hc, key):
    fields = report(
        key, lat=None, long=None, address_string="海珠区赤岗街道", first_name="Ann", last_name="Li"
    )
    fields["attribute[type]"] = ""
    fields["jurisdiction_id"] = ""
    response = post(client, "json", **fields)
    assert response.status_code == 200, response.content
    ticket = Ticket.objects.get(tracking_number=js(response)[0]["service_request_id"])
    assert ticket.reporter_name == "Ann Li"
    assert ticket.lat is None and ticket.address == "海珠区赤岗街道"
    assert ticket.kind in Kind.values  # the classifier's choice when type is left empty


def test_post_ignores_csrf(hc, key):
    strict = Client(enforce_csrf_checks=True)
    assert post(strict, "xml", **report(key)).status_code == 200


def test_post_with_the_jurisdiction_in_any_case(client, hc, key, settings):
    settings.CITYHALL_OPEN311_JURISDICTION = "gz.example.cn"
    assert post(client, "xml", **report(key, jurisdiction_id="GZ.example.cn")).status_code == 200
    response = post(client, "xml", **report(key, jurisdiction_id="guangzhou.gov.cn"))
    assert response.status_code == 404


BAD_POSTS = [
    ("no key", {"api_key": None}, 403, "api_key"),
    ("empty key", {"api_key": ""}, 403, "api_key"),
    ("bad key", {"api_key": "not-a-real-key-at-all"}, 403, "api_key"),
    ("no service_code", {"service_code": ""}, 400, "service_code"),
    ("bad service_code", {"service_code": "ZZ99"}, 404, "ZZ99"),
    ("bad lat", {"lat": "north"}, 400, "lat"),
    ("lat out of range", {"lat": "123.5"}, 400, "lat"),
    ("long not finite", {"long": "nan"}, 400, "long"),
    ("lat without long", {"long": ""}, 400, "纬度"),
    ("outside the city", {"lat": "39.9042", "long": "116.4074"}, 400, "范围"),
    ("text too short", {"description": "坏了"}, 400, "至少"),
    ("bad type", {"attribute[type]": "rant"}, 400, "诉求类型"),
    ("bad phone", {"phone": "12"}, 400, "电话"),
    ("other jurisdiction", {"jurisdiction_id": "beijing.gov.cn"}, 404, "beijing.gov.cn"),
]


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize(
    ("label", "change", "status", "says"), BAD_POSTS, ids=[b[0] for b in BAD_POSTS]
)
def test_bad_posts_are_refused_and_write_nothing(client, hc, key, fmt, label, change, status, says):
    tickets, events = Ticket.objects.count(), TicketEvent.objects.count()
    response = post(client, fmt, **report(key, **change))
    assert response.status_code == status, response.content
    [(code, description)] = errors_of(response, fmt)
    assert code == status
    assert says in description
    assert (Ticket.objects.count(), TicketEvent.objects.count()) == (tickets, events)


def test_an_inactive_key_is_refused(client, hc, key):
    Open311Client.objects.update(is_active=False)
    response = post(client, "json", **report(key))
    assert response.status_code == 403
    assert Ticket.objects.count() == 0


def test_wrong_method_is_405(client, db):
    response = client.post(f"{BASE}/services.json")
    assert response.status_code == 405
    assert errors_of(response, "json")[0][0] == 405
    assert "GET" in response["Allow"]


# GET requests ------------------------------------------------------------------------------


def test_get_requests_xml_and_json_follow_the_spec(client, hc, key):
    number = js(post(client, "json", **report(key)))[0]["service_request_id"]
    root = xml(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    [request] = root.findall("request")
    assert tags(request) == REQUEST_FIELDS
    assert request.findtext("service_request_id") == number
    assert request.findtext("status") == "open"
    assert request.findtext("service_code") == "CG01"
    assert request.findtext("agency_responsible") == hc.district_centre.name
    assert W3C.match(request.findtext("requested_datetime") or "")
    assert W3C.match(request.findtext("expected_datetime") or "")
    assert float(request.findtext("lat") or 0) == pytest.approx(f.point_in()[0])

    body = js(client.get(f"{BASE}/requests.json"))
    assert isinstance(body, list)
    assert list(body[0]) == REQUEST_FIELDS
    assert isinstance(body[0]["lat"], float) and isinstance(body[0]["long"], float)
    assert body[0]["media_url"] is None and body[0]["zipcode"] is None
    for content in (client.get(f"{BASE}/requests.xml").content, json.dumps(body).encode()):
        text = content.decode()
        assert "张三" not in text and "13900001111" not in text


def test_get_one_request_is_an_array(client, hc, key):
    number = js(post(client, "json", **report(key)))[0]["service_request_id"]
    body = js(client.get(f"{BASE}/requests/{number}.json"))
    assert isinstance(body, list) and [r["service_request_id"] for r in body] == [number]
    root = xml(client.get(f"{BASE}/requests/{number}.xml"))
    assert root.tag == "service_requests" and len(root.findall("request")) == 1
    for fmt in ("xml", "json"):
        response = client.get(f"{BASE}/requests/20990101000000001.{fmt}")
        assert response.status_code == 404
        assert errors_of(response, fmt)[0][0] == 404


def test_status_filter_and_closed_requests(client, hc, key):
    resolved = phone_ticket(hc)
    dispatch.ticket_dispatch(ticket=resolved, to=hc.street_office, by=hc.district_dispatcher)
    dispatch.ticket_accept(ticket=resolved, by=hc.street_officer)
    dispatch.ticket_resolve(ticket=resolved, result="已劝离摊贩，恢复通行", by=hc.street_officer)
    still_open = phone_ticket(hc)

    closed = js(client.get(f"{BASE}/requests.json", {"status": "closed"}))
    assert [r["service_request_id"] for r in closed] == [resolved.tracking_number]
    assert closed[0]["status"] == "closed"
    assert closed[0]["status_notes"] == "已劝离摊贩，恢复通行"
    assert closed[0]["agency_responsible"] == hc.street_office.name
    opened = js(client.get(f"{BASE}/requests.json", {"status": "open"}))
    assert [r["service_request_id"] for r in opened] == [still_open.tracking_number]
    assert opened[0]["status_notes"] == Status.DISPATCHED.label
    both = js(client.get(f"{BASE}/requests.json", {"status": "open,closed"}))
    assert len(both) == 2
    assert len(js(client.get(f"{BASE}/requests.json", {"status": ""}))) == 2
    response = client.get(f"{BASE}/requests.json", {"status": "pending"})
    assert response.status_code == 400 and "status" in errors_of(response, "json")[0][1]


def test_service_code_and_id_filters(client, hc, key):
    a, b, c = phone_ticket(hc), phone_ticket(hc), phone_ticket(hc)
    old = timezone.now() - timedelta(days=200)
    Ticket.objects.filter(pk=c.pk).update(received_at=old)

    def ids(**params: Any) -> list[str]:
        return [r["service_request_id"] for r in js(client.get(f"{BASE}/requests.json", params))]

    assert ids() == [b.tracking_number, a.tracking_number]  # newest first, last 90 days
    assert ids(service_code="cg01,CG02") == [b.tracking_number, a.tracking_number]
    assert ids(service_code="CG02") == []
    # service_request_id overrides every other argument, the date window included.
    assert set(ids(service_request_id=f"{a.tracking_number}, {c.tracking_number}")) == {
        a.tracking_number,
        c.tracking_number,
    }
    assert ids(service_request_id=c.tracking_number, service_code="CG02", status="closed") == [
        c.tracking_number
    ]
    start = (old - timedelta(days=1)).isoformat()
    assert ids(start_date=start) == [c.tracking_number]


def test_date_window_rules(client, hc, key):
    ticket = phone_ticket(hc)
    now = timezone.localtime()

    def get(**params: Any) -> Any:
        return client.get(f"{BASE}/requests.xml", params)

    day = timedelta(days=1)
    inside = {"start_date": (now - day).isoformat(), "end_date": (now + day).isoformat()}
    assert len(xml(get(**inside)).findall("request")) == 1
    utc = {"start_date": (now - day).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert len(xml(get(**utc)).findall("request")) == 1
    before = {"end_date": (now - day).isoformat()}
    assert xml(get(**before)).findall("request") == []
    # A "+" that a client forgot to encode arrives as a space.
    raw = f"{BASE}/requests.json?start_date={(now - day).strftime('%Y-%m-%dT%H:%M:%S')}+08:00"
    assert [r["service_request_id"] for r in js(client.get(raw))] == [ticket.tracking_number]
    date_only = {"start_date": (now - day).date().isoformat()}
    assert len(xml(get(**date_only)).findall("request")) == 1

    too_wide = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:00Z"}
    backwards = {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}
    for params, says in (
        (too_wide, "90"),
        (backwards, "end_date"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2026-13-45T00:00:00Z"}, "end_date"),
    ):
        response = get(**params)
        assert response.status_code == 400, params
        [(code, description)] = errors_of(response, "xml")
        assert code == 400 and says in description
    exactly_90 = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"}
    assert get(**exactly_90).status_code == 200


def test_paging(client, hc, key):
    made = [phone_ticket(hc) for _ in range(3)]
    newest_first = [t.tracking_number for t in reversed(made)]

    def page(**params: Any) -> list[str]:
        response = client.get(f"{BASE}/requests.json", params)
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in js(response)]

    assert page(page_size=2) == newest_first[:2]
    assert page(page_size=2, page=2) == newest_first[2:]
    assert page(page_size=2, page=3) == []
    assert page(page="", page_size="") == newest_first
    for bad in (
        {"page": "0"},
        {"page": "x"},
        {"page": "1000001"},
        {"page_size": "1001"},
        {"page_size": "-1"},
    ):
        response = client.get(f"{BASE}/requests.json", bad)
        assert response.status_code == 400, bad


def test_request_list_queries_do_not_grow(client, hc, key, django_assert_max_num_queries):
    for _ in range(2):
        phone_ticket(hc)
    with django_assert_max_num_queries(4) as few:
        client.get(f"{BASE}/requests.json")
    for _ in range(4):
        phone_ticket(hc)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(js(client.get(f"{BASE}/requests.json"))) == 6


def test_description_numbers_are_masked(client, hc, key):
    phone_ticket(
        hc, text="路边摊贩占道，我电话13912345678，身份证440105199001011234，座机020-12345678"
    )
    [row] = js(client.get(f"{BASE}/requests.json"))
    text = row["description"]
    assert "139****5678" in text and "13912345678" not in text
    assert "440105********1234" in text
    assert "020-****5678" in text


def test_merged_request_points_to_its_master(client, hc, key):
    master, duplicate = phone_ticket(hc), phone_ticket(hc)
    dispatch.ticket_merge(duplicate=duplicate, master=master, by=hc.district_dispatcher)
    [row] = js(client.get(f"{BASE}/requests/{duplicate.tracking_number}.json"))
    assert row["status"] == "closed"
    assert master.tracking_number in row["status_notes"]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_jurisdiction_on_reads(client, hc, key, fmt):
    phone_ticket(hc)
    ok = client.get(f"{BASE}/requests.{fmt}", {"jurisdiction_id": "guangzhou.gov.cn"})
    assert ok.status_code == 200
    assert client.get(f"{BASE}/services.{fmt}", {"jurisdiction_id": ""}).status_code == 200
    for url in ("services", "services/CG01", "requests", "servicerequestupdates"):
        response = client.get(f"{BASE}/{url}.{fmt}", {"jurisdiction_id": "sfgov.org"})
        assert response.status_code == 404, url
        assert "sfgov.org" in errors_of(response, fmt)[0][1]


# Tokens ------------------------------------------------------------------------------------


def test_token_lookup(client, hc, key):
    number = js(post(client, "json", **report(key)))[0]["service_request_id"]
    token = Ticket.objects.get(tracking_number=number).open311_token
    body = js(client.get(f"{BASE}/tokens/{token}.json"))
    assert body == [{"service_request_id": number, "token": token}]
    root = xml(client.get(f"{BASE}/tokens/{token}.xml"))
    [request] = root.findall("request")
    assert root.tag == "service_requests"
    assert tags(request) == ["service_request_id", "token"]
    for fmt in ("xml", "json"):
        response = client.get(f"{BASE}/tokens/0123456789abcdef.{fmt}")
        assert response.status_code == 404
        assert errors_of(response, fmt)[0][0] == 404


# Updates feed ------------------------------------------------------------------------------


def test_updates_feed_follows_the_ticket_through_its_states(client, hc, key):
    number = js(post(client, "json", **report(key)))[0]["service_request_id"]
    phone_ticket(hc)  # not from Open311: not in the feed
    ticket = Ticket.objects.get(tracking_number=number)
    ticket = dispatch.ticket_dispatch(ticket=ticket, to=hc.street_office, by=hc.district_dispatcher)
    ticket = dispatch.ticket_accept(ticket=ticket, by=hc.street_officer)
    ticket = dispatch.ticket_resolve(ticket=ticket, result="已劝离摊贩", by=hc.street_officer)

    root = xml(client.get(f"{BASE}/servicerequestupdates.xml"))
    assert root.tag == "service_requests_updates"
    updates = root.findall("request_update")
    assert all(tags(u) == UPDATE_FIELDS for u in updates)
    assert {u.findtext("service_request_id") for u in updates} == {number}
    assert [u.findtext("status") for u in updates] == [
        "open",  # city centre → 海珠 district centre
        "investigating",  # district centre → street office
        "action_scheduled",
        "fixed",
    ]
    assert hc.district_centre.name in (updates[0].findtext("description") or "")
    assert hc.street_office.name in (updates[1].findtext("description") or "")
    assert "已劝离摊贩" in (updates[3].findtext("description") or "")
    ids = [int(u.findtext("update_id") or 0) for u in updates]
    assert ids == sorted(ids) and len(set(ids)) == 4
    assert all(W3C.match(u.findtext("updated_datetime") or "") for u in updates)

    body = js(client.get(f"{BASE}/servicerequestupdates.json", {"page_size": 2, "page": 2}))
    assert [u["status"] for u in body] == ["action_scheduled", "fixed"]
    assert list(body[0]) == UPDATE_FIELDS and body[0]["media_url"] is None
    assert "张三" not in json.dumps(body, ensure_ascii=False)

    # FixMyStreet asks for a recent window (and sends its api_key, which a GET ignores).
    now = timezone.now()
    window = {
        "start_date": (now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end_date": (now + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "api_key": "whatever",
        "jurisdiction_id": "guangzhou.gov.cn",
    }
    assert len(xml(client.get(f"{BASE}/servicerequestupdates.xml", window))) == 4
    earlier = {"end_date": (now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert len(xml(client.get(f"{BASE}/servicerequestupdates.xml", earlier))) == 0
    wide = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}
    assert client.get(f"{BASE}/servicerequestupdates.json", wide).status_code == 400


# Keys --------------------------------------------------------------------------------------


def test_keys_are_stored_hashed_and_checked(db):
    client, secret = open311_client_create(name="  街坊 App  ")
    assert client.name == "街坊 App"
    assert secret not in (client.key_hash, client.key_prefix) and len(client.key_hash) == 64
    assert client.key_prefix == secret[:8]
    assert open311_client_for_key(secret) == client
    client.refresh_from_db()
    assert client.last_used_at is not None
    assert open311_client_for_key(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert open311_client_for_key(secret[:8]) is None
    assert open311_client_for_key("") is None
    Open311Client.objects.filter(pk=client.pk).update(is_active=False)
    assert open311_client_for_key(secret) is None
    with pytest.raises(DomainError):
        open311_client_create(name="  ")


def test_key_create_command_prints_the_key_once(db):
    out = StringIO()
    call_command("open311_key_create", "--name", "FixMyStreet", stdout=out)
    [secret] = re.findall(r"api_key: (\S+)", out.getvalue())
    client = open311_client_for_key(secret)
    assert client is not None and client.name == "FixMyStreet"
    assert secret not in str(Open311Client.objects.values_list().get())
