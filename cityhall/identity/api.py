"""Identity API: who am I, and scoped, masked reads of residents and organisation units."""

from datetime import date

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from cityhall.core import crypto
from cityhall.identity import selectors, services
from cityhall.identity.models import Account, OrgUnit

router = Router()


class MeOut(Schema):
    username: str
    kind: str
    real_name: str
    id_number_masked: str
    unit: str | None
    unit_code: str | None
    roles: list[str]
    language: str


class CitizenOut(Schema):
    id: int
    real_name: str
    id_number_masked: str
    gender: str
    birth_date: date | None
    community_code: str | None
    community_name: str | None

    @staticmethod
    def resolve_id_number_masked(obj: Account) -> str:
        return crypto.mask_id_number(obj.id_number)

    @staticmethod
    def resolve_community_code(obj: Account) -> str | None:
        return obj.home_division.code if obj.home_division else None

    @staticmethod
    def resolve_community_name(obj: Account) -> str | None:
        return obj.home_division.name if obj.home_division else None


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    level: str
    division_code: str
    parent_code: str | None

    @staticmethod
    def from_unit(unit: OrgUnit) -> "UnitOut":
        return UnitOut(
            code=unit.code,
            name=unit.name,
            kind=unit.kind,
            level=unit.level,
            division_code=unit.division.code,
            parent_code=unit.parent.code if unit.parent else None,
        )


def _actor(request: HttpRequest) -> Account:
    return request.user  # type: ignore[return-value]


@router.get("/me", response=MeOut, summary="The signed-in account")
def me(request: HttpRequest) -> MeOut:
    account = _actor(request)
    return MeOut(
        username=account.username,
        kind=account.kind,
        real_name=account.real_name,
        id_number_masked=crypto.mask_id_number(account.id_number) if account.id_number else "",
        unit=account.unit.name if account.unit else None,
        unit_code=account.unit.code if account.unit else None,
        roles=sorted(selectors.account_roles(account)),
        language=account.language,
    )


@router.get(
    "/residents",
    response=list[CitizenOut],
    summary="Residents in the caller's scope (staff; ID numbers masked)",
)
@paginate(PageNumberPagination, page_size=50)
def residents(request: HttpRequest, q: str = "") -> QuerySet[Account]:
    return selectors.citizen_list_for_staff(actor=_actor(request), query=q)


@router.get(
    "/residents/{account_id}",
    response=CitizenOut,
    summary="One resident in the caller's scope (404 outside it; the read is audited)",
)
def resident(request: HttpRequest, account_id: int) -> Account:
    return services.citizen_open(actor=_actor(request), account_id=account_id, request=request)


@router.get("/units", response=list[UnitOut], summary="Organisation units in the caller's scope")
def units(request: HttpRequest) -> list[UnitOut]:
    return [UnitOut.from_unit(u) for u in selectors.unit_list_for_staff(actor=_actor(request))]
