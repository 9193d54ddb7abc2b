"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2/.

The format is the file extension: `.xml` (text/xml) or `.json` (application/json), both UTF-8;
any other extension is a 404. JSON follows the spec's Spark mapping of the XML: the root element
is dropped, so every lookup of requests, services, tokens and errors is a JSON array, while
discovery and a service definition are objects. Element order is the order the spec writes.

Endpoints
    discovery.{fmt}                 changeset, contact, key_service, endpoints/endpoint
    services.{fmt}                  the active hotline categories (service_code = category code)
    services/{code}.{fmt}           service_definition with one attribute, `type` (诉求类型)
    requests.{fmt}            GET   filters below; POST creates a ticket (api_key required)
    requests/{id}.{fmt}             one request, still an array (service_requests/request)
    tokens/{token}.{fmt}            service_request_id for a token
    servicerequestupdates.{fmt}     FixMyStreet's update feed (below)

Decisions
- jurisdiction_id is optional (one jurisdiction: CITYHALL_OPEN311_JURISDICTION, by default
  "guangzhou.gov.cn"); another value is a 404. Every empty parameter counts as absent, as the
  spec's "Optional Arguments" requires.
- api_key is read from the POST body or the query string. Missing or unknown → 403. GET
  endpoints need no key (FixMyStreet sends one anyway; it is ignored there).
- POST: service_code missing → 400, unknown → 404; lat/long that are not finite numbers in
  range → 400; everything else (text too short, phone malformed, a point outside the city, …)
  is the DomainError of `ticket_create`, answered 400 with its message. `ticket_create` is one
  transaction, so a refused request writes no ticket. Services are `realtime`: the answer
  carries service_request_id (the tracking number) and, as the spec asks, no token. The ticket
  still gets an open311_token, which tokens/{token} resolves. email, device_id, account_id,
  address_id and media_url are accepted and ignored: nothing stores them, and fetching a
  client-supplied URL would let callers make the server fetch arbitrary addresses.
- first_name/last_name become the reporter's name (family name first when either is written in
  Chinese); phone is the reporter's phone. Neither is ever returned.
- GET requests: service_request_id (comma list, at most 1000) overrides every other argument.
  Otherwise service_code and status (open, closed; comma lists) filter, start_date/end_date
  (W3C datetimes; a date alone means its midnight, a missing offset means local time) bound
  requested_datetime. With neither date the window is the last 90 days; with one, the 90 days
  after the start or before the end; a wider window → 400. Newest first; page (from 1) and
  page_size (1..1000, default 1000, the spec's "first 1000 requests") page through it.
- status: open while the ticket is in OPEN311_OPEN, closed after (a resolved ticket is done to
  the reporter). status_notes: the result once resolved, the master's number when merged, the
  Chinese status name while open. updated_datetime of a closed request is when it was resolved,
  as the spec defines. agency_responsible is the unit holding the ticket; expected_datetime the
  deadline; service_notice the category's time limit. address falls back to street and
  district. Phone and ID numbers typed into a description or result are masked. media_url is always
  empty: report photos are only served to staff, there is no public photo URL yet.

servicerequestupdates.{fmt} — FixMyStreet's extension (perllib/Open311.pm fetches
`servicerequestupdates.xml?start_date&end_date&api_key&jurisdiction_id` every few minutes and
reads `request_update` children whatever the root is called). We emit:

    <service_requests_updates>
      <request_update>
        <update_id>TicketEvent id</update_id>
        <service_request_id>tracking number</service_request_id>
        <status>open | investigating | action_scheduled | in_progress | fixed | closed |
                internal_referral | duplicate</status>
        <updated_datetime>2026-11-21T10:00:00+08:00</updated_datetime>
        <description>a public sentence in Chinese</description>
        <media_url></media_url>
      </request_update>
    </service_requests_updates>

