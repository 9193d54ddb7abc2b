"""Hotline analysis: the selectors on a known set of tickets, the JSON API, the page, exports."""

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from cityhall.core.errors import DomainError, NotFoundError, PermissionDeniedError
from cityhall.geo.models import Division, Grid
from cityhall.hotline import analysis
from cityhall.hotline.models import (
    Category,
    Channel,
    Kind,
    Satisfaction,
    Status,
    Ticket,
    TicketEvent,
)
from cityhall.hotline.services import dispatch
from cityhall.hotline.services.intake import TicketDraft, ticket_create
from cityhall.hotline.tests import factories as f
from cityhall.identity.models import OrgUnit, UnitKind
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as people
from cityhall.identity.tests.factories import signed_in

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
START, END = date(2025, 3, 1), date(2025, 3, 31)
ALL = "4401"


def at(day: int, hour: int = 10, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=TZ)


def grid(street: str = f.STREET, n: int = 0) -> Grid:
    return (
        Grid.objects.filter(code__startswith=street)
        .select_related("community__parent__parent")
        .order_by("code")[n]
    )


def ticket(
    where: Grid | None,
    *,
    category: str = "CG01",
    received: datetime,
    holder: OrgUnit,
    **extra: object,
) -> Ticket:
    """A ticket row as intake and dispatch would leave it, without the workflow's side effects."""
    place: dict[str, object] = {}
    if where is not None:
        community = where.community
        street = community.parent
        assert street is not None
        place = {
            "grid_code": where.code,
            "community": community,
            "street": street,
            "district": street.parent,
        }
    values: dict[str, object] = {
        "kind": Kind.COMPLAINT,
        "category": Category.objects.get(code=category),
        "description": "测试诉求内容",
        "channel": Channel.PHONE,
        "status": Status.DISPATCHED,
        "holder": holder,
        "received_at": received,
        "deadline": received + timedelta(days=3),
        **place,
        **extra,
    }
    return Ticket.objects.create(**values)


@pytest.fixture
def known(hc):
    """Tickets of March 2025 in 海珠区 (two streets) and 天河区, plus some just outside March.

    赤岗 grid 0: 4 × CG01, 1 × HW01; 赤岗 grid 1: 2 × CG01; 新港 grid 0: 3 × HW01;
    天河 grid 0: 5 × CG01; one 海珠 ticket with only an address (no grid).
    """
    chigang0, chigang1, xingang0 = grid(), grid(n=1), grid(f.OTHER_STREET)
    tianhe0 = grid(f.OTHER_DISTRICT)
    street, cg = hc.street_office, hc.district_cg
    tickets = {
        "cg_a": [
            ticket(chigang0, received=at(1, 0), holder=street),  # local midnight: inside
            ticket(chigang0, received=at(5), holder=street),
            ticket(chigang0, received=at(5, 15), holder=street),
            ticket(chigang0, received=at(31, 23), holder=street),  # last local hour: inside
        ],
        "hw_a": [ticket(chigang0, category="HW01", received=at(6), holder=cg)],
        "cg_b": [ticket(chigang1, received=at(d), holder=street) for d in (2, 3)],
        "hw_x": [ticket(xingang0, category="HW01", received=at(d), holder=cg) for d in (7, 8, 9)],
        "th": [
            ticket(tianhe0, received=at(d), holder=hc.other_district_centre) for d in range(10, 15)
        ],
    }
    haizhu = Division.objects.get(code=f.DISTRICT)
    tickets["addr"] = [
        ticket(None, received=at(20), holder=hc.district_centre, district=haizhu, address="海珠区")
    ]
    # Just outside the period in local time (UTC would put the first inside March).
    ticket(chigang0, received=at(28, 23, month=2), holder=street)
    ticket(chigang0, received=at(1, 0, month=4), holder=street)
    return tickets


# ---------------------------------------------------------------------------------------------
# Selectors


