"""Cross-checks (比对): a department's system compares the registry's data across departments,
and each match becomes a finding (线索) for the department responsible for it.

A run reads like any gateway query: it needs a current grant (or ownership) of every resource
and field it reads, for the purpose `cross_check`, and every subject it reads gets one entry in
the access log, so citizens see that a cross-check looked at their data.

Who runs what, and who gets the findings:

- unemployment_while_employed, contribution_arrears: run by a system of the social insurance
  fund centre (SB), which pays unemployment benefit and collects contributions; findings go to
  the SB of the client's city.
- deceased_receiving: run by a system of civil affairs (MZ), which owns the benefits resource
  and reads the police's population status; each finding goes to the unit that pays the
  benefit (Benefit.supplied_by), e.g. SB for a pension, MZ for the subsistence allowance. A
  person with several benefits gets one finding (the model allows one per rule, month and
  subject), sent to the payer of the largest; the evidence lists every benefit and payer.

Any client may run any rule if its department holds the grants: the rule, not the client,
decides who is responsible for the findings.
"""

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cityhall.core import crypto
from cityhall.core.audit import audit_record
from cityhall.core.errors import DomainError, NotFoundError
from cityhall.exchange.models import ClientSystem, CrossCheckRun, Finding
from cityhall.exchange.services.common import number_assign_bulk, number_placeholder
from cityhall.exchange.services.grants import GrantedAccess, grant_check
from cityhall.exchange.services.log import PendingRead, ReadContext, content_hash, log_append
from cityhall.exchange.vocab import (
    ClientStatus,
    CrossCheckRule,
    FindingStatus,
    KeyKind,
    Purpose,
    RunStatus,
)
from cityhall.identity.models import Account, OrgUnit
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import require_capability
from cityhall.registry import crosschecks as registry
from cityhall.registry.vocab import BenefitKind, ContributionStatus, PersonStatus, WageBand

logger = logging.getLogger(__name__)

NUMBER_PREFIX = "BD"
# Findings are written and subjects logged this many at a time (one query per batch).
BATCH = 1000


@dataclass(frozen=True)
class Read:
    """A resource a rule reads, and the fields of it that it needs."""

    resource_code: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    """One subject a rule found, in the terms of a finding and of an access-log entry."""

    subject_kind: str
    subject_key: str
    subject_label: str  # the finding's (masked name and ID, or company name)
    log_label: str  # the access log's (masked ID, as the gateway writes it; at most 40)
    evidence: dict[str, Any]
    department_id: int | None = None  # None: the rule's responsible department


@dataclass(frozen=True)
class Rule:
    code: str
    # The department responsible for the findings (code suffix), unless a match names its own.
    responsible: str
    # The first read is the main one: each subject's access-log entry names it and its fields.
    reads: tuple[Read, ...]
    find: Callable[[date], Iterator[Match]]


# Evidence ------------------------------------------------------------------------------------
#
# Evidence is a record of the case: plain values (ISO dates, amounts as "1234.00", codes) with
# the label and, for codes, the text a person reads. Labels and texts are stored in the city's
# language (they are msgids, so pages translate them when shown in another language).


def _fact(key: str, label: str, value: Any, text: str = "") -> dict[str, Any]:
    fact: dict[str, Any] = {"key": key, "label": label, "value": value}
    if text:
        fact["text"] = text
    return fact


def _section(key: str, title: str, facts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"key": key, "title": title, "facts": facts}


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _benefit_section(benefit: registry.BenefitFact, key: str = "benefit") -> dict[str, Any]:
    return _section(
        key,
        str(BenefitKind(benefit.kind).label),
        [
            _fact("kind", _("待遇类别"), benefit.kind, str(BenefitKind(benefit.kind).label)),
            _fact("monthly_amount", _("月发放金额（元）"), _money(benefit.monthly_amount)),
            _fact("since", _("起始日期"), _iso(benefit.since)),
            _fact(
                "until", _("终止日期"), _iso(benefit.until), "" if benefit.until else _("未终止")
            ),
            _fact("paid_by", _("发放单位"), benefit.paid_by_name),
        ],
    )