(JSON: an array of those objects.) Statuses are FixMyStreet's extended ones in lower case, as
mySociety's open311-adapter sends them; FixMyStreet lower-cases and maps them itself. One update
per public status change of a ticket (re-dispatch included), oldest first, in the window of
`updated_datetime` given by start_date/end_date (same rules as GET requests), paged the same
way. 已受理/退单后重派/重办 → open, 派至承办单位 → investigating (派至下级热线中心 stays open),
签收 → action_scheduled, 办理 → in_progress, 办结/回访 → fixed, 归档 → closed, 退单 →
internal_referral, 合并 → duplicate. Descriptions are built here from the status, the unit and
(on 办结) the published result, never from internal notes or callback reasons. Only tickets that
came in through Open311 are in the feed: a client follows the requests it sent, and FixMyStreet
does not page, so a city-wide feed would overflow its two-hour window.
"""

import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.db.models import F, Max, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from cityhall.core.errors import DomainError
from cityhall.hotline.models import (
    OPEN311_OPEN,
    Category,
    Channel,
    Kind,
    Status,
    Ticket,
    TicketEvent,
    Urgency,
)
from cityhall.hotline.services.intake import TicketDraft, ticket_create
from cityhall.hotline.services.open311 import open311_client_for_key
from cityhall.hotline.services.places import is_centre

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
MAX_SPAN = timedelta(days=90)
PAGE_SIZE_MAX = 1000
PAGE_MAX = 1_000_000  # keeps OFFSET inside what every database accepts
DEFAULT_JURISDICTION = "guangzhou.gov.cn"
# Characters XML 1.0 cannot carry at all; a description pasted from elsewhere may hold them.
XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
ID_NUMBER = re.compile(r"(?<![\dXx])(\d{6})\d{8}(\d{3}[\dXx])(?![\dXx])")
LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)\d{3,4}(\d{4})(?!\d)")
CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Many:
    """A repeated element: in XML one `tag` child per item, in JSON a plain array."""

    tag: str
    items: Sequence[Any]


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# Rendering ---------------------------------------------------------------------------------


def _xml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return XML_INVALID.sub("", str(value))


def _xml_fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Many):
        for item in value.items:
            _xml_fill(ET.SubElement(element, value.tag), item)
    elif isinstance(value, dict):
        for name, child in value.items():
            _xml_fill(ET.SubElement(element, name), child)
    else:
        element.text = _xml_text(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Many):
        return [_plain(item) for item in value.items]
    if isinstance(value, dict):
        return {name: _plain(child) for name, child in value.items()}
    return value


def _render(fmt: str, root: str, body: dict[str, Any] | Many, status: int = 200) -> HttpResponse:
    if fmt == "json":
        content = json.dumps(_plain(body), ensure_ascii=False).encode()
    else:
        element = ET.Element(root)
        _xml_fill(element, body)
        content = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
            element, encoding="utf-8", xml_declaration=False, short_empty_elements=False
        )
    return HttpResponse(content, status=status, content_type=CONTENT_TYPES[fmt])


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    body = Many("error", [{"code": status, "description": description}])
    return _render(fmt, "errors", body, status=status)


def _w3(moment: datetime | None) -> str | None:
    """W3C datetime with the local offset, e.g. 2026-11-21T10:00:00+08:00."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


# Parameters --------------------------------------------------------------------------------


def _param(request: HttpRequest, name: str) -> str:
    """A parameter from the form body or the query string; blank counts as absent."""
    value = request.POST.get(name, "") if request.method == "POST" else ""
    if not value.strip():
        value = request.GET.get(name, "")
    return value.strip()


def _jurisdiction_check(request: HttpRequest) -> None:
    given = _param(request, "jurisdiction_id")
    ours = getattr(settings, "CITYHALL_OPEN311_JURISDICTION", DEFAULT_JURISDICTION)
    if given and given.lower() != ours.lower():
        raise Open311Error(
            404,
            _("未知的 jurisdiction_id：%(given)s（本接口服务 %(ours)s）")
            % {"given": given[:64], "ours": ours},
        )


def _number(request: HttpRequest, name: str, *, limit: float) -> float | None:
    raw = _param(request, name)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or abs(value) > limit:
        raise Open311Error(
            400,
            _("%(name)s 必须是 WGS84 十进制度数，收到：%(raw)s") % {"name": name, "raw": raw[:32]},
        )
    return value


