"""Decision support (决策支持) over hotline tickets: counts, hotspots, repeats, unit performance.

Every selector takes a period of local dates (start and end both included) and a division-code
prefix (from `analysis_scope`), and aggregates in the database: a year of a megacity's tickets
is about a million rows, so nothing here loads tickets one by one.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import models
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityhall.core.errors import DomainError, NotFoundError, PermissionDeniedError
from cityhall.geo.models import Division, DivisionLevel, Grid
from cityhall.geo.selectors import CITY_CODE, scope_prefix
from cityhall.hotline.models import Category, Satisfaction, Status, Ticket, TicketEvent
from cityhall.identity.models import Account, OrgUnit, UnitKind, UnitLevel
from cityhall.identity.roles import Role
from cityhall.identity.selectors import account_roles, staff_scope_prefix

ANALYSIS_ROLES = frozenset(
    {Role.SUPERVISOR, Role.DISPATCHER, Role.HOTLINE_OPERATOR, Role.ADMINISTRATOR}
)
CITY_PREFIX = CITY_CODE[:4]
MAX_PERIOD_DAYS = 366
HOTSPOT_LIMIT_MAX = 100
REPEAT_LIMIT_MAX = 200
# The division level whose id a ticket carries for a prefix of this length.
_LEVEL_FIELD = {6: "district", 9: "street", 12: "community"}
_SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASIC)


class Dimension(models.TextChoices):
    """What `counts_by` groups tickets by."""

    CATEGORY = "category", gettext_lazy("分类")
    DISTRICT = "district", gettext_lazy("区")
    STREET = "street", gettext_lazy("街道")
    GRID = "grid", gettext_lazy("网格")
    DAY = "day", gettext_lazy("日期")


@dataclass(frozen=True, slots=True)
class CountRow:
    key: str  # category code, division code, grid code or ISO date; "" = not located
    label: str
    parent: str  # the district of a street, the community and street of a grid
    count: int


@dataclass(frozen=True, slots=True)
class Hotspot:
    rank: int
    grid_code: str
    grid_name: str
    community_name: str
    street_name: str
    district_name: str
    count: int
    boundary: dict | None  # the grid's GeoJSON polygon, for maps


@dataclass(frozen=True, slots=True)
class RepeatLocation:
    kind: str  # "grid": one category at one grid; "merged": duplicates merged into a master
    count: int
    category_code: str
    category_name: str
    grid_code: str
    grid_name: str
    street_name: str
    master_number: str  # the master ticket (merged only)
    first_received: datetime
    last_received: datetime


@dataclass(frozen=True, slots=True)
class UnitPerformance:
    unit_code: str
    unit_name: str
    total: int  # tickets the unit holds now (handles or handled)
    resolved: int
    on_time: int  # resolved by the deadline
    dispatched: int  # times a ticket was sent to the unit
    returned: int  # times the unit sent one back (退单)
    rated: int  # callbacks with a satisfaction answer
    satisfied: int  # satisfied or basically satisfied
    average_hours: float | None  # dispatch to resolution, over resolved tickets

    @property
    def on_time_rate(self) -> float | None:
        return _share(self.on_time, self.resolved)

    @property
    def return_rate(self) -> float | None:
        return _share(self.returned, self.dispatched)

    @property
    def satisfaction_rate(self) -> float | None:
        return _share(self.satisfied, self.rated)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# ---------------------------------------------------------------------------------------------
# Scope and period


def analysis_scope(actor: Account, *, division: str = "") -> str:
    """The division-code prefix the actor may analyse, narrowed to `division` when given.

    Hotline centre staff, supervisors and administrators analyse their unit's area (city units
    the whole city). A division outside that area does not exist for them (404).
    """
    if not account_roles(actor) & ANALYSIS_ROLES:
        raise PermissionDeniedError(_("您的岗位无权查看热线分析"))
    prefix = staff_scope_prefix(actor)
    if actor.unit is not None and actor.unit.level == UnitLevel.CITY:
        prefix = CITY_PREFIX
    division = division.strip()
    if not division:
        return prefix
    found = Division.objects.filter(code=division, code__startswith=prefix).first()
    if found is None:
        raise NotFoundError(_("行政区划 %(code)s 不存在") % {"code": division})
    return scope_prefix(found)


def scope_division(prefix: str) -> Division | None:
    """The division a scope prefix selects ("4401" → the city)."""
    code = CITY_CODE if prefix == CITY_PREFIX else prefix
    return Division.objects.filter(code=code).first()


def analysis_divisions(prefix: str) -> list[Division]:
    """What an analysis of this area can narrow to: the districts and streets of the city, the
    streets of a district, the communities of a street."""
    division = scope_division(prefix)
    if division is None:
        return []
    levels = {
        DivisionLevel.CITY: [DivisionLevel.DISTRICT, DivisionLevel.STREET],
        DivisionLevel.DISTRICT: [DivisionLevel.STREET],
        DivisionLevel.STREET: [DivisionLevel.COMMUNITY],
    }.get(DivisionLevel(division.level), [])
    return list(
        Division.objects.filter(code__startswith=prefix, level__in=levels)
        .select_related("parent")
        .order_by("code")
    )


def period_check(*, start: date, end: date) -> None:
    """A period runs forwards and spans at most a (leap) year."""
    if end < start:
        raise DomainError(_("结束日期不能早于开始日期"), code="invalid_period")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise DomainError(
            _("统计时段不能超过 %(days)s 天") % {"days": MAX_PERIOD_DAYS}, code="invalid_period"
        )


def period_bounds(*, start: date, end: date) -> tuple[datetime, datetime]:
    """[local midnight of start, local midnight after end): a range the received_at indexes use."""
    period_check(start=start, end=end)
    tz = timezone.get_default_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def _area(prefix: str) -> Q:
    """Tickets located in the prefix's area, whether by a point (grid) or an address."""
    if not prefix or prefix == CITY_PREFIX:
        # The hotline serves one city: its whole area is every ticket, located or not.
        return Q()
    field = _LEVEL_FIELD.get(len(prefix))
    if field is None:
        return Q(grid_code__startswith=prefix)
    # A subquery for the one division's id, not a join: the filter stays on Ticket's own column.
    return Q(
        **{
            f"{field}_id": Subquery(
                Division.objects.filter(code=prefix).order_by().values("pk")[:1]
            )
        }
    )