def _person_labels(person: registry.PersonSubject) -> tuple[str, str]:
    masked_id = crypto.mask_id_number(person.document_number)
    return f"{crypto.mask_name(person.name)} {masked_id}", masked_id


def _unemployment_evidence(m: registry.UnemploymentWhileEmployed, period: date) -> dict:
    sections = [_benefit_section(m.benefit)]
    if m.contribution is not None:
        c = m.contribution
        sections.append(
            _section(
                "contribution",
                _("社会保险缴费"),
                [
                    _fact("month", _("缴费月份"), f"{c.month:%Y-%m}"),
                    _fact(
                        "status", _("缴费状态"), c.status, str(ContributionStatus(c.status).label)
                    ),
                    _fact("base", _("缴费基数（元）"), _money(c.base)),
                    _fact("employer_name", _("缴费单位"), c.employer_name),
                    _fact("employer_uscc", _("统一社会信用代码"), c.employer_uscc),
                ],
            )
        )
    if m.employment is not None:
        e = m.employment
        sections.append(
            _section(
                "employment",
                _("就业登记"),
                [
                    _fact("employer_name", _("用人单位"), e.employer_name),
                    _fact("employer_uscc", _("统一社会信用代码"), e.employer_uscc),
                    _fact("since", _("入职日期"), _iso(e.since)),
                    _fact("until", _("离职日期"), _iso(e.until), "" if e.until else _("在职")),
                    _fact(
                        "wage_band",
                        _("申报月工资"),
                        e.wage_band,
                        str(WageBand(e.wage_band).label),
                    ),
                ],
            )
        )
    return {"period": f"{period:%Y-%m}", "sections": sections}


def _find_unemployment(period: date) -> Iterator[Match]:
    for m in registry.unemployment_while_employed(period=period):
        label, masked_id = _person_labels(m.person)
        yield Match(
            KeyKind.PERSON,
            m.person.document_index,
            label,
            masked_id,
            _unemployment_evidence(m, period),
        )


def _find_arrears(period: date) -> Iterator[Match]:
    for m in registry.contribution_arrears(period=period):
        evidence = {
            "period": f"{period:%Y-%m}",
            "sections": [
                _section(
                    "company",
                    _("用人单位"),
                    [
                        _fact("name", _("名称"), m.name),
                        _fact("uscc", _("统一社会信用代码"), m.uscc),
                    ],
                ),
                _section(
                    "arrears",
                    _("欠缴情况"),
                    [
                        _fact("employees_current", _("在职职工人数"), m.employees_current),
                        _fact("employees_in_arrears", _("欠缴职工人数"), m.employees_in_arrears),
                        _fact(
                            "months",
                            _("欠缴月份"),
                            [f"{month:%Y-%m}" for month in m.months],
                            "、".join(f"{month:%Y-%m}" for month in m.months),
                        ),
                        _fact("base_total", _("欠缴缴费基数合计（元）"), _money(m.base_total)),
                    ],
                ),
            ],
        }
        yield Match(KeyKind.LEGAL_PERSON, m.uscc, m.name[:200], m.uscc, evidence)