def test_counts_by_category_district_street_grid(known):
    rows = analysis.counts_by(
        dimension="category", start=START, end=END, category_code=None, prefix=ALL
    )
    assert [(r.key, r.label, r.count) for r in rows] == [
        ("CG01", "占道经营", 12),
        ("HW01", "垃圾清运不及时", 4),
    ]
    by_district = analysis.counts_by(
        dimension="district", start=START, end=END, category_code=None, prefix=ALL
    )
    assert [(r.key, r.label, r.count) for r in by_district] == [
        ("440105", "海珠区", 11),
        ("440106", "天河区", 5),
    ]
    by_street = analysis.counts_by(
        dimension="street", start=START, end=END, category_code=None, prefix="440105"
    )
    assert [(r.key, r.count) for r in by_street] == [
        ("440105001", 7),
        ("440105002", 3),
        ("", 1),  # the address-only ticket names no street: last, labelled as not located
    ]
    assert by_street[0].parent == "海珠区" and by_street[-1].label == "未定位"
    by_grid = analysis.counts_by(
        dimension="grid", start=START, end=END, category_code="CG01", prefix="440105001"
    )
    assert [(r.key, r.count) for r in by_grid] == [(grid().code, 4), (grid(n=1).code, 2)]
    assert by_grid[0].label == grid().name and "·" in by_grid[0].parent


def test_counts_by_day_uses_local_dates_and_fills_empty_days(known):
    rows = analysis.counts_by(
        dimension="day", start=START, end=END, category_code="CG01", prefix="440105"
    )
    assert len(rows) == 31 and rows[0].key == "2025-03-01" and rows[-1].key == "2025-03-31"
    counts = {r.key: r.count for r in rows}
    # 00:00 on 1 March and 23:00 on 31 March local are 16:00 / 15:00 UTC of other days.
    assert counts["2025-03-01"] == 1 and counts["2025-03-31"] == 1
    assert counts["2025-03-05"] == 2 and counts["2025-03-04"] == 0
    assert counts["2025-03-20"] == 1  # the address-only ticket
    assert sum(counts.values()) == 7


def test_counts_reject_unknown_dimension_and_bad_periods(known):
    with pytest.raises(DomainError) as bad:
        analysis.counts_by(dimension="week", start=START, end=END, category_code=None, prefix=ALL)
    assert bad.value.code == "invalid_dimension"
    with pytest.raises(DomainError):
        analysis.counts_by(
            dimension="category", start=END, end=START, category_code=None, prefix=ALL
        )
    with pytest.raises(DomainError):
        analysis.hotspots(start=date(2024, 3, 30), end=END)  # 367 days
    assert analysis.hotspots(start=date(2024, 3, 31), end=END)  # 366 days: allowed


def test_period_bounds_are_local_midnights(known):
    one_day = analysis.counts_by(
        dimension="category", start=START, end=START, category_code=None, prefix=ALL
    )
    assert [(r.key, r.count) for r in one_day] == [("CG01", 1)]
    since, until = analysis.period_bounds(start=START, end=END)
    assert since == at(1, 0) and until == at(1, 0, month=4)


def test_hotspots_rank_grids_with_names(known):
    top = analysis.hotspots(start=START, end=END, prefix=ALL)
    assert [(h.rank, h.grid_code, h.count) for h in top] == [
        (1, grid().code, 5),
        (2, grid(f.OTHER_DISTRICT).code, 5),
        (3, grid(f.OTHER_STREET).code, 3),
        (4, grid(n=1).code, 2),
    ]
    first = top[0]
    assert first.grid_name == grid().name
    assert (first.street_name, first.district_name) == ("赤岗街道", "海珠区")
    assert first.community_name == grid().community.name
    assert first.boundary and first.boundary["type"] in ("Polygon", "MultiPolygon")
    cg = analysis.hotspots(start=START, end=END, category_code="HW01", prefix=ALL, limit=1)
    assert [(h.grid_code, h.count) for h in cg] == [(grid(f.OTHER_STREET).code, 3)]


def test_hotspots_stay_in_scope(known):
    haizhu = analysis.hotspots(start=START, end=END, prefix="440105")
    assert all(h.grid_code.startswith("440105") for h in haizhu)
    assert sum(h.count for h in haizhu) == 10
    tianhe = analysis.hotspots(start=START, end=END, prefix="440106")
    assert [(h.grid_code, h.count) for h in tianhe] == [(grid(f.OTHER_DISTRICT).code, 5)]
    assert analysis.hotspots(start=START, end=END, prefix=ALL, category_code="ZZ99") == []


