"""Grants (共享授权): a department asks, the owner's steward decides, and the gateway checks.

Deny by default: a query needs an approved, current grant of the caller's department (or of the
calling system itself) for that resource, purpose and every field it asks for.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.core.audit import audit_record
from cityhall.core.errors import DomainError, NotFoundError, PermissionDeniedError
from cityhall.exchange.models import AccessGrant, ClientSystem, DataResource
from cityhall.exchange.services.common import number_assign, number_placeholder, steward_unit
from cityhall.exchange.vocab import GrantStatus, Purpose, ResourceStatus, SharingType
from cityhall.identity.models import Account

MAX_VALIDITY_DAYS = 3 * 366


def grant_request(
    *,
    actor: Account,
    resource_code: str,
    fields: Sequence[str],
    purpose: str,
    legal_basis: str,
    valid_from: date,
    valid_until: date,
    client_id: str = "",
) -> AccessGrant:
    """A steward asks, for their department, to read chosen fields of a resource for one
    purpose; resources shared without conditions are granted at once."""
    unit = steward_unit(actor)
    resource = DataResource.objects.filter(
        code=resource_code, status=ResourceStatus.PUBLISHED
    ).first()
    if resource is None:
        raise NotFoundError(_("未找到已发布的数据资源“%(code)s”") % {"code": resource_code})
    if resource.sharing_type == SharingType.NOT_SHARED:
        raise DomainError(_("该资源不予共享"), code="not_shared")
    if resource.owner_id == unit.pk:
        raise DomainError(_("本部门的资源无需申请授权"), code="own_resource")
    known = set(resource.fields.values_list("name", flat=True))
    chosen = list(dict.fromkeys(f.strip() for f in fields if f.strip()))
    if not chosen:
        raise DomainError(_("请至少选择一个字段"), code="no_fields")
    unknown = [f for f in chosen if f not in known]
    if unknown:
        raise DomainError(
            _("资源中没有这些字段：%(fields)s") % {"fields": "、".join(unknown)},
            code="unknown_fields",
        )
    if purpose not in Purpose.values:
        raise DomainError(_("无效的用途代码“%(purpose)s”") % {"purpose": purpose}, code="purpose")
    legal_basis = legal_basis.strip()
    if len(legal_basis) < 4:
        raise DomainError(_("请填写申请的法律依据"), code="legal_basis")
    if valid_until < valid_from:
        raise DomainError(_("截止日期不能早于生效日期"), code="period")
    if valid_until < timezone.localdate():
        raise DomainError(_("截止日期已过"), code="period")
    if (valid_until - valid_from).days > MAX_VALIDITY_DAYS:
        raise DomainError(_("授权有效期最长三年"), code="period")
    client = None
    if client_id:
        client = ClientSystem.objects.filter(client_id=client_id, department=unit).first()
        if client is None:
            raise NotFoundError(_("未找到本部门的该接入系统"))
    now = timezone.now()
    automatic = resource.sharing_type == SharingType.UNCONDITIONAL
    with transaction.atomic():
        grant = AccessGrant.objects.create(
            number=number_placeholder(),
            resource=resource,
            requester=unit,
            client=client,
            fields=chosen,
            purpose=purpose,
            legal_basis=legal_basis[:300],
            valid_from=valid_from,
            valid_until=valid_until,
            requested_by=actor,
            status=GrantStatus.APPROVED if automatic else GrantStatus.REQUESTED,
            decided_at=now if automatic else None,
            decision_reason=_("无条件共享资源，自动批准") if automatic else "",
        )
        number_assign(grant, "GX", now)
        audit_record(
            event="exchange.grant_requested",
            actor=actor,
            subject_type="exchange.grant",
            subject_id=grant.number,
            detail={"resource": resource.code, "fields": chosen, "purpose": purpose},
        )
    return grant


def _owned_grant(actor: Account, number: str) -> AccessGrant:
    unit = steward_unit(actor)
    grant = (
        AccessGrant.objects.select_for_update()
        .select_related("resource")
        .filter(number=number, resource__owner=unit)
        .first()
    )
    if grant is None:
        raise NotFoundError(_("未找到待本部门处理的该授权申请"))
    return grant


def grant_decide(*, actor: Account, number: str, approve: bool, reason: str) -> AccessGrant:
    """The owner's steward approves or rejects a request (a rejection must say why)."""
    reason = reason.strip()
    if not approve and len(reason) < 2:
        raise DomainError(_("驳回须说明理由"), code="reason_required")
    with transaction.atomic():
        grant = _owned_grant(actor, number)
        if grant.status != GrantStatus.REQUESTED:
            raise DomainError(_("该申请已处理"), code="already_decided")
        grant.status = GrantStatus.APPROVED if approve else GrantStatus.REJECTED
        grant.decided_by = actor
        grant.decided_at = timezone.now()
        grant.decision_reason = reason[:300]
        grant.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit_record(
            event="exchange.grant_decided",
            actor=actor,
            subject_type="exchange.grant",
            subject_id=grant.number,
            detail={"approved": approve, "reason": grant.decision_reason},
        )
    return grant


