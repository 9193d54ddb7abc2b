"""Reads for cross-checks (比对): set-based queries over the whole registry for one month.

Each reader streams its matches with the facts that make them a match (the evidence); the
exchange decides who may run them, logs every subject read and turns matches into findings.
The queries run on SQLite and PostgreSQL alike and read the registry in chunks, so a city of
millions never sits in memory.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import groupby, islice
from typing import Any, TypeVar

from django.db import connections
from django.db.models import (
    Count,
    DateField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from cityhall.registry.models import Benefit, Contribution, Employment
from cityhall.registry.vocab import (
    BenefitKind,
    ContributionStatus,
    LegalPersonStatus,
    PersonStatus,
    WageBand,
)

# A contribution base of 10,000 yuan is about 1.3 times Guangzhou's average wage used for bases:
# far above what anyone could earn on the side while legitimately unemployed.
HIGH_WAGE_BASE = Decimal(10_000)
HIGH_WAGE_BANDS = (WageBand.B10000_20000, WageBand.ABOVE_20000)
# Arrears are reported over this many months ending with the period (see contribution_arrears).
ARREARS_MONTHS = 3
CHUNK = 2000

T = TypeVar("T")


def month_bounds(period: date) -> tuple[date, date]:
    """First and last day of the month `period` (which must be the first of a month)."""
    if period.day != 1:
        raise ValueError(f"a period is the first day of a month, not {period.isoformat()}")
    following = (period + timedelta(days=32)).replace(day=1)
    return period, following - timedelta(days=1)


def months_back(period: date, count: int) -> list[date]:
    """`count` months ending with `period`, newest first."""
    months = [period]
    while len(months) < count:
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    return months


def _batches(rows: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def _stream(rows: QuerySet[Any, T]) -> Iterator[T]:
    """Every row of a large read, fetched in chunks through a server-side cursor.

    PostgreSQL plans a cursor to return its first tenth of rows fast (cursor_tuple_fraction);
    these readers always read to the end, so inside a transaction (the cross-check service runs
    in one) they ask for the plan that finishes first: at a million persons the arrears
    aggregate takes 1.3 s instead of 5. SET LOCAL ends with the transaction.
    """
    connection = connections[rows.db]
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
    yield from rows.iterator(chunk_size=CHUNK)


def _current_in(start: date, end: date) -> Q:
    """A benefit or job in force on at least one day of [start, end]."""
    return Q(since__lte=end) & (Q(until__isnull=True) | Q(until__gte=start))


# What the readers return ----------------------------------------------------------------------


@dataclass(frozen=True)
class PersonSubject:
    person_id: int
    document_index: str
    document_number: str  # opened from the sealed column: callers mask it before showing it
    name: str


@dataclass(frozen=True)
class BenefitFact:
    kind: str
    monthly_amount: Decimal
    since: date
    until: date | None
    paid_by_id: int
    paid_by_name: str


@dataclass(frozen=True)
class ContributionFact:
    month: date
    status: str
    base: Decimal
    employer_name: str
    employer_uscc: str


@dataclass(frozen=True)
class EmploymentFact:
    employer_name: str
    employer_uscc: str
    since: date
    until: date | None
    wage_band: str


@dataclass(frozen=True)
class UnemploymentWhileEmployed:
    person: PersonSubject
    benefit: BenefitFact
    contribution: ContributionFact | None  # a paid high-base contribution for the month
    employment: EmploymentFact | None  # a high-wage job overlapping the benefit in the month


@dataclass(frozen=True)
class ContributionArrears:
    legal_person_id: int
    uscc: str
    name: str
    employees_current: int
    employees_in_arrears: int
    months: tuple[date, ...]  # months of the window with arrears, newest first
    base_total: Decimal  # sum of the contribution bases in arrears over the window


@dataclass(frozen=True)
class DeceasedReceiving:
    person: PersonSubject
    benefits: tuple[BenefitFact, ...]  # every benefit current in the month, largest first


_PERSON_VALUES = (
    "person_id",
    "person__document_index",
    "person__document_number",
    "person__name",
)
_BENEFIT_VALUES = (
    "kind",
    "monthly_amount",
    "since",
    "until",
    "supplied_by_id",
    "supplied_by__name",
)


def _person(row: dict[str, Any]) -> PersonSubject:
    return PersonSubject(
        person_id=row["person_id"],
        document_index=row["person__document_index"],
        document_number=row["person__document_number"],
        name=row["person__name"],
    )


def _benefit(row: dict[str, Any]) -> BenefitFact:
    return BenefitFact(
        kind=row["kind"],
        monthly_amount=row["monthly_amount"],
        since=row["since"],
        until=row["until"],
        paid_by_id=row["supplied_by_id"],
        paid_by_name=row["supplied_by__name"],
    )


# The rules ------------------------------------------------------------------------------------


def unemployment_while_employed(
    *, period: date, high_base: Decimal = HIGH_WAGE_BASE
) -> Iterator[UnemploymentWhileEmployed]:
    """Persons drawing unemployment benefit in the month who also earned a high wage in it.

    Either evidence is enough: a `paid` contribution for the month with a base of at least
    `high_base`, or a job declared at 10,000 yuan a month or more that overlaps the benefit
    within the month. A contribution covers a whole month, so it counts only against a
    benefit paid for the whole month: a benefit that starts or ends within it is the ordinary
    hand-over between job and benefit, not a case on its own. The evidence carries both facts
    when both exist. One match per person (their latest benefit).
    """
    start, end = month_bounds(period)
    paid_high = Contribution.objects.filter(
        person_id=OuterRef("person_id"),
        month=start,
        status=ContributionStatus.PAID,
        base__gte=high_base,
    )
    high_job = (
        Employment.objects.filter(
            person_id=OuterRef("person_id"), wage_band__in=HIGH_WAGE_BANDS, since__lte=end
        )
        # The job and the benefit must share at least one day of the month.
        .filter(since__lte=Coalesce(OuterRef("until"), Value(end), output_field=DateField()))
        .filter(Q(until__isnull=True) | (Q(until__gte=start) & Q(until__gte=OuterRef("since"))))
        .order_by("-since")
    )
    whole_month = Q(since__lte=start) & (Q(until__isnull=True) | Q(until__gte=end))
    rows = (
        Benefit.objects.filter(_current_in(start, end), kind=BenefitKind.UNEMPLOYMENT)
        .filter((whole_month & Q(Exists(paid_high))) | Q(Exists(high_job)))
        .annotate(
            contribution_id=Subquery(paid_high.values("pk")[:1]),
            employment_id=Subquery(high_job.values("pk")[:1]),
        )
        .order_by("person_id", "-since")
        .values(*_PERSON_VALUES, *_BENEFIT_VALUES, "contribution_id", "employment_id")
    )
    seen_last: int | None = None
    for batch in _batches(_stream(rows)):
        contributions = {
            c.pk: c
            for c in Contribution.objects.filter(
                pk__in=[r["contribution_id"] for r in batch if r["contribution_id"]]
            ).select_related("employer")
        }
        jobs = {
            e.pk: e
            for e in Employment.objects.filter(
                pk__in=[r["employment_id"] for r in batch if r["employment_id"]]
            ).select_related("employer")
        }
        for row in batch:
            if row["person_id"] == seen_last:
                continue  # an earlier benefit of the same person (rows come latest first)
            seen_last = row["person_id"]
            paid = contributions.get(row["contribution_id"])
            job = jobs.get(row["employment_id"])
            yield UnemploymentWhileEmployed(
                person=_person(row),
                benefit=_benefit(row),
                contribution=(
                    ContributionFact(
                        month=paid.month,
                        status=paid.status,
                        base=paid.base,
                        employer_name=paid.employer.name if paid.employer else "",
                        employer_uscc=paid.employer.uscc if paid.employer else "",
                    )
                    if paid is not None
                    else None
                ),
                employment=(
                    EmploymentFact(
                        employer_name=job.employer.name,
                        employer_uscc=job.employer.uscc,
                        since=job.since,
                        until=job.until,
                        wage_band=job.wage_band,
                    )
                    if job is not None
                    else None
                ),
            )


def _staff_on(end: date) -> Q:
    """Jobs in force on the last day of the month: the employer's current employees."""
    return Q(since__lte=end) & (Q(until__isnull=True) | Q(until__gte=end))


