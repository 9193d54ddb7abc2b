"""The demo city's data exchange (一网): the catalogue, department systems, grants, some reads
of demo citizens' data (so "who looked at my data" has something to show) and a checkpoint.

Idempotent: a second run finds the systems and grants in place and reads nothing new.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cityhall.exchange.models import AccessGrant, ClientSystem
from cityhall.exchange.services import clients, grants
from cityhall.exchange.services.catalogue import catalogue_load
from cityhall.exchange.services.clients import caller_for
from cityhall.exchange.services.crosschecks import crosscheck_run
from cityhall.exchange.services.gateway import Query, query_run
from cityhall.exchange.services.log import checkpoint_sign
from cityhall.exchange.tasks import CROSSCHECK_CLIENTS
from cityhall.exchange.vocab import GrantStatus
from cityhall.identity.demo import CITY
from cityhall.identity.models import Account, AccountKind
from cityhall.portal.demo import DEMO_AS_OF

# The last month the demo registry's contributions cover.
CROSSCHECK_PERIOD = (DEMO_AS_OF.replace(day=1) - timedelta(days=1)).replace(day=1)

# (client_id, department suffix, name, may restrict, rate per minute)
SYSTEMS = (
    ("gz-rs-benefits", "RS", "失业保险待遇审核系统", False, 6000),
    ("gz-mz-assistance", "MZ", "社会救助信息系统", False, 6000),
    ("gz-ga-investigation", "GA", "刑事侦查协查系统", True, 600),
    (f"{CITY}-sb-crosscheck", "SB", "社保基金数据比对系统", False, 60000),
    (f"{CITY}-mz-crosscheck", "MZ", "民政待遇数据比对系统", False, 60000),
)

# (requesting suffix, resource, fields, purpose, legal basis, approve?)
GRANTS = (
    (
        "RS",
        "person-basic",
        ["name", "birth_date", "status", "address"],
        "benefit_eligibility",
        "《失业保险条例》第十五条、第十六条",
        True,
    ),
    (
        "RS",
        "person-benefits",
        ["benefits", "amounts"],
        "benefit_eligibility",
        "《失业保险条例》第十五条",
        None,  # left for the MZ steward to decide in the demo
    ),
    (
        "MZ",
        "person-employment",
        ["employed", "employer_name", "wage_band"],
        "benefit_eligibility",
        "《社会救助暂行办法》第十一条",
        True,
    ),
    (
        "GA",
        "person-employment",
        ["employed", "employer_name", "employer_uscc", "since"],
        "investigation",
        "《刑事诉讼法》第五十四条",
        True,
    ),
    (
        "SB",
        "person-benefits",
        ["benefits", "amounts"],
        "cross_check",
        "《社会保险法》第八十一条",
        True,
    ),
    (
        "SB",
        "person-employment",
        ["employed", "employer_name", "employer_uscc", "since", "wage_band"],
        "cross_check",
        "《社会保险法》第八十一条",
        True,
    ),
    ("SB", "company-basic", ["name", "status"], "cross_check", "《社会保险法》第八十六条", True),
    (
        "MZ",
        "person-basic",
        ["name", "status"],
        "cross_check",
        "《社会救助暂行办法》第五十九条",
        True,
    ),
)


@dataclass
class ExchangeDemoReport:
    resources: int = 0
    systems: int = 0
    grants: int = 0
    reads: int = 0
    findings: int = 0
    secrets: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return (
            f"{self.resources} resources, {self.systems} new systems, {self.grants} new grants, "
            f"{self.reads} logged reads, {self.findings} cross-check findings"
        )


def _steward(suffix: str) -> Account:
    return Account.objects.get(username=f"city-{suffix.lower()}-steward")


def exchange_demo_build(*, reads: int = 40) -> ExchangeDemoReport:
    report = ExchangeDemoReport(resources=catalogue_load(city_code=CITY))
    for client_id, suffix, name, may_restrict, rate in SYSTEMS:
        if ClientSystem.objects.filter(client_id=client_id).exists():
            continue
        issued = clients.client_register(
            actor=_steward(suffix),
            client_id=client_id,
            name=name,
            may_restrict=may_restrict,
            rate_limit_per_minute=rate,
        )
        report.systems += 1
        report.secrets[client_id] = issued.secret
    today = timezone.localdate()
    for suffix, resource, wanted, purpose, basis, approve in GRANTS:
        requester = _steward(suffix)
        if AccessGrant.objects.filter(
            requester=requester.unit, resource__code=resource, purpose=purpose
        ).exists():
            continue
        grant = grants.grant_request(
            actor=requester,
            resource_code=resource,
            fields=wanted,
            purpose=purpose,
            legal_basis=basis,
            valid_from=today - timedelta(days=30),
            valid_until=today + timedelta(days=365),
        )
        report.grants += 1
        if approve and grant.status == GrantStatus.REQUESTED:
            owner = grant.resource.owner.code.rsplit("-", 1)[1]
            grants.grant_decide(
                actor=_steward(owner), number=grant.number, approve=True, reason="符合共享条件"
            )
    if report.systems:  # first build only: reads of demo citizens' data, the cross-checks
        report.reads = _demo_reads(reads)
        for rule, client_id in CROSSCHECK_CLIENTS.items():
            run = crosscheck_run(
                rule=rule,
                period=CROSSCHECK_PERIOD,
                client=ClientSystem.objects.select_related("department").get(client_id=client_id),
            )
            report.findings += run.findings_new
        checkpoint_sign()
    return report


@transaction.atomic
def _demo_reads(count: int) -> int:
    """RS checks benefit applicants; one GA query is hidden from the citizen for 90 days."""
    citizens = list(Account.objects.filter(kind=AccountKind.CITIZEN).order_by("pk")[:count])
    if not citizens:
        return 0
    rs = caller_for("gz-rs-benefits")
    for n, citizen in enumerate(citizens, start=1):
        query_run(
            caller=rs,
            query=Query(
                resource_code="person-basic",
                keys=[citizen.id_number],
                purpose="benefit_eligibility",
                case_ref=f"SY{timezone.localdate():%Y%m%d}{n:04d}",
                staff_user="rs-chen",
            ),
        )
    query_run(
        caller=caller_for("gz-ga-investigation"),
        query=Query(
            resource_code="person-employment",
            keys=[citizens[0].id_number],
            purpose="investigation",
            case_ref="XZ-2026-0815",
            restricted_until=timezone.localdate() + timedelta(days=90),
        ),
    )
    return len(citizens) + 1