def _count(request: HttpRequest, name: str, *, default: int, high: int | None = None) -> int:
    raw = _param(request, name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1 or (high is not None and value > high):
        bound = f"1–{high}" if high is not None else "≥ 1"
        raise Open311Error(
            400, _("%(name)s 必须是整数（%(bound)s）") % {"name": name, "bound": bound}
        )
    return value


def _list(request: HttpRequest, name: str) -> list[str]:
    return [part.strip() for part in _param(request, name).split(",") if part.strip()]


def _moment(request: HttpRequest, name: str) -> datetime | None:
    raw = _param(request, name)
    if not raw:
        return None
    # An unencoded "+08:00" in a query string arrives as " 08:00".
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", raw)
    try:
        moment = parse_datetime(text)
        if moment is None and (day := parse_date(text)) is not None:
            moment = datetime.combine(day, time.min)
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(
            400,
            _("%(name)s 不是有效的 W3C 日期时间（例如 2026-01-01T00:00:00+08:00）")
            % {"name": name},
        )
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _window(request: HttpRequest) -> tuple[datetime, datetime]:
    start, end = _moment(request, "start_date"), _moment(request, "end_date")
    if end is None:
        end = start + MAX_SPAN if start is not None else timezone.now()
    if start is None:
        start = end - MAX_SPAN
    if end < start:
        raise Open311Error(400, _("end_date 早于 start_date"))
    if end - start > MAX_SPAN:
        raise Open311Error(400, _("start_date 与 end_date 相隔不能超过 90 天"))
    return start, end


def _page(request: HttpRequest) -> slice:
    page = _count(request, "page", default=1, high=PAGE_MAX)
    size = _count(request, "page_size", default=PAGE_SIZE_MAX, high=PAGE_SIZE_MAX)
    return slice((page - 1) * size, page * size)


# Views -------------------------------------------------------------------------------------

View = Callable[..., HttpResponse]


def _endpoint(*methods: str) -> Callable[[View], View]:
    """Format by extension, allowed methods, jurisdiction, and errors in the spec's shape."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *, fmt: str, **kwargs: str) -> HttpResponse:
            if fmt not in CONTENT_TYPES:
                return HttpResponse(
                    _("不支持的格式，请使用 .xml 或 .json"),
                    status=404,
                    content_type="text/plain; charset=utf-8",
                )
            if request.method not in methods:
                response = _error(fmt, 405, _("不支持的请求方法：%(m)s") % {"m": request.method})
                response["Allow"] = ", ".join(methods)
                return response
            try:
                _jurisdiction_check(request)
                return view(request, fmt=fmt, **kwargs)
            except Open311Error as exc:
                return _error(fmt, exc.status, exc.description)
            except DomainError as exc:
                return _error(fmt, exc.status, exc.message)

        return wrapper

    return decorate


@_endpoint("GET", "HEAD")
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    # Clients re-read cached service lists when the changeset moves: the categories are them.
    changed = Category.objects.aggregate(last=Max("updated_at"))["last"] or timezone.now()
    changeset = _w3(changed)
    endpoint = {
        "specification": SPECIFICATION,
        "url": f"{settings.CITYHALL_PUBLIC_URL}/open311/v2",
        "changeset": changeset,
        "type": "test" if settings.DEBUG else "production",
        "formats": Many("format", ["text/xml", "application/json"]),
    }
    body = {
        "changeset": changeset,
        "contact": getattr(
            settings, "CITYHALL_OPEN311_CONTACT", _("12345 政务服务便民热线平台管理员")
        ),
        "key_service": _("API 密钥由平台管理员签发（manage.py open311_key_create --name 接入方）"),
        "endpoints": Many("endpoint", [endpoint]),
    }
    return _render(fmt, "discovery", body)


def _notice(category: Category, *, urgent: bool = False) -> str:
    if category.urgent or urgent:
        hours = category.urgent_hours or settings.CITYHALL_HOTLINE_URGENT_HOURS
        return _("紧急类诉求，%(hours)s 小时内处置") % {"hours": hours}
    return _("由%(department)s承办，办理时限 %(days)s 个工作日") % {
        "department": category.department,
        "days": category.time_limit_days,
    }


def _category(code: str) -> Category:
    category = Category.objects.filter(code=code.upper(), is_active=True).first()
    if category is None:
        raise Open311Error(404, _("未知的 service_code：%(code)s") % {"code": code[:16]})
    return category


@_endpoint("GET", "HEAD")
def services(request: HttpRequest, *, fmt: str) -> HttpResponse:
    rows = [
        {
            "service_code": category.code,
            "service_name": category.name,
            "description": _("%(group)s · %(name)s。%(notice)s")
            % {"group": category.group, "name": category.name, "notice": _notice(category)},
            "metadata": True,
            "type": "realtime",
            "keywords": ", ".join(k for k in category.keywords.split("|") if k),
            "group": category.group,
        }
        for category in Category.objects.filter(is_active=True).order_by("code")
    ]
    return _render(fmt, "services", Many("service", rows))


@_endpoint("GET", "HEAD")
def service_definition(request: HttpRequest, *, fmt: str, code: str) -> HttpResponse:
    category = _category(code)
    kind = {
        "variable": True,
        "code": "type",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": _("不选则根据诉求内容自动判断"),
        "order": 1,
        "description": _("诉求类型"),
        "values": Many("value", [{"key": k.value, "name": str(k.label)} for k in Kind]),
    }
    body = {"service_code": category.code, "attributes": Many("attribute", [kind])}
    return _render(fmt, "service_definition", body)


def _reporter_name(first: str, last: str) -> str:
    if CJK.search(first + last):
        return f"{last}{first}"  # 姓 then 名, no space
    return f"{first} {last}".strip()


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    key = _param(request, "api_key")
    if not key:
        raise Open311Error(403, _("缺少 api_key，无法提交诉求"))
    if open311_client_for_key(key) is None:
        raise Open311Error(403, _("api_key 无效或已停用，无法提交诉求"))
    code = _param(request, "service_code")
    if not code:
        raise Open311Error(400, _("缺少 service_code"))
    category = _category(code)
    draft = TicketDraft(
        channel=Channel.OPEN311,
        category_code=category.code,
        kind=_param(request, "attribute[type]"),
        description=_param(request, "description"),
        lat=_number(request, "lat", limit=90),
        lng=_number(request, "long", limit=180),
        address=_param(request, "address_string"),
        reporter_name=_reporter_name(_param(request, "first_name"), _param(request, "last_name")),
        reporter_phone=_param(request, "phone"),
        received_by=None,
        open311_token=True,
    )
    ticket = ticket_create(draft=draft)
    row = {
        "service_request_id": ticket.tracking_number,
        "service_notice": _notice(category, urgent=ticket.urgency == Urgency.URGENT),
        "account_id": None,
    }
    return _render(fmt, "service_requests", Many("request", [row]))


def _redact(text: str) -> str:
    """Mask phone and ID numbers a reporter typed into the text: the feed is public."""
    text = ID_NUMBER.sub(r"\1********\2", text)
    text = MOBILE.sub(r"\1****\2", text)
    return LANDLINE.sub(r"\1****\2", text)


def _request_row(ticket: Ticket) -> dict[str, Any]:
    is_open = ticket.status in OPEN311_OPEN
    if ticket.status == Status.MERGED and ticket.master is not None:
        notes = _("重复诉求，已并入工单 %(n)s 办理") % {"n": ticket.master.tracking_number}
    elif not is_open and ticket.result:
        notes = _redact(ticket.result)
    else:
        notes = str(Status(ticket.status).label)
    places = [d.name for d in (ticket.street, ticket.district) if d is not None]
    return {
        "service_request_id": ticket.tracking_number,
        "status": "open" if is_open else "closed",
        "status_notes": notes,
        "service_name": ticket.category.name,
        "service_code": ticket.category.code,
        "description": _redact(ticket.description),
        "agency_responsible": ticket.holder.name,
        "service_notice": _notice(ticket.category, urgent=ticket.urgency == Urgency.URGENT),
        "requested_datetime": _w3(ticket.received_at),
        "updated_datetime": _w3(
            ticket.updated_at if is_open else (ticket.resolved_at or ticket.updated_at)
        ),
        "expected_datetime": _w3(ticket.deadline),
        "address": ticket.address or "，".join(places) or None,
        "address_id": None,
        "zipcode": None,
        "lat": ticket.lat,
        "long": ticket.lng,
        "media_url": None,
    }


def _tickets() -> QuerySet[Ticket]:
    return Ticket.objects.filter(tracking_number__isnull=False).select_related(
        "category", "holder", "master", "street", "district"
    )


def _search(request: HttpRequest) -> list[Ticket]:
    numbers = _list(request, "service_request_id")
    if numbers:
        if len(numbers) > PAGE_SIZE_MAX:
            raise Open311Error(
                400, _("service_request_id 一次最多 %(n)s 个") % {"n": PAGE_SIZE_MAX}
            )
        return list(_tickets().filter(tracking_number__in=numbers).order_by("-received_at", "-id"))
    statuses = {s.lower() for s in _list(request, "status")}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status 只能是 open 或 closed（可用逗号分隔）"))
    start, end = _window(request)
    tickets = _tickets().filter(received_at__gte=start, received_at__lte=end)
    codes = [code.upper() for code in _list(request, "service_code")]
    if codes:
        tickets = tickets.filter(category__code__in=codes)
    if statuses == {"open"}:
        tickets = tickets.filter(status__in=OPEN311_OPEN)
    elif statuses == {"closed"}:
        tickets = tickets.exclude(status__in=OPEN311_OPEN)
    return list(tickets.order_by("-received_at", "-id")[_page(request)])


@csrf_exempt  # machine clients authenticate with api_key, not a session, and hold no CSRF token
@_endpoint("GET", "HEAD", "POST")
def request_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    rows = [_request_row(ticket) for ticket in _search(request)]
    return _render(fmt, "service_requests", Many("request", rows))


@_endpoint("GET", "HEAD")
def request_detail(request: HttpRequest, *, fmt: str, number: str) -> HttpResponse:
    ticket = _tickets().filter(tracking_number=number).first()
    if ticket is None:
        raise Open311Error(404, _("未找到服务请求：%(n)s") % {"n": number[:32]})
    return _render(fmt, "service_requests", Many("request", [_request_row(ticket)]))


@_endpoint("GET", "HEAD")
def token_detail(request: HttpRequest, *, fmt: str, token: str) -> HttpResponse:
    ticket = Ticket.objects.filter(open311_token=token).only("tracking_number").first()
    if ticket is None:
        raise Open311Error(404, _("未找到该 token"))
    row = {"service_request_id": ticket.tracking_number, "token": token}
    return _render(fmt, "service_requests", Many("request", [row]))


UPDATE_STATUS = {
    Status.RECEIVED: "open",
    Status.DISPATCHED: "investigating",
    Status.ACCEPTED: "action_scheduled",
    Status.IN_PROGRESS: "in_progress",
    Status.RESOLVED: "fixed",
    Status.CALLED_BACK: "fixed",
    Status.CLOSED: "closed",
    Status.RETURNED: "internal_referral",
    Status.REOPENED: "open",
    Status.MERGED: "duplicate",
}


def _update_row(event: TicketEvent) -> dict[str, Any]:
    unit = event.unit.name if event.unit else ""
    status = UPDATE_STATUS[Status(event.to_status)]
    texts = {
        Status.RECEIVED: _("已受理"),
        Status.DISPATCHED: _("已派%(unit)s办理") % {"unit": unit},
        Status.ACCEPTED: _("%(unit)s已签收") % {"unit": unit},
        Status.IN_PROGRESS: _("正在办理"),
        Status.RESOLVED: _("已办结：%(result)s") % {"result": event.note},
        Status.CALLED_BACK: _("已回访"),
        Status.CLOSED: _("已归档"),
        Status.RETURNED: _("已退回%(unit)s重新派单") % {"unit": unit},
        Status.REOPENED: _("回访不满意，重新办理"),
        Status.MERGED: _("与工单 %(n)s 合并办理") % {"n": event.note},
    }
    if event.to_status == Status.DISPATCHED and event.unit is not None and is_centre(event.unit):
        # A hop between hotline centres is routing, not yet anyone looking at the problem.
        status, text = "open", _("已转%(unit)s派单") % {"unit": unit}
    else:
        text = texts[Status(event.to_status)]
    return {
        "update_id": str(event.pk),
        "service_request_id": event.ticket.tracking_number,
        "status": status,
        "updated_datetime": _w3(event.at),
        "description": _redact(text),
        "media_url": None,
    }


@_endpoint("GET", "HEAD")
def updates(request: HttpRequest, *, fmt: str) -> HttpResponse:
    start, end = _window(request)
    events = (
        TicketEvent.objects.filter(
            public=True,
            ticket__channel=Channel.OPEN311,
            ticket__tracking_number__isnull=False,
            at__gte=start,
            at__lte=end,
        )
        # A re-dispatch keeps the status but moves the ticket: it is news to the reporter.
        .filter(~Q(to_status=F("from_status")) | Q(action="dispatch"))
        .select_related("ticket", "unit")
        .order_by("at", "id")
    )
    rows = [_update_row(event) for event in events[_page(request)]]
    return _render(fmt, "service_requests_updates", Many("request_update", rows))
