"""Reads of the registry. Staff reads are scoped by the area code of each fact (grid codes nest
under community, street and district codes), other apps read facts here and keep no copies."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Case, Count, F, Max, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Length, Substr
from django.utils.translation import gettext as _

from cityhall.core.errors import DomainError, NotFoundError, PermissionDeniedError
from cityhall.geo.models import Division
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import require_capability
from cityhall.registry.models import (
    Benefit,
    Contribution,
    Employment,
    FactChange,
    House,
    Household,
    LegalPerson,
    Mortgage,
    Person,
    Residence,
    SaleFiling,
)
from cityhall.registry.validation import RowError, document_index, document_parse
from cityhall.registry.vocab import (
    DocumentType,
    HouseUse,
    LegalPersonKind,
    LegalPersonStatus,
    PersonStatus,
)

SEARCH_LIMIT = 200


def person_find_by_document(document_type: str, number: str) -> Person | None:
    """The person holding this document (exact match through the blind index), unscoped.

    For other apps' services (e.g. pre-filling an application for the person themself);
    staff screens use the scoped readers below.
    """
    # A hot path (every application, every department query): a fixed statement skips the ORM's
    # query compilation, which costs several times the unique-index probe itself. RawQuerySet
    # still applies the fields' converters, so sealed columns come back opened.
    found = list(Person.objects.raw(_FIND_BY_DOCUMENT, [document_index(document_type, number)]))
    return found[0] if found else None


_FIND_BY_DOCUMENT = f"SELECT * FROM {Person._meta.db_table} WHERE document_index = %s LIMIT 1"  # noqa: S608


def scope_check(*, actor: Account, area_code: str) -> None:
    """Refuse a write about something outside the actor's area."""
    prefix = require_capability(actor, Capability.REGISTRY_READ)
    if not area_code.startswith(prefix):
        raise PermissionDeniedError(_("该记录不在您的辖区内"))


def persons_for_staff(*, actor: Account) -> QuerySet[Person]:
    prefix = require_capability(actor, Capability.REGISTRY_READ)
    return Person.objects.filter(area_code__startswith=prefix)


@dataclass(frozen=True)
class PersonQuery:
    document_type: str = "resident_id"
    document_number: str = ""
    name_prefix: str = ""
    address: str = ""


def person_search_for_staff(*, actor: Account, query: PersonQuery) -> QuerySet[Person]:
    """Search in scope: exact document (blind index), name prefix, or address (substring)."""
    qs = persons_for_staff(actor=actor).select_related("current_house__unit__building")
    if query.document_number.strip():
        try:
            document = document_parse(query.document_type, query.document_number)
        except RowError as exc:
            raise DomainError(exc.message, code=exc.code) from exc
        return qs.filter(document_index=document.index).order_by("id")
    filters = Q()
    if query.name_prefix.strip():
        filters &= Q(name__startswith=query.name_prefix.strip())
    if query.address.strip():
        filters &= Q(current_house__unit__building__address__contains=query.address.strip())
    if not filters:
        raise DomainError(_("请输入证件号码、姓名或地址"), code="empty_query")
    return qs.filter(filters).order_by("name", "id")


def person_get_for_staff(*, actor: Account, person_id: int) -> Person:
    """One person in scope, or NotFoundError (outside the scope they do not exist for you)."""
    person = (
        persons_for_staff(actor=actor)
        .select_related("household", "current_house__unit__building__grid", "supplied_by")
        .filter(pk=person_id)
        .first()
    )
    if person is None:
        raise NotFoundError(_("未找到该人员"))
    return person


@dataclass(frozen=True)
class PersonDossier:
    """What a person's page shows: the person and the facts that link them."""

    person: Person
    household_members: list[Person]
    residences: list[Residence]
    employments: list[Employment]
    contributions: list[Contribution]
    owned_houses: list[House]
    represents: list[LegalPerson]
    history: list[FactChange]


def person_dossier(*, person: Person, contribution_months: int = 12) -> PersonDossier:
    """The linked facts of one person already read through a scoped selector."""
    members = (
        list(
            Person.objects.filter(household=person.household)
            .exclude(pk=person.pk)
            .order_by("relation_to_head", "birth_date")
        )
        if person.household_id
        else []
    )
    return PersonDossier(
        person=person,
        household_members=members,
        residences=list(
            person.residences.select_related("house__unit__building", "supplied_by").order_by(
                "-since"
            )
        ),
        employments=list(
            person.employments.select_related("employer", "supplied_by").order_by("-since")
        ),
        contributions=list(
            person.contributions.select_related("employer").order_by("-month")[:contribution_months]
        ),
        owned_houses=[
            o.house
            for o in person.ownerships.select_related("house__unit__building").filter(
                until__isnull=True
            )
        ],
        represents=list(person.represents.all()),
        history=list(fact_history(fact_type="registry.Person", fact_id=person.pk)),
    )