def _category_id(category_code: str) -> Subquery:
    return Subquery(Category.objects.filter(code=category_code).order_by().values("pk")[:1])


def _tickets(
    *, start: date, end: date, prefix: str, category_code: str | None = None
) -> QuerySet[Ticket]:
    since, until = period_bounds(start=start, end=end)
    qs = Ticket.objects.filter(_area(prefix), received_at__gte=since, received_at__lt=until)
    if category_code:
        qs = qs.filter(category_id=_category_id(category_code))
    return qs.order_by()


def category_check(category_code: str | None) -> None:
    """An unknown category is a mistake in the request, not an empty answer."""
    if category_code and not Category.objects.filter(code=category_code).exists():
        raise DomainError(_("没有分类 %(code)s") % {"code": category_code}, code="unknown_category")


# ---------------------------------------------------------------------------------------------
# Counts


def counts_by(
    *, dimension: str, start: date, end: date, category_code: str | None, prefix: str
) -> list[CountRow]:
    """Tickets received in the period, grouped by category, district, street, grid or local day.

    Days come in date order with empty days as zero; the rest by count, largest first.
    """
    if dimension not in Dimension.values:
        raise DomainError(_("不支持的统计维度：%(d)s") % {"d": dimension}, code="invalid_dimension")
    tickets = _tickets(start=start, end=end, prefix=prefix, category_code=category_code)
    if dimension == Dimension.DAY:
        return _counts_by_day(tickets, start=start, end=end)
    fields: dict[str, str] = {
        Dimension.CATEGORY: "category_id",
        Dimension.DISTRICT: "district_id",
        Dimension.STREET: "street_id",
        Dimension.GRID: "grid_code",
    }
    field = fields[dimension]
    counted = list(tickets.values_list(field).annotate(n=Count("id")).order_by("-n", field))
    keys = [key for key, _n in counted if key not in (None, "")]
    names: dict[object, tuple[str, str, str]]
    if dimension == Dimension.CATEGORY:
        names = {
            c.pk: (c.code, c.name, c.group)
            for c in Category.objects.filter(pk__in=keys).only("code", "name", "group")
        }
    elif dimension == Dimension.GRID:
        names = {
            g.code: (g.code, g.name, _grid_parent(g))
            for g in Grid.objects.filter(code__in=keys).select_related("community__parent")
        }
    else:
        names = {
            d.pk: (d.code, d.name, d.parent.name if d.parent else "")
            for d in Division.objects.filter(pk__in=keys).select_related("parent")
        }
    rows = []
    for key, n in counted:
        if key in (None, ""):
            rows.append(CountRow(key="", label=_("未定位"), parent="", count=n))
            continue
        code, label, parent = names.get(key, (str(key), str(key), ""))
        rows.append(CountRow(key=code, label=label, parent=parent, count=n))
    # The database ordered ties by id or code; for people the order of equal counts is by code.
    rows.sort(key=lambda r: (-r.count, r.key == "", r.key))
    return rows