def test_hotspots_are_one_aggregate_and_one_lookup(known, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        top = analysis.hotspots(start=START, end=END, category_code="CG01", prefix="440105")
    assert [h.count for h in top] == [4, 2]


def test_other_selectors_do_not_grow_with_the_rows(known, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        analysis.counts_by(dimension="grid", start=START, end=END, category_code=None, prefix=ALL)
    with django_assert_max_num_queries(5):
        assert analysis.repeat_locations(start=START, end=END, prefix=ALL)
    with django_assert_max_num_queries(4):
        assert analysis.unit_performance(start=START, end=END, prefix=ALL)


def test_repeat_locations_by_grid_and_by_merge(hc, known):
    master = known["hw_x"][0]
    for duplicate in known["hw_x"][1:]:
        Ticket.objects.filter(pk=duplicate.pk).update(status=Status.MERGED, master=master)
    Ticket.objects.filter(pk=master.pk).update(
        tracking_number="R2025030700001", address="新港路1号"
    )
    rows = analysis.repeat_locations(start=START, end=END, prefix="440105")
    assert [(r.kind, r.grid_code, r.category_code, r.count) for r in rows] == [
        ("grid", grid().code, "CG01", 4),
        ("grid", grid(f.OTHER_STREET).code, "HW01", 3),
        ("merged", grid(f.OTHER_STREET).code, "HW01", 3),
        ("grid", grid(n=1).code, "CG01", 2),
    ]
    merged = rows[2]
    assert merged.master_number == "R2025030700001"
    assert (merged.first_received, merged.last_received) == (at(7), at(9))
    assert rows[0].first_received == at(1, 0) and rows[0].last_received == at(31, 23)
    assert rows[0].street_name == "赤岗街道" and rows[0].category_name == "占道经营"
    three = analysis.repeat_locations(start=START, end=END, prefix="440105", min_count=3)
    assert [r.count for r in three] == [4, 3, 3]
    assert len(analysis.repeat_locations(start=START, end=END, prefix=ALL, limit=1)) == 1
    # The one-category-per-grid groups of 天河 belong to 天河 alone.
    assert all(
        r.grid_code.startswith("440106")
        for r in analysis.repeat_locations(start=START, end=END, prefix="440106")
    )


def test_unit_performance_rates(hc, known):
    street = known["cg_a"]
    # Resolved on time, resolved late, open; two satisfied-ish callbacks and one not.
    Ticket.objects.filter(pk=street[0].pk).update(
        status=Status.CLOSED,
        dispatched_at=at(1, 1),
        resolved_at=at(1, 13),
        satisfaction=Satisfaction.SATISFIED,
    )
    Ticket.objects.filter(pk=street[1].pk).update(
        status=Status.CALLED_BACK,
        dispatched_at=at(5, 11),
        resolved_at=at(20),
        satisfaction=Satisfaction.BASIC,
    )
    Ticket.objects.filter(pk=known["cg_b"][0].pk).update(
        status=Status.CALLED_BACK,
        dispatched_at=at(2, 10),
        resolved_at=at(3, 10),
        satisfaction=Satisfaction.DISSATISFIED,
    )
    # The 城管 unit returned one of its tickets, which then went to the street office.
    returned = known["hw_a"][0]
    for action, unit, actor in (
        ("dispatch", hc.district_cg, hc.district_dispatcher),
        ("return", hc.district_centre, hc.district_officer),
        ("dispatch", hc.street_office, hc.district_dispatcher),
    ):
        TicketEvent.objects.create(
            ticket=returned,
            at=at(6, 12),
            actor=actor,
            unit=unit,
            action=action,
            from_status=Status.DISPATCHED,
            to_status=Status.DISPATCHED,
        )
    Ticket.objects.filter(pk=returned.pk).update(holder=hc.street_office, return_count=1)
    rows = {
        r.unit_code: r for r in analysis.unit_performance(start=START, end=END, prefix="440105")
    }
    assert set(rows) == {hc.street_office.code, hc.district_cg.code}  # no centres, no 天河
    jd = rows[hc.street_office.code]
    assert (jd.total, jd.resolved, jd.on_time) == (7, 3, 2)
    assert (jd.rated, jd.satisfied) == (3, 2) and jd.satisfaction_rate == round(2 / 3, 4)
    assert jd.on_time_rate == round(2 / 3, 4)
    # (12 h + 14 days 23 h + 24 h) / 3
    assert jd.average_hours == round((12 + 14 * 24 + 23 + 24) / 3, 1)
    assert (jd.dispatched, jd.returned, jd.return_rate) == (1, 0, 0.0)
    cg = rows[hc.district_cg.code]
    assert (cg.total, cg.dispatched, cg.returned, cg.return_rate) == (3, 1, 1, 1.0)
    assert cg.on_time_rate is None and cg.average_hours is None


def test_unit_performance_through_the_workflow(hc):
    lat, lng = f.point_in()
    made = ticket_create(
        draft=TicketDraft(
            description="小区门口有人占道经营摆摊，影响通行",
            channel=Channel.WEB,
            category_code="CG01",
            lat=lat,
            lng=lng,
        )
    )
    made = dispatch.ticket_dispatch(ticket=made, to=hc.street_office, by=hc.district_dispatcher)
    made = dispatch.ticket_accept(ticket=made, by=hc.street_officer)
    dispatch.ticket_resolve(ticket=made, result="已劝离摊贩", by=hc.street_officer)
    today = made.received_at.astimezone(TZ).date()
    rows = analysis.unit_performance(start=today, end=today, prefix="440105")
    assert [(r.unit_code, r.total, r.resolved, r.on_time, r.dispatched) for r in rows] == [
        (hc.street_office.code, 1, 1, 1, 1)
    ]
    top = analysis.hotspots(start=today, end=today, prefix="440105001")
    assert [(h.grid_code, h.count) for h in top] == [(made.grid_code, 1)]


def test_analysis_scope_by_role_and_unit(hc):
    assert analysis.analysis_scope(hc.supervisor) == "440105"
    assert analysis.analysis_scope(hc.city_dispatcher) == "4401"
    assert analysis.analysis_scope(hc.city_operator) == "4401"
    assert analysis.analysis_scope(hc.district_dispatcher) == "440105"
    assert analysis.analysis_scope(hc.supervisor, division=f.STREET) == f.STREET
    assert analysis.analysis_scope(hc.city_dispatcher, division="440106") == "440106"
    assert analysis.analysis_scope(hc.city_dispatcher, division="440100") == "4401"
    with pytest.raises(NotFoundError):
        analysis.analysis_scope(hc.supervisor, division="440106")
    admin = people.staff(unit=hc.street_office, roles=[Role.ADMINISTRATOR])
    assert analysis.analysis_scope(admin) == f.STREET
    for denied in (hc.street_officer, hc.inspector, hc.citizen):
        with pytest.raises(PermissionDeniedError):
            analysis.analysis_scope(denied)


def test_a_district_never_sees_another_districts_tickets(known, hc):
    tianhe_supervisor = people.staff(
        unit=f.unit(f"{f.OTHER_DISTRICT}-ZS", kind=UnitKind.DEPARTMENT_BRANCH),
        roles=[Role.SUPERVISOR],
    )
    prefix = analysis.analysis_scope(tianhe_supervisor)
    for dimension in ("category", "district", "street", "grid"):
        rows = analysis.counts_by(
            dimension=dimension, start=START, end=END, category_code=None, prefix=prefix
        )
        assert sum(r.count for r in rows) == 5
    assert {
        r.key
        for r in analysis.counts_by(
            dimension="district", start=START, end=END, category_code=None, prefix=prefix
        )
    } == {"440106"}
    assert analysis.unit_performance(start=START, end=END, prefix=prefix) == []


# ---------------------------------------------------------------------------------------------
# JSON API

API = "/api/v1/hotline/analysis"
MARCH = {"start": "2025-03-01", "end": "2025-03-31"}


def test_api_answers_in_the_callers_scope(client, hc, known):
    signed_in(client, hc.supervisor)
    counts = client.get(f"{API}/counts", {**MARCH, "dimension": "district"})
    assert counts.status_code == 200
    body = counts.json()
    assert (body["scope"], body["dimension"], body["total"]) == ("440105", "district", 11)
    assert body["rows"] == [{"key": "440105", "label": "海珠区", "parent": "广州市", "count": 11}]
    by_day = client.get(f"{API}/counts", {**MARCH, "dimension": "day", "category": "HW01"}).json()
    assert len(by_day["rows"]) == 31 and by_day["total"] == 4 and by_day["category"] == "HW01"

    spots = client.get(f"{API}/hotspots", {**MARCH, "limit": 2}).json()
    assert [(h["rank"], h["grid_code"], h["count"]) for h in spots["hotspots"]] == [
        (1, grid().code, 5),
        (2, grid(f.OTHER_STREET).code, 3),
    ]
    assert spots["hotspots"][0]["boundary"] is None
    shaped = client.get(f"{API}/hotspots", {**MARCH, "geometry": "true", "limit": 1}).json()
    assert shaped["hotspots"][0]["boundary"]["type"] in ("Polygon", "MultiPolygon")

    repeats = client.get(f"{API}/repeats", {**MARCH, "min_count": 3}).json()
    assert [(r["kind"], r["count"]) for r in repeats["repeats"]] == [("grid", 4), ("grid", 3)]
    units = client.get(f"{API}/units", MARCH).json()
    assert {u["unit_code"] for u in units["units"]} == {hc.street_office.code, hc.district_cg.code}
    assert set(units["units"][0]) >= {"on_time_rate", "return_rate", "satisfaction_rate"}

    narrowed = client.get(f"{API}/counts", {**MARCH, "division": f.OTHER_STREET}).json()
    assert (narrowed["scope"], narrowed["total"]) == (f.OTHER_STREET, 3)


def test_api_defaults_to_the_last_30_days(client, hc):
    signed_in(client, hc.city_dispatcher)
    body = client.get(f"{API}/counts").json()
    end = date.fromisoformat(body["end"])
    assert (end - date.fromisoformat(body["start"])).days == 29
    assert (body["scope"], body["dimension"], body["rows"]) == ("4401", "category", [])


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"dimension": "week"}, "invalid_dimension"),
        ({"start": "2025-03-31", "end": "2025-03-01"}, "invalid_period"),
        ({"start": "2024-03-30", "end": "2025-03-31"}, "invalid_period"),
        ({"category": "ZZ99"}, "unknown_category"),
    ],
)
def test_api_rejects_bad_input(client, hc, params, code):
    signed_in(client, hc.supervisor)
    response = client.get(f"{API}/counts", params)
    assert response.status_code == 400 and response.json()["code"] == code


