"""Reads of cross-check findings (比对线索): a department sees only the findings sent to it."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cityhall.core.errors import NotFoundError
from cityhall.exchange.models import Finding
from cityhall.exchange.vocab import CrossCheckRule, FindingStatus
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import require_capability


def findings_for(*, actor: Account, rule: str = "", status: str = "") -> QuerySet[Finding]:
    """The findings of the actor's department, newest first, optionally of one rule or status."""
    require_capability(actor, Capability.CROSSCHECK_FINDINGS)
    if actor.unit_id is None:
        return Finding.objects.none()
    findings = Finding.objects.filter(department_id=actor.unit_id)
    if rule in CrossCheckRule.values:
        findings = findings.filter(rule=rule)
    if status in FindingStatus.values:
        findings = findings.filter(status=status)
    return findings.order_by("-created_at", "-pk")


def finding_get(*, actor: Account, number: str) -> Finding:
    """One finding of the actor's department; any other is not found (the two look the same)."""
    finding = (
        findings_for(actor=actor)
        .filter(number=number)
        .select_related("run__client__department", "department", "handled_by")
        .first()
    )
    if finding is None:
        raise NotFoundError(_("未找到该比对线索"))
    return finding


def _shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def evidence_sections(finding: Finding) -> list[dict[str, Any]]:
    """The evidence as titled lists of (label, value) for a page, in the reader's language.

    Labels and texts were stored as msgids in the city's language (see services.crosschecks),
    so they translate here; values are shown as stored.
    """
    sections = finding.evidence.get("sections", []) if isinstance(finding.evidence, dict) else []
    return [
        {
            "title": _(section.get("title", "")) if section.get("title") else "",
            "facts": [
                {
                    "label": _(fact["label"]) if fact.get("label") else fact.get("key", ""),
                    "value": _(fact["text"]) if fact.get("text") else _shown(fact.get("value")),
                }
                for fact in section.get("facts", [])
            ],
        }
        for section in sections
    ]
