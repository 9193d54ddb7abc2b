"""Citizens' objections to reads of their data, and the stewards' answers."""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.core.errors import DomainError, NotFoundError
from cityhall.core.models import AuditEntry
from cityhall.exchange import selectors
from cityhall.exchange.models import DataResource, Objection
from cityhall.exchange.services.common import number_assign, number_placeholder, steward_unit
from cityhall.exchange.vocab import ObjectionStatus
from cityhall.identity.models import Account, OrgUnit
from cityhall.identity.roles import Role
from cityhall.notify.services import message_send


def objection_file(
    *, account: Account, reason: str, entry_seq: int | None = None, audit_seq: int | None = None
) -> Objection:
    """The citizen objects to one read of their data. A read through the exchange goes to the
    data steward of the department that owns the data (it granted the access); a staff read in
    the product goes to the steward of that staff member's unit."""
    reason = reason.strip()
    if not 5 <= len(reason) <= 2000:
        raise DomainError(_("请用 5–2000 字说明异议"), code="reason_length")
    entry = audit = None
    if entry_seq is not None:
        entry = selectors.exchange_reads_of(account=account).filter(seq=entry_seq).first()
        if entry is None:
            raise NotFoundError(_("未找到该访问记录"))
        resource = DataResource.objects.filter(code=entry.resource_code).first()
        department = resource.owner if resource is not None else None
    elif audit_seq is not None:
        audit = selectors.staff_reads_of(account=account).filter(seq=audit_seq).first()
        if audit is None:
            raise NotFoundError(_("未找到该访问记录"))
        department = _actor_unit(audit)
    else:
        raise DomainError(_("请选择要提出异议的访问记录"), code="no_entry")
    if department is None:
        raise DomainError(_("该记录的查询部门已不存在，请拨打 12345 反映"), code="no_department")
    try:
        with transaction.atomic():
            objection = Objection.objects.create(
                number=number_placeholder(),
                account=account,
                entry=entry,
                audit_entry=audit,
                department=department,
                reason=reason,
            )
            number_assign(objection, "YY")
    except IntegrityError as exc:
        raise DomainError(_("您已对该记录提出异议，请等待答复"), code="duplicate") from exc
    return objection


def _actor_unit(audit: AuditEntry) -> OrgUnit | None:
    """The unit whose steward answers for a staff read: the reader's unit if it has a data
    steward, else the data management bureau (政务服务和数据管理局) of its district, else the
    city's."""
    actor = audit.actor
    if actor is None or actor.unit is None:
        return None
    unit = actor.unit
    if Account.objects.filter(unit=unit, roles__role=Role.DATA_STEWARD, is_active=True).exists():
        return unit
    code = unit.division.code
    for candidate in (f"{code[:6]}-ZS", f"{code[:4]}00-ZS"):
        bureau = OrgUnit.objects.filter(code=candidate).first()
        if bureau is not None:
            return bureau
    return unit


def objection_answer(*, actor: Account, number: str, answer: str) -> Objection:
    """The department's steward answers; the citizen finds the answer in their inbox."""
    unit = steward_unit(actor)
    answer = answer.strip()
    if not 5 <= len(answer) <= 2000:
        raise DomainError(_("请用 5–2000 字答复"), code="answer_length")
    with transaction.atomic():
        objection = (
            Objection.objects.select_for_update()
            .filter(number=number, department=unit, status=ObjectionStatus.OPEN)
            .first()
        )
        if objection is None:
            raise NotFoundError(_("未找到待本部门答复的该异议"))
        objection.status = ObjectionStatus.ANSWERED
        objection.answer = answer
        objection.answered_by = actor
        objection.answered_at = timezone.now()
        objection.save(update_fields=["status", "answer", "answered_by", "answered_at"])
        message_send(
            recipient=objection.account,
            template="exchange_objection_answered",
            context={"objection": objection},
            link=reverse("exchange:my_data_access"),
        )
    return objection