def contribution_arrears(
    *, period: date, months: int = ARREARS_MONTHS
) -> Iterator[ContributionArrears]:
    """Active legal persons with current employees and contributions in arrears.

    Arrears count over the `months` months ending with the period (default three), so a debt
    still outstanding from the months before is reported again in this month's run; only
    contributions the company itself owes (Contribution.employer) count, including those of
    employees who have since left. Current employees: jobs in force on the last day of the
    period; a company without any is not a case for this rule.
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    start, end = month_bounds(period)
    window = months_back(start, months)
    current_staff = Employment.objects.filter(_staff_on(end), employer_id=OuterRef("employer_id"))
    # One pass over the window's arrears, grouped by employer; the joins and the EXISTS touch
    # only the rows in arrears, a small share of all contributions.
    rows = (
        Contribution.objects.filter(
            status=ContributionStatus.ARREARS,
            month__gte=window[-1],
            month__lte=start,
            employer__status=LegalPersonStatus.ACTIVE,
        )
        .filter(Exists(current_staff))
        .values("employer_id", "employer__uscc", "employer__name")
        .annotate(
            persons=Count("person_id", distinct=True),
            base_total=Sum("base"),
            **{f"in_{i}": Count("pk", filter=Q(month=m)) for i, m in enumerate(window)},
        )
        .order_by("employer_id")
    )
    for batch in _batches(_stream(rows)):
        staff = dict(
            Employment.objects.filter(
                _staff_on(end), employer_id__in=[r["employer_id"] for r in batch]
            )
            .order_by()
            .values("employer_id")
            .annotate(n=Count("pk"))
            .values_list("employer_id", "n")
        )
        for row in batch:
            # The per-month counts are named at run time, which the typed row cannot know.
            counts: Mapping[str, object] = row
            yield ContributionArrears(
                legal_person_id=row["employer_id"],
                uscc=row["employer__uscc"],
                name=row["employer__name"],
                employees_current=staff.get(row["employer_id"], 0),
                employees_in_arrears=row["persons"],
                months=tuple(m for i, m in enumerate(window) if counts[f"in_{i}"]),
                base_total=Decimal(row["base_total"] or 0).quantize(Decimal("0.01")),
            )


def deceased_receiving(*, period: date) -> Iterator[DeceasedReceiving]:
    """Persons registered as deceased who hold a benefit current in the month (one match per
    person, with every such benefit)."""
    start, end = month_bounds(period)
    rows = (
        Benefit.objects.filter(_current_in(start, end), person__status=PersonStatus.DECEASED)
        .order_by("person_id", "-monthly_amount", "since")
        .values(*_PERSON_VALUES, *_BENEFIT_VALUES)
    )
    for _person_id, group in groupby(_stream(rows), key=lambda r: r["person_id"]):
        found = list(group)
        yield DeceasedReceiving(
            person=_person(found[0]), benefits=tuple(_benefit(r) for r in found)
        )
