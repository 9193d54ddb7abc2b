"""KPIs per handling department and overall, for supervisors (a staff page and a JSON endpoint)."""

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date

from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from cityhall.applications.models import SELF_SERVICE, Application, Rating, Status
from cityhall.core.calendar import working_days_between
from cityhall.identity.models import Account, OrgUnit
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import require_capability

DECIDED = [Status.APPROVED, Status.REJECTED, Status.NOT_ACCEPTED]


@dataclass
class Kpi:
    unit_code: str
    unit_name: str
    applications: int = 0
    finished: int = 0
    on_the_spot: int = 0
    online: int = 0
    on_time: int = 0
    working_days_total: int = 0
    ratings: int = 0
    satisfied: int = 0
    rating_average: float | None = None

    def _share(self, part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    def as_dict(self) -> dict[str, object]:
        row = asdict(self)
        row.pop("working_days_total")
        row.update(
            on_the_spot_share=self._share(self.on_the_spot, self.applications),
            online_share=self._share(self.online, self.applications),
            on_time_rate=self._share(self.on_time, self.finished),
            average_working_days=(
                round(self.working_days_total / self.finished, 2) if self.finished else None
            ),
            satisfaction=self._share(self.satisfied, self.ratings),
        )
        return row


def kpis_for(*, actor: Account, since: date, until: date) -> tuple[list[Kpi], Kpi]:
    """Per lead unit within the actor's area, and the total; applications submitted in the range."""
    prefix = require_capability(actor, Capability.SUPERVISION)
    tz = timezone.get_current_timezone()
    apps = Application.objects.annotate(day=TruncDate("submitted_at", tzinfo=tz)).filter(
        lead_unit__division__code__startswith=prefix, day__gte=since, day__lte=until
    )
    rows: dict[int, Kpi] = {}
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=apps.values("lead_unit_id").distinct())}
    for unit_id, unit in units.items():
        rows[unit_id] = Kpi(unit.code, unit.name)
    counted = apps.values("lead_unit_id").annotate(
        n=Count("id"),
        finished=Count("id", filter=Q(status__in=DECIDED)),
        spot=Count("id", filter=Q(decided_on_spot=True)),
        online=Count("id", filter=Q(channel__in=SELF_SERVICE)),
        on_time=Count(
            "id",
            filter=Q(status__in=DECIDED)
            & Q(completed_at__isnull=False)
            & Q(due_date__gte=TruncDate("completed_at", tzinfo=tz)),
        ),
    )
    for row in counted:
        kpi = rows[row["lead_unit_id"]]
        kpi.applications, kpi.finished = row["n"], row["finished"]
        kpi.on_the_spot, kpi.online, kpi.on_time = row["spot"], row["online"], row["on_time"]
    days: dict[int, int] = defaultdict(int)
    finished = apps.filter(status__in=DECIDED, completed_at__isnull=False).values_list(
        "lead_unit_id", "submitted_at", "completed_at", "paused_days"
    )
    for unit_id, submitted, completed, paused in finished.iterator():
        spent = working_days_between(
            timezone.localdate(submitted, tz), timezone.localdate(completed, tz)
        )
        days[unit_id] += max(0, spent - paused)
    for unit_id, spent_days in days.items():
        rows[unit_id].working_days_total = spent_days
    rated = (
        Rating.objects.filter(application__in=apps)
        .values("unit_id")
        .annotate(n=Count("id"), good=Count("id", filter=Q(level__gte=4)), avg=Avg("level"))
    )
    for rating_row in rated:
        if rating_row["unit_id"] in rows:
            rated_kpi = rows[rating_row["unit_id"]]
            rated_kpi.ratings, rated_kpi.satisfied = rating_row["n"], rating_row["good"]
            rated_kpi.rating_average = round(float(rating_row["avg"]), 2)
    total = Kpi("", "")
    level_sum = 0.0
    for unit_kpi in rows.values():
        for name in (
            "applications",
            "finished",
            "on_the_spot",
            "online",
            "on_time",
            "working_days_total",
            "ratings",
            "satisfied",
        ):
            setattr(total, name, getattr(total, name) + getattr(unit_kpi, name))
        level_sum += (unit_kpi.rating_average or 0) * unit_kpi.ratings
    total.rating_average = round(level_sum / total.ratings, 2) if total.ratings else None
    ordered = sorted(rows.values(), key=lambda k: (-k.applications, k.unit_code))
    return ordered, total