def grant_revoke(*, actor: Account, number: str, reason: str) -> AccessGrant:
    """Revoked at once: the next query under it is refused."""
    reason = reason.strip()
    if len(reason) < 2:
        raise DomainError(_("撤销须说明理由"), code="reason_required")
    with transaction.atomic():
        grant = _owned_grant(actor, number)
        if grant.status != GrantStatus.APPROVED:
            raise DomainError(_("只能撤销已批准的授权"), code="not_approved")
        grant.status = GrantStatus.REVOKED
        grant.revoked_at = timezone.now()
        grant.revoke_reason = reason[:300]
        grant.save(update_fields=["status", "revoked_at", "revoke_reason"])
        audit_record(
            event="exchange.grant_revoked",
            actor=actor,
            subject_type="exchange.grant",
            subject_id=grant.number,
            detail={"reason": grant.revoke_reason},
        )
    return grant


class GrantError(PermissionDeniedError):
    """Why the gateway refuses: names the resource, purpose, grant or fields that are missing."""

    code = "no_grant"

    def __init__(self, message: str, *, code: str = "no_grant", detail: dict | None = None):
        super().__init__(message, code=code)
        self.detail = detail or {}


@dataclass(frozen=True)
class GrantedAccess:
    resource: DataResource
    grant_number: str
    fields: list[str]


_GRANT = AccessGrant._meta.db_table
_RESOURCE = DataResource._meta.db_table
# The resource columns the gateway needs (the rest load on access, as deferred fields).
_RESOURCE_COLUMNS = tuple(
    f.attname
    for f in DataResource._meta.concrete_fields  # from_db wants them in this order
    if f.attname in {"id", "code", "owner_id", "view", "key_kind", "status"}
)
# The caller's approved grants for the resource (its department's, or its own system's), newest
# expiry first, with the resource: one statement, no ORM query building per request.
_GRANTS_SQL = (
    "SELECT g.number, g.purpose, g.fields, g.valid_from, g.valid_until, "  # noqa: S608
    + ", ".join(f"r.{c}" for c in _RESOURCE_COLUMNS)
    + f" FROM {_GRANT} g INNER JOIN {_RESOURCE} r ON r.id = g.resource_id"
    " WHERE r.code = %s AND g.requester_id = %s AND g.status = %s"
    " AND (g.client_id IS NULL OR g.client_id = %s)"
    " ORDER BY g.valid_until DESC"
)


@dataclass(frozen=True)
class _Grant:
    number: str
    purpose: str
    fields: list[str]
    valid_from: date
    valid_until: date


