"""Reads for residents about themselves: what the registry holds on them, and their reports.

A resident sees their own facts (never anyone else's, not even their household's other
members) with the unit that supplied each one, so an error can go to the unit that owns it.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cityhall.core.errors import NotFoundError
from cityhall.geo.models import Division
from cityhall.identity.models import Account, OrgUnit
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import require_capability
from cityhall.registry.models import CorrectionRequest, Fact, Household, Person
from cityhall.registry.selectors import house_address, person_find_by_document
from cityhall.registry.vocab import DocumentType

OWN_CONTRIBUTION_MONTHS = 6


@dataclass(frozen=True)
class OwnFact:
    """One fact about the resident, as the registry holds it, with its source."""

    key: str  # "<fact_type>:<id>", what a correction report names
    label: str
    fields: list[tuple[str, str]]
    source: OrgUnit
    supplied_at: datetime
    open_reports: list[CorrectionRequest] = field(default_factory=list)


def _fmt(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return str(value)


def own_person(*, account: Account) -> Person | None:
    """The registry's person record of a citizen account (by their ID number), if any."""
    if not account.id_number:
        return None
    return person_find_by_document(DocumentType.RESIDENT_ID, account.id_number)


def own_facts(*, person: Person) -> list[OwnFact]:
    """Everything the base registry holds about this person, newest first within each kind."""
    open_reports: dict[str, list[CorrectionRequest]] = {}
    for report in corrections_of_person(person=person).filter(status="open"):
        open_reports.setdefault(f"{report.fact_type}:{report.fact_id}", []).append(report)
    facts: list[OwnFact] = []

    def add(fact: Fact, label: str, fields: list[tuple[str, str]]) -> None:
        key = f"{fact._meta.label}:{fact.pk}"  # what FactChange and reports call it
        facts.append(
            OwnFact(
                key=key,
                label=label,
                fields=fields,
                source=fact.supplied_by,
                supplied_at=fact.supplied_at,
                open_reports=open_reports.get(key, []),
            )
        )

    hukou = Division.objects.filter(code=person.hukou_division_code).first()
    add(
        person,
        _("基本信息"),
        [
            (_("姓名"), person.name),
            (_("性别"), person.get_gender_display()),
            (_("出生日期"), _fmt(person.birth_date)),
            (_("民族"), _fmt(person.ethnicity)),
            (_("户籍地"), hukou.name if hukou else person.hukou_division_code),
            (_("人口状态"), person.get_status_display()),
        ],
    )
    if person.household_id:
        household = Household.objects.select_related("supplied_by").get(pk=person.household_id)
        add(
            household,
            _("户籍"),
            [
                (_("户号"), household.number),
                (_("户别"), household.get_kind_display()),
                (_("与户主关系"), person.get_relation_to_head_display() or "—"),
            ],
        )
    in_house = ("house__unit__building", "supplied_by")
    for residence in person.residences.filter(until__isnull=True).select_related(*in_house):
        add(
            residence,
            _("居住登记"),
            [
                (_("地址"), house_address(residence.house)),
                (_("居住类型"), residence.get_kind_display()),
                (_("起始日期"), _fmt(residence.since)),
            ],
        )
    for ownership in person.ownerships.filter(until__isnull=True).select_related(*in_house):
        add(
            ownership,
            _("房屋权属"),
            [
                (_("房屋"), house_address(ownership.house)),
                (_("份额（%）"), _fmt(ownership.share)),
                (_("起始日期"), _fmt(ownership.since)),
            ],
        )
    jobs = person.employments.select_related("employer", "supplied_by").order_by("-since")
    for employment in jobs[:3]:
        add(
            employment,
            _("就业登记"),
            [
                (_("单位"), employment.employer.name),
                (_("入职日期"), _fmt(employment.since)),
                (_("离职日期"), _fmt(employment.until)),
                (_("申报月工资"), employment.get_wage_band_display()),
            ],
        )
    paid = person.contributions.select_related("employer", "supplied_by").order_by("-month")
    for contribution in paid[:OWN_CONTRIBUTION_MONTHS]:
        add(
            contribution,
            _("社保缴费 %(month)s") % {"month": f"{contribution.month:%Y-%m}"},
            [
                (_("缴费单位"), contribution.employer.name if contribution.employer else "—"),
                (_("缴费状态"), contribution.get_status_display()),
                (_("缴费基数"), _fmt(contribution.base)),
            ],
        )
    for benefit in person.benefits.select_related("supplied_by"):
        add(
            benefit,
            _("待遇发放"),
            [
                (_("待遇类别"), benefit.get_kind_display()),
                (_("月发放金额（元）"), _fmt(benefit.monthly_amount)),
                (_("起始日期"), _fmt(benefit.since)),
                (_("终止日期"), _fmt(benefit.until)),
            ],
        )
    return facts


def own_fact(*, person: Person, key: str) -> OwnFact:
    """One of the person's own facts by its key; anything else is not found."""
    found = next((fact for fact in own_facts(person=person) if fact.key == key), None)
    if found is None:
        raise NotFoundError(_("没有这项信息"))
    return found


def corrections_of_person(*, person: Person) -> QuerySet[CorrectionRequest]:
    return CorrectionRequest.objects.filter(person=person).select_related("unit")


def corrections_of(*, account: Account) -> QuerySet[CorrectionRequest]:
    """The reports a resident filed about themselves, newest first."""
    return CorrectionRequest.objects.filter(reporter=account).select_related("unit")


def corrections_for_unit(*, actor: Account) -> QuerySet[CorrectionRequest]:
    """Reports about facts the actor's unit supplied (the unit that must check them)."""
    require_capability(actor, Capability.REGISTRY_WRITE)
    if actor.unit is None:
        return CorrectionRequest.objects.none()
    return CorrectionRequest.objects.filter(unit=actor.unit).select_related("person", "reporter")


def correction_for_unit(*, actor: Account, correction_id: int) -> CorrectionRequest:
    found = corrections_for_unit(actor=actor).filter(pk=correction_id).first()
    if found is None:
        raise NotFoundError(_("没有这条纠错申请"))
    return found