def fact_history(*, fact_type: str, fact_id: int) -> QuerySet[FactChange]:
    return (
        FactChange.objects.filter(fact_type=fact_type, fact_id=fact_id)
        .select_related("changed_by", "supplied_by")
        .order_by("-at", "-id")
    )


def legal_persons_for_staff(*, actor: Account) -> QuerySet[LegalPerson]:
    prefix = require_capability(actor, Capability.REGISTRY_READ)
    qs = LegalPerson.objects.select_related("legal_representative", "supplied_by")
    # A city-level prefix ("4401") also covers companies registered at city level (440100).
    return qs.filter(division_code__startswith=prefix)


def legal_person_search_for_staff(*, actor: Account, text: str) -> QuerySet[LegalPerson]:
    """By exact USCC or by name substring, in scope."""
    text = text.strip().upper()
    if not text:
        raise DomainError(_("请输入统一社会信用代码或名称"), code="empty_query")
    qs = legal_persons_for_staff(actor=actor)
    if len(text) == 18 and text.isalnum():
        return qs.filter(uscc=text)
    return qs.filter(name__contains=text).order_by("name")


def houses_for_staff(*, actor: Account) -> QuerySet[House]:
    prefix = require_capability(actor, Capability.REGISTRY_READ)
    return House.objects.filter(area_code__startswith=prefix).select_related("unit__building__grid")


def house_search_for_staff(*, actor: Account, address: str) -> QuerySet[House]:
    address = address.strip()
    if not address:
        raise DomainError(_("请输入地址或房屋编码"), code="empty_query")
    return (
        houses_for_staff(actor=actor)
        .filter(Q(unit__building__address__contains=address) | Q(code=address))
        .order_by("code")
    )


def house_get_for_staff(*, actor: Account, house_id: int) -> House:
    house = (
        houses_for_staff(actor=actor)
        .prefetch_related(
            Prefetch(
                "sale_filings",
                queryset=SaleFiling.objects.order_by("-filed_at").prefetch_related("buyers"),
            ),
            Prefetch("mortgages", queryset=Mortgage.objects.order_by("-registered_at")),
            "ownerships__person",
            "ownerships__legal_person",
        )
        .filter(pk=house_id)
        .first()
    )
    if house is None:
        raise NotFoundError(_("未找到该房屋"))
    return house


@dataclass(frozen=True)
class OwnRecords:
    """What the base registry holds about a person, for pre-filling their own application.

    `records` maps a record kind ("person", "household", "house", "residence", "employment",
    "contribution", "legal_person") to a short reference, for the kinds that exist.
    """

    person: Person | None
    records: dict[str, str]
    address: str


def own_records(*, document_number: str, uscc: str = "") -> OwnRecords:
    """The registry records of the person themself (and of a company they act for), unscoped."""
    records: dict[str, str] = {}
    person = person_find_by_document(DocumentType.RESIDENT_ID, document_number)
    address = ""
    if person is not None:
        records["person"] = f"{person.name}"
        if person.household_id is not None:
            household = Household.objects.filter(pk=person.household_id).first()
            if household is not None:
                records["household"] = household.number
        owned = (
            House.objects.filter(ownerships__person=person, ownerships__until__isnull=True)
            .values_list("code", flat=True)
            .first()
        )
        if owned:
            records["house"] = owned
        residence = person.residences.filter(until__isnull=True).select_related("house").first()
        if residence is not None:
            records["residence"] = residence.house.code
        if person.current_house_id is not None:
            house = (
                House.objects.select_related("unit__building")
                .filter(pk=person.current_house_id)
                .first()
            )
            if house is not None:
                address = house_address(house)
        employment = person.employments.filter(until__isnull=True).select_related("employer")
        current = employment.first()
        if current is not None:
            records["employment"] = current.employer.name
        latest = person.contributions.order_by("-month").values_list("month", flat=True).first()
        if latest is not None:
            records["contribution"] = f"{latest:%Y-%m}"
    if uscc:
        company = LegalPerson.objects.filter(uscc=uscc).first()
        if company is not None:
            records["legal_person"] = company.name
    return OwnRecords(person=person, records=records, address=address)