def test_api_refuses_the_unauthorised(client, hc):
    assert client.get(f"{API}/hotspots").status_code == 401
    signed_in(client, hc.citizen)
    assert client.get(f"{API}/hotspots").status_code == 403
    signed_in(client, hc.street_officer)  # a handling unit's officer: no analysis role
    for endpoint in ("counts", "hotspots", "repeats", "units"):
        assert client.get(f"{API}/{endpoint}").status_code == 403
    signed_in(client, hc.supervisor)  # 海珠: 天河 is not there for them
    outside = client.get(f"{API}/units", {"division": "440106"})
    assert outside.status_code == 404 and outside.json()["code"] == "not_found"


# ---------------------------------------------------------------------------------------------
# Page and exports

PAGE = "/hotline/analysis/"


def test_page_renders_for_a_supervisor(client, hc, known):
    signed_in(client, hc.supervisor)
    response = client.get(PAGE, {**MARCH, "dimension": "street"})
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("热线分析", "赤岗街道", "新港街道", "热点网格", "重复诉求", "承办单位绩效"):
        assert text in page
    assert grid().code in page and grid(f.OTHER_DISTRICT).code not in page
    assert "<svg" in page and "export=xlsx&amp;table=units" in page
    # The map's divisions link to the analysis narrowed to them (赤岗 is a street of 海珠).
    assert f"division={f.STREET}" in page
    hotspot_map = response.context["hotspot_map"]
    assert [b.rank for b in hotspot_map.bubbles] == [3, 2, 1]  # the hottest drawn last
    assert hotspot_map.legend[-1].high == 5
    # Narrowed to a community (a link on a street's map), which the list does not offer.
    community = grid().community
    narrowed = client.get(PAGE, {**MARCH, "division": community.code})
    assert narrowed.status_code == 200 and narrowed.context["scope"] == community
    assert (community.code, f"赤岗街道 · {community.name}") in (
        narrowed.context["form"].division_choices
    )
    assert [h.count for h in narrowed.context["hotspots"]] == [5, 2]  # its two grids


