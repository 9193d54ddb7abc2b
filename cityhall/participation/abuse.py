"""Residents' texts and how often they may write: the checks every participation channel shares.

Texts are kept exactly as typed (after trimming) and rendered escaped by the templates, so markup
or script is shown, never run. Control characters other than line breaks and tabs are refused:
they hide text from moderators and break exports.

Flooding is limited per account and action in the shared cache (Redis in production): a fixed
window of `CITYHALL_PARTICIPATION_RATE_LIMITS[action] = (count, seconds)`. The check comes before
anything is written, and only a write that succeeded counts, so a refused attempt costs nothing
and the form keeps what the resident typed.
"""

import re
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from cityhall.core.errors import DomainError
from cityhall.identity.models import Account

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_clean(
    value: str | None, *, label: str, limit: int, required: bool = True, minimum: int = 0
) -> str:
    """The trimmed text, or a DomainError naming the field and what is wrong with it."""
    value = (value or "").replace("\r\n", "\n").strip()
    if required and not value:
        raise DomainError(_("请填写%(label)s") % {"label": label}, code="required")
    if CONTROL.search(value):
        raise DomainError(
            _("%(label)s含有无法显示的控制字符，请删除后再提交") % {"label": label},
            code="control_characters",
        )
    if value and len(value) < minimum:
        raise DomainError(
            _("%(label)s至少 %(n)d 个字") % {"label": label, "n": minimum}, code="too_short"
        )
    if len(value) > limit:
        raise DomainError(
            _("%(label)s不能超过 %(n)d 个字（现在 %(m)d 个字）")
            % {"label": label, "n": limit, "m": len(value)},
            code="too_long",
        )
    return value


def _window(action: str) -> tuple[int, int]:
    count, seconds = settings.CITYHALL_PARTICIPATION_RATE_LIMITS[action]
    return int(count), int(seconds)


def _key(account: Account, action: str, seconds: int) -> str:
    return f"participation:rate:{action}:{account.pk}:{int(time.time()) // seconds}"


def flood_check(account: Account, action: str) -> None:
    """Refuse the action if the account has used up its allowance in the current window."""
    count, seconds = _window(action)
    used = cache.get(_key(account, action, seconds), 0)
    if used >= count:
        wait = seconds - int(time.time()) % seconds
        message = _("提交过于频繁：每 %(window)s 最多 %(n)d 次，请 %(wait)d 秒后再试。")
        kept = _("您填写的内容已保留。")
        values = {"window": _duration(seconds), "n": count, "wait": wait}
        gap = "" if message.endswith("。") else " "  # Chinese sentences need no space
        raise DomainError(f"{message % values}{gap}{kept}", code="rate_limited")


def flood_count(account: Account, action: str) -> None:
    """Count one successful action against the account's allowance."""
    _count, seconds = _window(action)
    key = _key(account, action, seconds)
    if not cache.add(key, 1, timeout=seconds + 1):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=seconds + 1)


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return _("%(n)d 小时") % {"n": seconds // 3600}
    if seconds % 60 == 0:
        return _("%(n)d 分钟") % {"n": seconds // 60}
    return _("%(n)d 秒") % {"n": seconds}