# Reads for the exchange gateway (一网): many keys at once, unscoped; the exchange applies the
# grant and writes every read to its access log.


def persons_by_document_index(indexes: list[str], *, with_phone: bool = False) -> dict[str, Person]:
    """Persons by the blind index of their document (one query however many keys).

    The sealed document number (the caller has it: it is the key) and, unless asked for, the
    sealed phone are not read, so they are not decrypted either.
    """
    sealed = {"document_number"} if with_phone else {"document_number", "phone"}
    if len(indexes) == 1:
        sql = _FIND_BY_INDEX_WITH_PHONE if with_phone else _FIND_BY_INDEX
        return {p.document_index: p for p in Person.objects.raw(sql, indexes)}
    found = Person.objects.filter(document_index__in=indexes).defer(*sealed)
    return {p.document_index: p for p in found}


def _select_person(without: set[str]) -> str:
    columns = ", ".join(
        str(f.column) for f in Person._meta.concrete_fields if f.attname not in without
    )
    return f"SELECT {columns} FROM {Person._meta.db_table} WHERE document_index = %s LIMIT 1"  # noqa: S608


_FIND_BY_INDEX = _select_person({"document_number", "phone"})
_FIND_BY_INDEX_WITH_PHONE = _select_person({"document_number"})


def house_addresses(house_ids: list[int]) -> dict[int, str]:
    """The postal address of each house (building address, unit and number)."""
    rows = House.objects.filter(pk__in=house_ids).values_list(
        "pk", "unit__building__address", "unit__number", "number"
    )
    return {pk: _address_text(address, unit, number) for pk, address, unit, number in rows}


def _address_text(building_address: str, unit_number: str, house_number: str) -> str:
    return f"{building_address}{unit_number}单元{house_number}"


def house_address(house: House) -> str:
    """A house's postal address (building address, unit and number); load its unit__building."""
    return _address_text(house.unit.building.address, house.unit.number, house.number)


def current_employments(person_ids: list[int]) -> dict[int, Employment]:
    """Each person's current job (the latest started, if several are open)."""
    found: dict[int, Employment] = {}
    for employment in (
        Employment.objects.filter(person_id__in=person_ids, until__isnull=True)
        .select_related("employer")
        .order_by("person_id", "since")
    ):
        found[employment.person_id] = employment
    return found


def contributions_recent(
    person_ids: list[int], *, months: int = 12
) -> dict[int, list[Contribution]]:
    """Each person's contributions of their latest `months` months, newest first."""
    found: dict[int, list[Contribution]] = {pk: [] for pk in person_ids}
    for row in (
        Contribution.objects.filter(person_id__in=person_ids)
        .select_related("employer")
        .order_by("person_id", "-month")
    ):
        if len(found[row.person_id]) < months:
            found[row.person_id].append(row)
    return found


def benefits_of(person_ids: list[int]) -> dict[int, list[Benefit]]:
    """Each person's benefits, current ones first."""
    found: dict[int, list[Benefit]] = {pk: [] for pk in person_ids}
    # NULL `until` (still paid) sorts first on both SQLite and PostgreSQL.
    for row in Benefit.objects.filter(person_id__in=person_ids).order_by(
        "person_id", F("until").desc(nulls_first=True), "-since"
    ):
        found[row.person_id].append(row)
    return found


def legal_persons_by_uscc(usccs: list[str]) -> dict[str, LegalPerson]:
    return {
        c.uscc: c
        for c in LegalPerson.objects.filter(uscc__in=usccs).select_related("legal_representative")
    }


# Aggregates for open data (开放数据): whole-registry counts grouped by the database in one
# statement each. A cell counting fewer than SMALL_CELL_MIN records is suppressed (count and any
# sum withheld, `suppressed` set) so that no published row can single out a person; no totals
# are published beside the cells, so a withheld cell cannot be recovered by subtraction.

SMALL_CELL_MIN = 5
STREET_CODE_LENGTH = 9
DISTRICT_CODE_LENGTH = 6
# (label, first age not in the band); the last band is open-ended.
AGE_BANDS: tuple[tuple[str, int | None], ...] = (
    ("0-14", 15),
    ("15-24", 25),
    ("25-44", 45),
    ("45-59", 60),
    ("60-74", 75),
    ("75+", None),
)


@dataclass(frozen=True)
class PopulationCell:
    street_code: str
    street_name: str
    district_code: str
    district_name: str
    age_band: str
    gender: str
    persons: int | None
    suppressed: bool