def test_page_shows_filter_errors_and_refuses_others(client, hc):
    signed_in(client, hc.supervisor)
    bad = client.get(PAGE, {"start": "2025-03-31", "end": "2025-03-01"})
    assert bad.status_code == 200 and "结束日期不能早于开始日期" in bad.content.decode()
    assert "hotspot_map" not in bad.context
    assert client.get(PAGE, {"division": "440106"}).status_code == 404  # not in their area
    signed_in(client, hc.street_officer)
    assert client.get(PAGE).status_code == 403
    signed_in(client, hc.citizen)
    assert client.get(PAGE).status_code == 403
    client.logout()
    assert client.get(PAGE).status_code == 302


def _csv_rows(response) -> list[list[str]]:
    content = response.content
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_exports(client, hc, known):
    signed_in(client, hc.supervisor)
    counts = client.get(PAGE, {**MARCH, "dimension": "street", "export": "csv", "table": "counts"})
    assert counts.status_code == 200 and counts["Content-Type"].startswith("text/csv")
    assert "attachment" in counts["Content-Disposition"]
    assert _csv_rows(counts) == [
        ["编码", "名称", "所属", "工单数"],
        ["440105001", "赤岗街道", "海珠区", "7"],
        ["440105002", "新港街道", "海珠区", "3"],
        ["", "未定位", "", "1"],
    ]
    spots = _csv_rows(client.get(PAGE, {**MARCH, "export": "csv", "table": "hotspots"}))
    assert spots[0][0] == "排名" and spots[1][1] == grid().code and spots[1][-1] == "5"
    repeats = _csv_rows(client.get(PAGE, {**MARCH, "export": "csv", "table": "repeats"}))
    assert [r[0] for r in repeats[1:]] == ["同网格同分类"] * 3
    units = _csv_rows(client.get(PAGE, {**MARCH, "export": "csv", "table": "units"}))
    assert units[0][5] == "按时办结率（%）"
    assert {r[0] for r in units[1:]} == {hc.street_office.code, hc.district_cg.code}
    assert client.get(PAGE, {"export": "pdf", "table": "units"}).status_code == 400
    assert client.get(PAGE, {"export": "csv", "table": "tickets"}).status_code == 400
    backwards = {"start": "2025-03-31", "end": "2025-03-01", "export": "csv", "table": "units"}
    assert client.get(PAGE, backwards).status_code == 400


