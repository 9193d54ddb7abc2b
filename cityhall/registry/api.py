"""Registry read API for internal use (/api/v1/registry/): scoped, masked, reads audited."""

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from cityhall.core import crypto
from cityhall.identity.models import Account
from cityhall.registry import selectors
from cityhall.registry.models import FactChange, House, LegalPerson, Person
from cityhall.registry.services import facts

router = Router()


def _actor(request: HttpRequest) -> Account:
    return request.user  # type: ignore[return-value]


class PersonOut(Schema):
    id: int
    name: str
    document_type: str
    document_number_masked: str
    gender: str
    birth_date: date
    status: str
    hukou_division_code: str
    house_code: str | None
    area_code: str
    supplied_by: str
    supplied_at: datetime

    @staticmethod
    def resolve_document_number_masked(obj: Person) -> str:
        return crypto.mask_id_number(obj.document_number)

    @staticmethod
    def resolve_house_code(obj: Person) -> str | None:
        return obj.current_house.code if obj.current_house else None

    @staticmethod
    def resolve_supplied_by(obj: Person) -> str:
        return obj.supplied_by.name


class ChangeOut(Schema):
    field: str
    at: datetime
    reason: str
    supplied_by: str
    changed_by: str | None

    @staticmethod
    def resolve_supplied_by(obj: FactChange) -> str:
        return obj.supplied_by.name

    @staticmethod
    def resolve_changed_by(obj: FactChange) -> str | None:
        return obj.changed_by.username if obj.changed_by else None


class PersonDetailOut(PersonOut):
    household_number: str | None
    relation_to_head: str
    employers: list[str]
    history: list[ChangeOut]

    @staticmethod
    def resolve_household_number(obj: Person) -> str | None:
        return obj.household.number if obj.household else None

    @staticmethod
    def resolve_employers(obj: Person) -> list[str]:
        current = obj.employments.filter(until__isnull=True).select_related("employer")
        return [e.employer.name for e in current]

    @staticmethod
    def resolve_history(obj: Person) -> list[FactChange]:
        return list(selectors.fact_history(fact_type="registry.Person", fact_id=obj.pk))


class LegalPersonOut(Schema):
    id: int
    uscc: str
    name: str
    kind: str
    status: str
    division_code: str
    industry: str
    established_on: date
    registered_address: str


class HouseOut(Schema):
    id: int
    code: str
    address: str
    use: str
    area: float
    grid_code: str
    active_sale_filing: bool
    active_mortgages: int

    @staticmethod
    def resolve_address(obj: House) -> str:
        return selectors.house_address(obj)

    @staticmethod
    def resolve_grid_code(obj: House) -> str:
        return obj.area_code

    @staticmethod
    def resolve_active_sale_filing(obj: House) -> bool:
        return any(f.status == "active" for f in obj.sale_filings.all())

    @staticmethod
    def resolve_active_mortgages(obj: House) -> int:
        return sum(1 for m in obj.mortgages.all() if m.status == "active")


@router.get("/persons", response=list[PersonOut], summary="Search persons in scope")
@paginate(PageNumberPagination, page_size=50)
def persons(
    request: HttpRequest,
    document_type: str = "resident_id",
    document_number: str = "",
    name_prefix: str = "",
    address: str = "",
) -> list[Person]:
    query = selectors.PersonQuery(document_type, document_number, name_prefix, address)
    return selectors.person_search_for_staff(actor=_actor(request), query=query).select_related(
        "supplied_by", "current_house"
    )[: selectors.SEARCH_LIMIT]  # type: ignore[return-value]


@router.get(
    "/persons/{person_id}",
    response=PersonDetailOut,
    summary="One person in scope with links, provenance and history (the read is audited)",
)
def person(request: HttpRequest, person_id: int) -> Person:
    return facts.person_open(actor=_actor(request), person_id=person_id, request=request)


@router.get("/legal-persons", response=list[LegalPersonOut], summary="Search legal persons")
@paginate(PageNumberPagination, page_size=50)
def legal_persons(request: HttpRequest, q: str) -> list[LegalPerson]:
    return selectors.legal_person_search_for_staff(actor=_actor(request), text=q)  # type: ignore[return-value]


@router.get("/houses", response=list[HouseOut], summary="Search houses by address or code")
@paginate(PageNumberPagination, page_size=50)
def houses(request: HttpRequest, q: str) -> list[House]:
    return selectors.house_search_for_staff(actor=_actor(request), address=q).prefetch_related(  # type: ignore[return-value]
        "sale_filings", "mortgages"
    )


@router.get("/houses/{house_id}", response=HouseOut, summary="One house with its filing state")
def house(request: HttpRequest, house_id: int) -> House:
    return selectors.house_get_for_staff(actor=_actor(request), house_id=house_id)