def _grid_parent(grid: Grid) -> str:
    community = grid.community
    street = community.parent
    return f"{street.name} · {community.name}" if street else community.name


def _counts_by_day(tickets: QuerySet[Ticket], *, start: date, end: date) -> list[CountRow]:
    tz = timezone.get_default_timezone()
    counted = dict(
        tickets.annotate(day=TruncDate("received_at", tzinfo=tz))
        .values_list("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    days = (start + timedelta(days=offset) for offset in range((end - start).days + 1))
    return [
        CountRow(key=day.isoformat(), label=day.isoformat(), parent="", count=counted.get(day, 0))
        for day in days
    ]


# ---------------------------------------------------------------------------------------------
# Hotspots


def hotspots(
    *,
    start: date,
    end: date,
    category_code: str | None = None,
    prefix: str = "",
    limit: int = 20,
) -> list[Hotspot]:
    """The grids with the most tickets (of one category, if given) received in the period.

    One aggregate over Ticket's own columns (grid_code, category, received_at, all indexed),
    then one lookup of names and polygons for the top grids only.
    """
    limit = max(1, min(limit, HOTSPOT_LIMIT_MAX))
    since, until = period_bounds(start=start, end=end)
    qs = Ticket.objects.filter(received_at__gte=since, received_at__lt=until)
    qs = qs.filter(grid_code__startswith=prefix) if prefix else qs.exclude(grid_code="")
    if category_code:
        qs = qs.filter(category_id=_category_id(category_code))
    top = list(
        qs.order_by()
        .values_list("grid_code")
        .annotate(n=Count("id"))
        .order_by("-n", "grid_code")[:limit]
    )
    grids = {
        g.code: g
        for g in Grid.objects.filter(code__in=[code for code, _n in top]).select_related(
            "community__parent__parent"
        )
    }
    found = []
    for rank, (code, n) in enumerate(top, start=1):
        grid = grids.get(code)
        community = grid.community if grid else None
        street = community.parent if community else None
        district = street.parent if street else None
        found.append(
            Hotspot(
                rank=rank,
                grid_code=code,
                grid_name=grid.name if grid else code,
                community_name=community.name if community else "",
                street_name=street.name if street else "",
                district_name=district.name if district else "",
                count=n,
                boundary=grid.boundary if grid else None,
            )
        )
    return found


def map_context_divisions(prefix: str) -> list[Division]:
    """The divisions one level below the scope, drawn under the hotspots so they have a place."""
    division = scope_division(prefix)
    if division is None:
        return []
    return list(Division.objects.filter(parent=division, boundary__isnull=False).order_by("code"))


# ---------------------------------------------------------------------------------------------
# Repeats


def repeat_locations(
    *, start: date, end: date, prefix: str, min_count: int = 2, limit: int = 50
) -> list[RepeatLocation]:
    """Problems reported again and again: one category at one grid `min_count` times or more,
    and master tickets that duplicates were merged into (counting the master), most first."""
    min_count = max(2, min_count)
    limit = max(1, min(limit, REPEAT_LIMIT_MAX))
    tickets = _tickets(start=start, end=end, prefix=prefix)
    at_grid = list(
        tickets.exclude(grid_code="")
        .values_list("grid_code", "category_id")
        .annotate(n=Count("id"), first=Min("received_at"), last=Max("received_at"))
        .filter(n__gte=min_count)
        .order_by("-n", "grid_code", "category_id")[:limit]
    )
    merged = list(
        tickets.filter(master__isnull=False)
        .values_list("master_id")
        .annotate(n=Count("id"), first=Min("received_at"), last=Max("received_at"))
        .filter(n__gte=min_count - 1)
        .order_by("-n", "master_id")[:limit]
    )
    masters = Ticket.objects.filter(pk__in=[m[0] for m in merged]).only(
        "tracking_number", "grid_code", "category_id", "street_id", "received_at"
    )
    masters_by_id = {m.pk: m for m in masters}
    grid_codes = {row[0] for row in at_grid} | {m.grid_code for m in masters if m.grid_code}
    grids = {
        g.code: g
        for g in Grid.objects.filter(code__in=grid_codes).select_related("community__parent")
    }
    category_ids = {row[1] for row in at_grid} | {m.category_id for m in masters}
    categories = {c.pk: c for c in Category.objects.filter(pk__in=category_ids)}

    def grid_names(code: str) -> tuple[str, str]:
        grid = grids.get(code)
        if grid is None:
            return code, ""
        street = grid.community.parent
        return grid.name, street.name if street else ""

    rows = []
    for code, category_id, n, first, last in at_grid:
        category = categories[category_id]
        grid_name, street_name = grid_names(code)
        rows.append(
            RepeatLocation(
                kind="grid",
                count=n,
                category_code=category.code,
                category_name=category.name,
                grid_code=code,
                grid_name=grid_name,
                street_name=street_name,
                master_number="",
                first_received=first,
                last_received=last,
            )
        )
    for master_id, n, first, last in merged:
        master = masters_by_id[master_id]
        category = categories[master.category_id]
        grid_name, street_name = grid_names(master.grid_code) if master.grid_code else ("", "")
        rows.append(
            RepeatLocation(
                kind="merged",
                count=n + 1,
                category_code=category.code,
                category_name=category.name,
                grid_code=master.grid_code,
                grid_name=grid_name,
                street_name=street_name,
                master_number=master.tracking_number or "",
                first_received=min(first, master.received_at),
                last_received=max(last, master.received_at),
            )
        )
    rows.sort(key=lambda r: (-r.count, r.kind, r.grid_code, r.category_code, r.master_number))
    return rows[:limit]


# ---------------------------------------------------------------------------------------------
# Units


def unit_performance(*, start: date, end: date, prefix: str) -> list[UnitPerformance]:
    """Per handling unit (not hotline centres), over tickets received in the period in the area:
    tickets held, resolved, on time, returns per dispatch, satisfaction and hours to resolve.

    A return is charged to the unit whose officer returned the ticket, from the history: the
    ticket itself then goes back to the centre and on to another unit.
    """
    tickets = _tickets(start=start, end=end, prefix=prefix).exclude(status=Status.MERGED)
    resolved = Q(resolved_at__isnull=False)
    held = (
        tickets.exclude(holder__kind=UnitKind.HOTLINE_CENTRE)
        .values_list("holder_id")
        .annotate(
            total=Count("id"),
            resolved=Count("id", filter=resolved),
            on_time=Count("id", filter=resolved & Q(resolved_at__lte=F("deadline"))),
            rated=Count("id", filter=~Q(satisfaction="")),
            satisfied=Count("id", filter=Q(satisfaction__in=_SATISFIED)),
            hours=Avg(
                ExpressionWrapper(
                    F("resolved_at") - F("dispatched_at"), output_field=DurationField()
                ),
                filter=resolved & Q(dispatched_at__isnull=False),
            ),
        )
    )
    events = TicketEvent.objects.filter(ticket__in=tickets.values("pk")).order_by()
    dispatched = dict(
        events.filter(action="dispatch")
        .exclude(unit__kind=UnitKind.HOTLINE_CENTRE)
        .values_list("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    returned = dict(
        events.filter(action="return", actor__unit__isnull=False)
        .values_list("actor__unit_id")
        .annotate(n=Count("id"))
        .values_list("actor__unit_id", "n")
    )
    by_unit = {row[0]: row[1:] for row in held}
    unit_ids = set(by_unit) | set(dispatched) | set(returned)
    rows = []
    # A unit that returned everything it was sent holds nothing now, yet still has a row.
    for unit in OrgUnit.objects.filter(pk__in=unit_ids).exclude(kind=UnitKind.HOTLINE_CENTRE):
        total, n_resolved, on_time, rated, satisfied, hours = by_unit.get(
            unit.pk, (0, 0, 0, 0, 0, None)
        )
        rows.append(
            UnitPerformance(
                unit_code=unit.code,
                unit_name=unit.name,
                total=total,
                resolved=n_resolved,
                on_time=on_time,
                dispatched=dispatched.get(unit.pk, 0),
                returned=returned.get(unit.pk, 0),
                rated=rated,
                satisfied=satisfied,
                average_hours=None if hours is None else round(hours.total_seconds() / 3600, 1),
            )
        )
    rows.sort(key=lambda r: (-r.total, -r.dispatched, r.unit_code))
    return rows