def _find_deceased(period: date) -> Iterator[Match]:
    for m in registry.deceased_receiving(period=period):
        label, masked_id = _person_labels(m.person)
        evidence = {
            "period": f"{period:%Y-%m}",
            "sections": [
                _section(
                    "person",
                    _("人口状态"),
                    [
                        _fact(
                            "status",
                            _("人口状态"),
                            PersonStatus.DECEASED.value,
                            str(PersonStatus.DECEASED.label),
                        )
                    ],
                ),
                *(
                    _benefit_section(b, key=f"benefit_{i}")
                    for i, b in enumerate(m.benefits, start=1)
                ),
            ],
        }
        # The largest benefit comes first: its payer has the most at stake.
        yield Match(
            KeyKind.PERSON,
            m.person.document_index,
            label,
            masked_id,
            evidence,
            department_id=m.benefits[0].paid_by_id,
        )


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            CrossCheckRule.UNEMPLOYMENT_WHILE_EMPLOYED,
            "SB",
            (
                # The benefit is what the case questions.
                Read("person-benefits", ("benefits", "amounts")),
                Read("person-contributions", ("months", "bases")),
                Read("person-employment", ("employer_name", "employer_uscc", "since", "wage_band")),
            ),
            _find_unemployment,
        ),
        Rule(
            CrossCheckRule.CONTRIBUTION_ARREARS,
            "SB",
            (
                # The subject is the company: its entry names the company resource.
                Read("company-basic", ("name", "status")),
                Read("person-contributions", ("months", "bases")),
                Read("person-employment", ("employed", "employer_uscc")),
            ),
            _find_arrears,
        ),
        Rule(
            CrossCheckRule.DECEASED_RECEIVING,
            "MZ",
            (
                # What another department tells civil affairs: that the person has died.
                Read("person-basic", ("name", "status")),
                Read("person-benefits", ("benefits", "amounts")),
            ),
            _find_deceased,
        ),
    )
}


# Running -------------------------------------------------------------------------------------


def _city_code(unit: OrgUnit) -> str:
    # GB/T 2260: the first four digits of any division code name its prefecture-level city.
    return f"{unit.division.code[:4]}00"


def _responsible(rule: Rule, client: ClientSystem) -> OrgUnit:
    code = f"{_city_code(client.department)}-{rule.responsible}"
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None:
        raise DomainError(_("未找到负责该比对的部门 %(code)s") % {"code": code})
    return unit


def _allowed(rule: Rule, client: ClientSystem) -> list[GrantedAccess]:
    """Every read the rule makes must be granted before anything is read."""
    if client.status != ClientStatus.ACTIVE:
        raise DomainError(_("接入系统 %(client)s 已停用") % {"client": client.client_id})
    return [
        grant_check(
            client_pk=client.pk,
            department_id=client.department_id,
            resource_code=read.resource_code,
            purpose=Purpose.CROSS_CHECK,
            fields=list(read.fields),
        )
        for read in rule.reads
    ]


def crosscheck_run(*, rule: str, period: date, client: ClientSystem) -> CrossCheckRun:
    """Run one rule for one month: check the grants, find, write the new findings and log every
    subject read, all or nothing. A refusal or failure leaves the run FAILED with the reason."""
    spec = RULES.get(rule)
    if spec is None:
        raise DomainError(_("未知的比对规则“%(rule)s”") % {"rule": rule}, code="unknown_rule")
    try:
        registry.month_bounds(period)
    except ValueError as exc:
        raise DomainError(_("比对月份须为某月的第一天"), code="period") from exc
    run = CrossCheckRun.objects.create(
        rule=rule, client=client, period=period, started_at=timezone.now()
    )
    try:
        responsible = _responsible(spec, client)
        main = _allowed(spec, client)[0]
        with transaction.atomic():
            new, total = _findings_write(run, spec, main, responsible)
            run.status = RunStatus.SUCCEEDED
            run.findings_new, run.findings_total = new, total
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "findings_new", "findings_total", "finished_at"])
    except DomainError as exc:
        return _failed(run, exc.message)
    except Exception as exc:
        # A run is unattended (a task or a command): record why it failed on the run the
        # department sees, keep the traceback in the log, and let the other rules go on.
        logger.exception("cross-check %s for %s failed", rule, period)
        return _failed(run, f"{type(exc).__name__}: {exc}")
    return run


def _failed(run: CrossCheckRun, message: str) -> CrossCheckRun:
    run.status = RunStatus.FAILED
    run.error = message[:300]
    run.finished_at = timezone.now()
    run.findings_new = run.findings_total = 0
    run.save(update_fields=["status", "error", "finished_at", "findings_new", "findings_total"])
    return run


