"""The exchange's test city: departments, the catalogue, client systems with secrets, grants."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from cityhall.exchange.models import AccessGrant, DataResource
from cityhall.exchange.services import clients, grants
from cityhall.exchange.services.catalogue import catalogue_load
from cityhall.exchange.vocab import GrantStatus
from cityhall.geo.models import Division
from cityhall.identity.demo import CITY
from cityhall.identity.demo import DEPARTMENTS as DEMO_DEPARTMENTS
from cityhall.identity.models import Account, OrgUnit, UnitKind, UnitLevel
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as idf

SUFFIXES = {
    suffix: name
    for suffix, name, _district in DEMO_DEPARTMENTS
    # The owners of the catalogue's resources, and the data management bureau.
    if suffix in {"GA", "RS", "SB", "MZ", "SJ", "ZJ", "ZS"}
}


def department(suffix: str) -> OrgUnit:
    unit, _created = OrgUnit.objects.get_or_create(
        code=f"{CITY}-{suffix}",
        defaults={
            "name": SUFFIXES[suffix],
            "kind": UnitKind.DEPARTMENT,
            "level": UnitLevel.CITY,
            "division": Division.objects.get(code=CITY),
        },
    )
    return unit


def steward(suffix: str) -> Account:
    return idf.staff(unit=department(suffix), roles=[Role.DATA_STEWARD])


@dataclass
class ExchangeCity:
    stewards: dict[str, Account]
    secret: str  # of the RS benefits system
    client_id: str


def exchange_city() -> ExchangeCity:
    """Every department, the catalogue loaded and published, and one client system of the
    human resources and social security bureau (RS) with its secret."""
    stewards = {suffix: steward(suffix) for suffix in SUFFIXES}
    catalogue_load(city_code=CITY)
    issued = clients.client_register(
        actor=stewards["RS"], client_id="gz-rs-benefits", name="失业保险待遇审核系统"
    )
    return ExchangeCity(stewards, issued.secret, issued.client.client_id)


def grant_approved(
    city: ExchangeCity,
    *,
    resource: str = "person-basic",
    fields: list[str] | None = None,
    purpose: str = "benefit_eligibility",
    requester: str = "RS",
    days: int = 365,
) -> AccessGrant:
    owner = DataResource.objects.get(code=resource).owner.code.split("-")[1]
    grant = grants.grant_request(
        actor=city.stewards[requester],
        resource_code=resource,
        fields=fields or ["name", "birth_date", "status"],
        purpose=purpose,
        legal_basis="《失业保险条例》第十五条",
        valid_from=timezone.localdate(),
        valid_until=timezone.localdate() + timedelta(days=days),
    )
    if grant.status == GrantStatus.REQUESTED:
        grant = grants.grant_decide(
            actor=city.stewards[owner], number=grant.number, approve=True, reason="同意"
        )
    return grant


def past(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)