def test_exports_defuse_formulas(client, hc):
    OrgUnit.objects.filter(pk=hc.street_office.pk).update(name='=HYPERLINK("http://x")')
    lat, lng = f.point_in()
    made = ticket_create(
        draft=TicketDraft(
            description="小区门口有人占道经营摆摊",
            channel=Channel.WEB,
            category_code="CG01",
            lat=lat,
            lng=lng,
        )
    )
    dispatch.ticket_dispatch(ticket=made, to=hc.street_office, by=hc.district_dispatcher)
    signed_in(client, hc.supervisor)
    rows = _csv_rows(client.get(PAGE, {"export": "csv", "table": "units"}))
    assert rows[1][1] == '\'=HYPERLINK("http://x")'
    sheet = load_workbook(
        io.BytesIO(client.get(PAGE, {"export": "xlsx", "table": "units"}).content)
    ).active
    cell = sheet.cell(row=2, column=2)
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"


def test_xlsx_export_opens_with_openpyxl(client, hc, known):
    signed_in(client, hc.supervisor)
    response = client.get(PAGE, {**MARCH, "export": "xlsx", "table": "hotspots"})
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("排名", "网格编码", "网格", "社区", "街道", "区", "工单数")
    assert rows[1][:2] == (1, grid().code) and rows[1][-1] == 5
    assert [r[-1] for r in rows[1:]] == [5, 3, 2]