def _findings_write(
    run: CrossCheckRun, rule: Rule, main: GrantedAccess, responsible: OrgUnit
) -> tuple[int, int]:
    new = total = 0
    reads: list[PendingRead] = []
    # Evidence labels are written in the city's language whatever the caller's request uses.
    with translation.override(settings.LANGUAGE_CODE):
        matches = rule.find(run.period)
        while batch := list(islice(matches, BATCH)):
            new += _findings_create(run, batch, responsible)
            total += len(batch)
            reads += [
                PendingRead(
                    subject_kind=m.subject_kind,
                    subject_key=m.subject_key,
                    subject_label=m.log_label[:40],
                    found=True,
                    response_hash=content_hash(m.evidence),
                )
                for m in batch
            ]
    # Logged last, so the lock on the chain's tip is held only for the inserts and the commit,
    # not while the registry is scanned (gateway queries wait for that lock).
    context = ReadContext(
        request_id=str(uuid.uuid4()),
        client_code=run.client.client_id,
        department_code=run.client.department.code,
        staff_user="",
        resource_code=main.resource.code,
        fields=main.fields,
        purpose=Purpose.CROSS_CHECK,
        case_ref=f"BD-RUN-{run.pk}",
        restricted_until=None,
    )
    for start in range(0, len(reads), BATCH):
        log_append(context=context, reads=reads[start : start + BATCH])
    return new, total


def _findings_create(run: CrossCheckRun, batch: Sequence[Match], responsible: OrgUnit) -> int:
    """Create the findings not already made by an earlier run of the same rule and month."""
    known = set(
        Finding.objects.filter(
            rule=run.rule, period=run.period, subject_key__in=[m.subject_key for m in batch]
        ).values_list("subject_key", flat=True)
    )
    created = Finding.objects.bulk_create(
        Finding(
            number=number_placeholder(),
            rule=run.rule,
            run=run,
            period=run.period,
            department_id=m.department_id or responsible.pk,
            subject_kind=m.subject_kind,
            subject_key=m.subject_key,
            subject_label=m.subject_label[:200],
            evidence=m.evidence,
        )
        for m in batch
        if m.subject_key not in known
    )
    number_assign_bulk(created, NUMBER_PREFIX)
    return len(created)


def previous_month(today: date | None = None) -> date:
    """The first day of the month before `today` (the city's date by default)."""
    first = (today or timezone.localdate()).replace(day=1)
    return registry.months_back(first, 2)[1]


# Handling findings ---------------------------------------------------------------------------


def finding_resolve(*, actor: Account, number: str, confirmed: bool, note: str) -> Finding:
    """The responsible department records what checking the case found: confirmed or not."""
    require_capability(actor, Capability.CROSSCHECK_FINDINGS)
    note = note.strip()
    if len(note) < 2:
        raise DomainError(_("请填写核查说明（至少 2 个字）"), code="note_required")
    if len(note) > 500:
        raise DomainError(_("核查说明不能超过 500 字"), code="note_too_long")
    with transaction.atomic():
        finding = (
            Finding.objects.select_for_update()
            .filter(number=number, department_id=actor.unit_id)
            .first()
            if actor.unit_id
            else None
        )
        if finding is None:
            raise NotFoundError(_("未找到该比对线索"))
        if finding.status != FindingStatus.OPEN:
            raise DomainError(_("该线索已核查完毕"), code="already_resolved")
        finding.status = FindingStatus.CONFIRMED if confirmed else FindingStatus.DISMISSED
        finding.handled_by = actor
        finding.handled_at = timezone.now()
        finding.note = note
        finding.save(update_fields=["status", "handled_by", "handled_at", "note", "updated_at"])
        audit_record(
            event="exchange.finding_resolved",
            actor=actor,
            subject_type="exchange.finding",
            subject_id=finding.number,
            detail={"rule": finding.rule, "status": finding.status},
        )
    return finding
