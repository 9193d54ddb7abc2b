"""The demo city's registry and citizens: a synthetic city imported through the real pipeline,
and citizen accounts for real registry persons (so an account and its registry record are one
person, linked by the resident-ID blind index)."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db.models import Case, Q, When

from cityhall.geo.models import Division
from cityhall.identity import services as identity_services
from cityhall.identity.models import Account, AccountKind, EnterpriseMandate, OrgUnit
from cityhall.identity.selectors import id_number_index
from cityhall.registry.models import LegalPerson, Person
from cityhall.registry.services.imports import ImportReport, registry_import
from cityhall.registry.synth import city_write
from cityhall.registry.vocab import DocumentType, PersonStatus

# The day the demo data describe: fixed, so seeding on another day changes nothing.
DEMO_AS_OF = date(2026, 11, 1)
DEMO_SEED = 20261101
# Which department supplies each registry file (provenance shown on every fact).
SOURCES = {
    "houses": "440100-ZJ",  # 住房和城乡建设局: 楼盘表
    "persons": "440100-GA",  # 公安局: household registration
    "companies": "440100-SJ",  # 市场监督管理局: market entities
    "ownerships": "440100-GZ",  # 规划和自然资源局: real-estate registration
    "residences": "440100-GA",
    "rentals": "440100-LS",  # 来穗人员服务管理局: rental housing and migrants
    "employment": "440100-RS",  # 人力资源和社会保障局
    "contributions": "440100-RS",
    "benefits": "440100-SB",  # 社会保险基金管理中心 (the demo's file also carries 低保)
}


@dataclass(frozen=True)
class RegistryDemoReport:
    imports: list[ImportReport]

    def __str__(self) -> str:
        return ", ".join(
            f"{r.kind} {r.read} read/{r.inserted} new/{r.rejected} rejected" for r in self.imports
        )


def demo_registry_build(*, persons: int, companies: int) -> RegistryDemoReport:
    """Write the synthetic city's files under var/ and import them, file by file, in order."""
    out = Path(settings.VAR_DIR) / "demo-registry"
    city_write(out_dir=out, persons=persons, companies=companies, seed=DEMO_SEED, as_of=DEMO_AS_OF)
    reports = []
    for kind, unit_code in SOURCES.items():
        reports.append(
            registry_import(
                kind=kind, path=out / f"{kind}.csv", source=OrgUnit.objects.get(code=unit_code)
            )
        )
    return RegistryDemoReport(reports)


def _community_of(person: Person) -> Division | None:
    house = person.current_house
    return house.unit.building.grid.community if house else None


def demo_citizens_build(*, count: int, password_hash: str) -> list[Account]:
    """Accounts for adult registry persons with resident IDs who live in the city, local first
    in the demo districts (so the demo staff have residents to look up)."""
    adults_born_before = date(DEMO_AS_OF.year - 18, DEMO_AS_OF.month, DEMO_AS_OF.day)
    candidates = (
        Person.objects.filter(
            document_type=DocumentType.RESIDENT_ID,
            status=PersonStatus.ALIVE,
            birth_date__lte=adults_born_before,
            current_house__isnull=False,
        )
        .select_related("current_house__unit__building__grid__community")
        .annotate(
            demo_district=Case(
                When(Q(area_code__startswith="440105") | Q(area_code__startswith="440106"), then=0),
                default=1,
            )
        )
        .order_by("demo_district", "id")
    )
    known = set(
        Account.objects.filter(kind=AccountKind.CITIZEN).values_list("id_number_index", flat=True)
    )
    accounts = []
    for person in candidates[:count]:
        if person.document_index in known:
            accounts.append(Account.objects.get(id_number_index=person.document_index))
            continue
        accounts.append(
            identity_services.citizen_register(
                id_number=person.document_number,
                real_name=person.name,
                password_hash=password_hash,
                phone=person.phone,
                home_division=_community_of(person),
            )
        )
    return accounts


def demo_mandates_build(*, count: int, password_hash: str) -> int:
    """Enterprise agents: the legal representative of each of the first companies acts for it."""
    created = 0
    companies = LegalPerson.objects.filter(
        legal_representative__document_type=DocumentType.RESIDENT_ID
    ).select_related("legal_representative__current_house__unit__building__grid__community")
    for company in companies.order_by("id")[:count]:
        rep = company.legal_representative
        if rep is None:
            continue
        agent = Account.objects.filter(id_number_index=id_number_index(rep.document_number)).first()
        if agent is None:
            agent = identity_services.citizen_register(
                id_number=rep.document_number,
                real_name=rep.name,
                password_hash=password_hash,
                phone=rep.phone,
                home_division=_community_of(rep),
            )
        _mandate, was_created = EnterpriseMandate.objects.get_or_create(
            agent=agent,
            uscc=company.uscc,
            defaults={"enterprise_name": company.name, "valid_from": company.established_on},
        )
        created += int(was_created)
    return created