def _as_date(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _grants_for(
    resource_code: str, department_id: int, client_pk: int
) -> tuple[list[_Grant], DataResource | None]:
    with connection.cursor() as cursor:
        cursor.execute(_GRANTS_SQL, [resource_code, department_id, GrantStatus.APPROVED, client_pk])
        rows = cursor.fetchall()
    if not rows:
        return [], None
    grants = [
        _Grant(
            number,
            purpose,
            json.loads(fields) if isinstance(fields, str | bytes) else fields,
            _as_date(valid_from),
            _as_date(valid_until),
        )
        for number, purpose, fields, valid_from, valid_until, *_resource in rows
    ]
    resource = DataResource.from_db(connection.alias, _RESOURCE_COLUMNS, rows[0][5:])
    return grants, resource


def grant_check(
    *,
    client_pk: int,
    department_id: int,
    resource_code: str,
    purpose: str,
    fields: Sequence[str] | None,
    today: date | None = None,
) -> GrantedAccess:
    """The grant that allows this query, or a GrantError that says what is missing."""
    today = today or timezone.localdate()
    grants, resource = _grants_for(resource_code, department_id, client_pk)
    if resource is None:
        resource = DataResource.objects.filter(code=resource_code).first()
        if resource is None:
            raise NotFoundError(_("数据资源“%(code)s”不存在") % {"code": resource_code})
        if resource.owner_id == department_id:
            return _own_access(resource, fields)
        raise GrantError(
            _("本部门没有数据资源“%(code)s”的有效授权，请向提供部门申请") % {"code": resource_code},
            detail={"resource": resource_code},
        )
    if resource.status != ResourceStatus.PUBLISHED:
        raise GrantError(
            _("数据资源“%(code)s”已撤回") % {"code": resource_code}, code="resource_withdrawn"
        )
    for_purpose = [g for g in grants if g.purpose == purpose]
    if not for_purpose:
        raise GrantError(
            _("授权 %(grants)s 的用途不包括“%(purpose)s”")
            % {"grants": "、".join(g.number for g in grants), "purpose": purpose},
            code="purpose_not_granted",
            detail={"resource": resource_code, "purpose": purpose},
        )
    current = [g for g in for_purpose if g.valid_from <= today <= g.valid_until]
    if not current:
        latest = for_purpose[0]
        if latest.valid_from > today:
            raise GrantError(
                _("授权 %(number)s 自 %(day)s 起生效")
                % {"number": latest.number, "day": latest.valid_from.isoformat()},
                code="grant_not_yet_valid",
                detail={"grant": latest.number},
            )
        raise GrantError(
            _("授权 %(number)s 已于 %(day)s 到期")
            % {"number": latest.number, "day": latest.valid_until.isoformat()},
            code="grant_expired",
            detail={"grant": latest.number},
        )
    allowed = set().union(*(g.fields for g in current))
    if fields is None:
        chosen = list(current[0].fields)
        for g in current[1:]:
            chosen += [f for f in g.fields if f not in chosen]
    else:
        chosen = list(dict.fromkeys(fields))
        missing = [f for f in chosen if f not in allowed]
        if missing or not chosen:
            raise GrantError(
                _("字段 %(fields)s 未获授权（已授权：%(allowed)s）")
                % {"fields": "、".join(missing) or "—", "allowed": "、".join(sorted(allowed))},
                code="field_not_granted",
                detail={"fields": missing, "granted": sorted(allowed)},
            )
    return GrantedAccess(resource, current[0].number, chosen)


def _own_access(resource: DataResource, fields: Sequence[str] | None) -> GrantedAccess:
    """A department reads its own resource without a grant (still logged like any read)."""
    if resource.status != ResourceStatus.PUBLISHED:
        raise GrantError(
            _("数据资源“%(code)s”已撤回") % {"code": resource.code}, code="resource_withdrawn"
        )
    known = list(resource.fields.values_list("name", flat=True))
    chosen = list(dict.fromkeys(fields)) if fields is not None else known
    missing = [f for f in chosen if f not in known]
    if missing or not chosen:
        raise GrantError(
            _("资源中没有这些字段：%(fields)s") % {"fields": "、".join(missing) or "—"},
            code="field_not_granted",
            detail={"fields": missing, "granted": known},
        )
    return GrantedAccess(resource, "", chosen)
