"""The query gateway: one read of one resource for one or many keys, for a stated purpose and
case, allowed by a grant, filtered to the granted fields and written to the access log."""

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.core.errors import DomainError, PermissionDeniedError
from cityhall.exchange.models import AccessLogEntry
from cityhall.exchange.services.clients import Caller
from cityhall.exchange.services.grants import grant_check
from cityhall.exchange.services.log import PendingRead, ReadContext, content_hash, log_append
from cityhall.exchange.sources import VIEWS, MalformedKeyError, Record, SubjectKey, key_check
from cityhall.exchange.vocab import Purpose

CASE_PATTERN = re.compile(r"[0-9A-Za-z\u4e00-\u9fff._:/#-]{3,64}")
STAFF_PATTERN = re.compile(r"[^\x00-\x1f\x7f]{1,64}")
MAX_RESTRICTION_DAYS = 5 * 366


class RateLimitedError(DomainError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BatchTooLargeError(DomainError):
    code = "batch_too_large"
    status = 413


@dataclass(frozen=True)
class Query:
    resource_code: str
    keys: Sequence[object]
    purpose: str
    case_ref: str
    fields: Sequence[str] | None = None
    staff_user: str = ""
    restricted_until: date | None = None


@dataclass(frozen=True)
class Answer:
    request_id: str
    resource_code: str
    fields: list[str]
    grant_number: str
    results: list[tuple[SubjectKey, Record | None]]
    entries: list[AccessLogEntry]


def _rate_take(caller: Caller, count: int) -> None:
    """Fixed one-minute window per client, counted in keys looked up (shared through the cache:
    per process with the local-memory cache, city-wide with Redis)."""
    now = timezone.now()
    window = f"exchange:rate:{caller.client_id}:{int(now.timestamp()) // 60}"
    cache.add(window, 0, timeout=120)
    try:
        used = cache.incr(window, count)
    except ValueError:  # evicted between add and incr
        cache.set(window, count, timeout=120)
        used = count
    if used > caller.rate_limit_per_minute:
        raise RateLimitedError(
            _("已超过每分钟 %(limit)d 次查询的限额") % {"limit": caller.rate_limit_per_minute},
            retry_after=60 - now.second,
        )


def _query_check(caller: Caller, query: Query, batch: bool) -> None:
    if query.purpose not in Purpose.values:
        raise DomainError(
            _("请说明用途：purpose 须为用途代码之一（%(codes)s）")
            % {"codes": ", ".join(Purpose.values)},
            code="purpose_invalid",
        )
    if not isinstance(query.case_ref, str) or not CASE_PATTERN.fullmatch(query.case_ref):
        raise DomainError(
            _("请说明所办理的事项：case 须为 3–64 位的办件编号、工单编号等"),
            code="case_invalid",
        )
    if query.staff_user and not STAFF_PATTERN.fullmatch(query.staff_user):
        raise DomainError(_("staff_user 须为 1–64 个可见字符"), code="staff_user_invalid")
    if query.restricted_until is not None:
        if not caller.may_restrict:
            raise PermissionDeniedError(
                _("本系统无权对当事人隐藏查询记录"), code="restriction_not_allowed"
            )
        today = timezone.localdate()
        if not today < query.restricted_until <= today + timedelta(days=MAX_RESTRICTION_DAYS):
            raise DomainError(_("限制查看日期须在今后五年之内"), code="restriction_invalid")
    limit = settings.CITYHALL_EXCHANGE_BATCH_LIMIT
    if not query.keys:
        raise DomainError(_("请提供查询键"), code="keys_missing")
    if batch and len(query.keys) > limit:
        raise BatchTooLargeError(
            _("批量查询最多 %(limit)d 个键，本次 %(count)d 个")
            % {"limit": limit, "count": len(query.keys)}
        )


def query_run(*, caller: Caller, query: Query, batch: bool = False) -> Answer:
    """Check everything first (nothing is read for a refused query), read, then log every key
    read in the same request before the answer leaves."""
    _query_check(caller, query, batch)
    _rate_take(caller, len(query.keys))
    access = grant_check(
        client_pk=caller.pk,
        department_id=caller.department_id,
        resource_code=query.resource_code,
        purpose=query.purpose,
        fields=query.fields,
    )
    resource = access.resource
    view = VIEWS.get(resource.view)
    if view is None:
        raise DomainError(_("该资源不支持按键查询"), code="not_queryable")
    keys: list[SubjectKey] = []
    seen: set[str] = set()
    for position, raw in enumerate(query.keys):
        try:
            key = key_check(resource.key_kind, raw)
        except MalformedKeyError as exc:
            if batch:
                exc.message = _("第 %(n)d 个键：%(why)s") % {"n": position + 1, "why": exc.message}
            raise
        if key.index not in seen:
            seen.add(key.index)
            keys.append(key)
    rows = view.read(keys, access.fields)
    results = [(key, rows.get(key.index)) for key in keys]
    request_id = str(uuid.uuid4())
    entries = log_append(
        context=ReadContext(
            request_id=request_id,
            client_code=caller.client_id,
            department_code=caller.department_code,
            staff_user=query.staff_user,
            resource_code=resource.code,
            fields=access.fields,
            purpose=query.purpose,
            case_ref=query.case_ref,
            restricted_until=query.restricted_until,
        ),
        reads=[
            PendingRead(
                subject_kind=resource.key_kind,
                subject_key=key.index,
                subject_label=key.label,
                found=record is not None,
                response_hash=content_hash(record),
            )
            for key, record in results
        ],
    )
    return Answer(request_id, resource.code, access.fields, access.grant_number, results, entries)
