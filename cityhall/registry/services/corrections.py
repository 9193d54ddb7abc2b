"""Residents report errors in what the registry holds about them; the supplying unit answers."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.core.errors import DomainError
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability, Role
from cityhall.identity.selectors import account_can, require_capability
from cityhall.notify.services import message_send
from cityhall.registry import own_selectors
from cityhall.registry.models import CorrectionRequest, CorrectionStatus

PROPOSED_MAX, EXPLANATION_MAX, ANSWER_MAX = 200, 1000, 1000
# Who at the supplying unit hears of a new report: those who may correct its facts.
HANDLERS = (Role.DATA_STEWARD, Role.DEPARTMENT_REVIEWER, Role.WINDOW_CLERK)


def correction_report(
    *, reporter: Account, fact_key: str, field: str, proposed: str, explanation: str = ""
) -> CorrectionRequest:
    """File a report on one of the reporter's own facts; it goes to the unit that supplied it."""
    person = own_selectors.own_person(account=reporter)
    if person is None:
        raise DomainError(_("基础数据库中没有您的记录"), code="no_record")
    fact = own_selectors.own_fact(person=person, key=fact_key)
    recorded = dict(fact.fields).get(field)
    if recorded is None:
        raise DomainError(_("请选择有误的项目"), code="field")
    proposed = (proposed or "").strip()
    explanation = (explanation or "").strip()
    if not proposed:
        raise DomainError(_("请填写正确的内容"), code="required")
    if len(proposed) > PROPOSED_MAX or len(explanation) > EXPLANATION_MAX:
        raise DomainError(
            _("内容过长：正确内容不超过 %(p)d 字，说明不超过 %(e)d 字")
            % {"p": PROPOSED_MAX, "e": EXPLANATION_MAX},
            code="too_long",
        )
    if proposed == recorded:
        raise DomainError(_("填写的内容与登记内容相同"), code="unchanged")
    fact_type, fact_id = fact.key.split(":")
    if any(r.field == field for r in fact.open_reports):
        raise DomainError(_("这一项已有待核实的纠错申请"), code="duplicate")
    with transaction.atomic():
        report = CorrectionRequest.objects.create(
            reporter=reporter,
            person=person,
            fact_type=fact_type,
            fact_id=int(fact_id),
            fact_label=str(fact.label)[:60],
            field=field[:60],
            recorded=recorded[:200],
            proposed=proposed,
            explanation=explanation,
            unit=fact.source,
        )
        link = reverse("registry:correction", args=[report.pk])
        handlers = Account.objects.filter(
            unit=fact.source, is_active=True, roles__role__in=HANDLERS
        ).distinct()
        for handler in handlers:
            message_send(
                recipient=handler,
                template="registry_correction_new",
                context={"report": report},
                link=link,
                dedupe_key=f"correction:{report.pk}",
            )
    return report


def correction_answer(
    *, report: CorrectionRequest, by: Account, accepted: bool, answer: str
) -> CorrectionRequest:
    """The supplying unit's answer: corrected (after fixing the fact) or checked and right."""
    require_capability(by, Capability.REGISTRY_WRITE)
    if by.unit_id != report.unit_id and not account_can(by, Capability.ADMINISTER):
        raise DomainError(_("只能答复本单位提供的数据"), code="forbidden")
    answer = (answer or "").strip()
    if len(answer) < 2:
        raise DomainError(_("请填写答复"), code="answer_required")
    if len(answer) > ANSWER_MAX:
        raise DomainError(_("答复不超过 %(n)d 字") % {"n": ANSWER_MAX}, code="too_long")
    with transaction.atomic():
        changed = CorrectionRequest.objects.filter(
            pk=report.pk, status=CorrectionStatus.OPEN
        ).update(
            status=CorrectionStatus.ACCEPTED if accepted else CorrectionStatus.REJECTED,
            answer=answer,
            answered_by=by,
            answered_at=timezone.now(),
        )
        if not changed:
            raise DomainError(_("这条纠错申请已经答复"), code="already_answered")
        report.refresh_from_db()
        message_send(
            recipient=report.reporter,
            template="registry_correction_answered",
            context={"report": report},
            link=reverse("portal:my_data"),
            dedupe_key=f"correction-answer:{report.pk}",
        )
    return report