@dataclass(frozen=True)
class LegalPersonCell:
    district_code: str
    district_name: str
    industry: str
    kind: str
    kind_name: str
    legal_persons: int | None
    suppressed: bool


@dataclass(frozen=True)
class HouseCell:
    district_code: str
    district_name: str
    use: str
    use_name: str
    houses: int | None
    floor_area_m2: Decimal | None
    suppressed: bool


def registry_stamp() -> str:
    """A token that moves when registry rows are added or a recorded fact changes (largest
    primary keys, read from their indexes), to key caches of whole-registry aggregates."""
    return "-".join(
        str(model.objects.aggregate(top=Max("pk"))["top"] or 0)
        for model in (Person, LegalPerson, House, FactChange)
    )


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February: the birthday falls on the 28th in other years
        return day.replace(year=day.year - years, day=28)


def _division_names(codes: set[str]) -> dict[str, str]:
    return dict(Division.objects.filter(code__in=codes).values_list("code", "name"))


def _small(count: int) -> bool:
    return count < SMALL_CELL_MIN


def population_by_street_age(*, as_of: date) -> list[PopulationCell]:
    """Living persons by street (first 9 digits of their area code), age band on `as_of` and
    gender; persons placed only at district or city level are not in any street."""
    # A birth date after the cutoff means the person has not reached that age on `as_of`.
    band = Case(
        *[
            When(birth_date__gt=_years_before(as_of, limit), then=Value(label))
            for label, limit in AGE_BANDS
            if limit is not None
        ],
        default=Value(AGE_BANDS[-1][0]),
    )
    grouped = (
        Person.objects.filter(status=PersonStatus.ALIVE)
        .annotate(
            street=Substr("area_code", 1, STREET_CODE_LENGTH),
            code_length=Length("area_code"),
            band=band,
        )
        .filter(code_length__gte=STREET_CODE_LENGTH)
        .values_list("street", "band", "gender")
        .annotate(persons=Count("pk"))
        .order_by()
    )
    rows = list(grouped)
    streets = {street for street, _band, _gender, _n in rows}
    names = _division_names(streets | {s[:DISTRICT_CODE_LENGTH] for s in streets})
    order = {label: position for position, (label, _limit) in enumerate(AGE_BANDS)}
    rows.sort(key=lambda r: (r[0], order[r[1]], r[2]))
    return [
        PopulationCell(
            street_code=street,
            street_name=names.get(street, ""),
            district_code=street[:DISTRICT_CODE_LENGTH],
            district_name=names.get(street[:DISTRICT_CODE_LENGTH], ""),
            age_band=band_label,
            gender=gender,
            persons=None if _small(n) else n,
            suppressed=_small(n),
        )
        for street, band_label, gender, n in rows
    ]


def legal_persons_by_industry_district() -> list[LegalPersonCell]:
    """Legal persons in existence (存续) by registration district, industry and kind."""
    grouped = (
        LegalPerson.objects.filter(status=LegalPersonStatus.ACTIVE)
        .annotate(district=Substr("division_code", 1, DISTRICT_CODE_LENGTH))
        .values_list("district", "industry", "kind")
        .annotate(n=Count("pk"))
        .order_by("district", "industry", "kind")
    )
    rows = list(grouped)
    names = _division_names({district for district, _i, _k, _n in rows})
    kinds = dict(LegalPersonKind.choices)
    return [
        LegalPersonCell(
            district_code=district,
            district_name=names.get(district, ""),
            industry=industry,
            kind=kind,
            kind_name=str(kinds.get(kind, kind)),
            legal_persons=None if _small(n) else n,
            suppressed=_small(n),
        )
        for district, industry, kind, n in rows
    ]


def houses_by_district_use() -> list[HouseCell]:
    """Houses by district (first 6 digits of the grid code) and use, with their floor area."""
    grouped = (
        House.objects.annotate(district=Substr("area_code", 1, DISTRICT_CODE_LENGTH))
        .values_list("district", "use")
        .annotate(n=Count("pk"), area=Sum("area"))
        .order_by("district", "use")
    )
    rows = list(grouped)
    names = _division_names({district for district, _u, _n, _a in rows})
    uses = dict(HouseUse.choices)
    cent = Decimal("0.01")
    return [
        HouseCell(
            district_code=district,
            district_name=names.get(district, ""),
            use=use,
            use_name=str(uses.get(use, use)),
            houses=None if _small(n) else n,
            floor_area_m2=None if _small(n) else Decimal(area).quantize(cent),
            suppressed=_small(n),
        )
        for district, use, n, area in rows
    ]
