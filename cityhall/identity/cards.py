"""一卡: social security cards — issue, report lost, reset the PIN, and sign in by card + PIN.

A card session (a kiosk, or a window clerk identifying a walk-in) rests on the card number as
the reader types it and a 6-digit PIN. Wrong PINs are counted on the card, not the account: the
card locks after `CITYHALL_CARD_MAX_PIN_FAILURES` in a row and stays locked until a clerk resets
the PIN at a window. Every attempt, good or bad, goes to the audit chain.
"""

import re
import secrets
import string
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cityhall.core.audit import AuditEvent, audit_record
from cityhall.core.errors import DomainError
from cityhall.identity.models import Account, AccountKind, CardStatus, SocialSecurityCard
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import account_can, require_capability

BACKEND = "cityhall.identity.backends.AccountBackend"
CARD_SESSION_KEY = "identity.card_session"
CARD_NUMBER = re.compile(r"^[A-Z][0-9]{8}$")
PIN = re.compile(r"^[0-9]{6}$")
# Runs of one digit and straight sequences are the first PINs anyone tries.
_WEAK_PINS = frozenset(
    {d * 6 for d in string.digits}
    | {"".join(str((start + i) % 10) for i in range(6)) for start in range(10)}
    | {"".join(str((start - i) % 10) for i in range(6)) for start in range(10)}
)
# Timing: an unknown card costs the same hash work as a wrong PIN.
_DUMMY_PIN_HASH = make_password("000000")


class CardError(DomainError):
    """A card cannot be used; the message tells the holder what to do next."""


def card_number_normalize(text: str) -> str:
    """The card number as printed (letter + 8 digits), whatever spaces or case were typed."""
    number = re.sub(r"[\s-]", "", text or "").upper()
    if not CARD_NUMBER.match(number):
        raise CardError(_("社会保障卡卡号应为 1 位字母加 8 位数字"), code="card_malformed")
    return number


def pin_check(pin: str) -> str:
    """A PIN the holder may choose: six digits, not a run or a straight sequence."""
    if not PIN.match(pin or ""):
        raise CardError(_("密码应为 6 位数字"), code="pin_malformed")
    if pin in _WEAK_PINS:
        raise CardError(_("密码过于简单（如 111111、123456），请换一个"), code="pin_weak")
    return pin


def bank_account_check(number: str) -> str:
    """A bank card number (16–19 digits) whose last digit passes the Luhn check."""
    digits = re.sub(r"\s", "", number or "")
    if not re.fullmatch(r"[0-9]{16,19}", digits):
        raise CardError(_("金融账户应为 16–19 位数字"), code="bank_account_malformed")
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    if total % 10:
        raise CardError(_("金融账户校验位不正确，请核对"), code="bank_account_checksum")
    return digits


def _new_number() -> str:
    letter = secrets.choice(string.ascii_uppercase)
    return letter + "".join(secrets.choice(string.digits) for _ in range(8))


def card_issue(
    *,
    holder: Account,
    by: Account,
    pin: str,
    bank_account: str = "",
    bank_name: str = "",
    request: HttpRequest | None = None,
) -> SocialSecurityCard:
    """Issue a card (or a replacement for a lost one, which is then cancelled) at a window."""
    require_capability(by, Capability.CARD_SERVICE)
    if holder.kind != AccountKind.CITIZEN:
        raise CardError(_("社会保障卡只发给市民"), code="card_not_citizen")
    pin_check(pin)
    account = bank_account_check(bank_account) if bank_account else ""
    now = timezone.now()
    with transaction.atomic():
        # Lock the holder row: two clerks issuing at once must not both succeed.
        Account.objects.select_for_update().filter(pk=holder.pk).first()
        if holder.cards.filter(status=CardStatus.ACTIVE).exists():
            raise CardError(
                _("该市民已有一张正常使用的社会保障卡；补卡前请先挂失"), code="card_exists"
            )
        replaced = list(holder.cards.filter(status=CardStatus.LOST).values_list("pk", flat=True))
        holder.cards.filter(pk__in=replaced).update(
            status=CardStatus.CANCELLED, status_changed_at=now
        )
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    card = SocialSecurityCard.objects.create(
                        holder=holder,
                        number=_new_number(),
                        bank_account=account,
                        bank_account_last4=account[-4:],
                        bank_name=bank_name.strip()[:40],
                        pin_hash=make_password(pin),
                        issued_at=now,
                        issued_by=by.unit,
                    )
                break
            except IntegrityError:  # the random number is taken; draw again
                continue
        else:  # pragma: no cover - 26×10⁸ numbers
            raise CardError(_("卡号分配失败，请重试"), code="card_number_exhausted")
        audit_record(
            event=AuditEvent.CARD_ISSUED,
            actor=by,
            subject_type="account",
            subject_id=holder.pk,
            detail={"card": card.number, "replaces": len(replaced)},
            request=request,
        )
    return card


def card_report_lost(
    *, card: SocialSecurityCard, by: Account, request: HttpRequest | None = None
) -> SocialSecurityCard:
    """Block a card at once: by its holder (my page) or by a window clerk."""
    if by.pk != card.holder_id and not account_can(by, Capability.CARD_SERVICE):
        raise DomainError(_("您无权挂失这张卡"), code="forbidden")
    with transaction.atomic():
        changed = SocialSecurityCard.objects.filter(pk=card.pk, status=CardStatus.ACTIVE).update(
            status=CardStatus.LOST, status_changed_at=timezone.now()
        )
        if not changed:
            raise CardError(_("这张卡已挂失或已注销"), code="card_not_active")
        audit_record(
            event=AuditEvent.CARD_REPORTED_LOST,
            actor=by,
            subject_type="account",
            subject_id=card.holder_id,
            detail={"card": card.number, "by_holder": by.pk == card.holder_id},
            request=request,
        )
    card.refresh_from_db()
    return card


def card_pin_reset(
    *,
    card: SocialSecurityCard,
    by: Account,
    new_pin: str,
    request: HttpRequest | None = None,
) -> SocialSecurityCard:
    """A clerk, having checked the holder's ID card, sets a new PIN and lifts a lock."""
    require_capability(by, Capability.CARD_SERVICE)
    pin_check(new_pin)
    if card.status != CardStatus.ACTIVE:
        raise CardError(_("这张卡已挂失或已注销，请补办新卡"), code="card_not_active")
    with transaction.atomic():
        SocialSecurityCard.objects.filter(pk=card.pk).update(
            pin_hash=make_password(new_pin), failed_pins=0, locked_at=None
        )
        audit_record(
            event=AuditEvent.CARD_PIN_RESET,
            actor=by,
            subject_type="account",
            subject_id=card.holder_id,
            detail={"card": card.number, "was_locked": card.locked_at is not None},
            request=request,
        )
    card.refresh_from_db()
    return card


def _refused(
    *,
    card: SocialSecurityCard | None,
    number: str,
    reason: str,
    channel: str,
    request: HttpRequest | None,
) -> None:
    audit_record(
        event=AuditEvent.CARD_SIGNIN_FAILED,
        actor_label=number,
        subject_type="account" if card else "",
        subject_id=card.holder_id if card else "",
        detail={"card": number, "reason": reason, "channel": channel},
        request=request,
    )


def _wrong_pin(*, card_id: int, channel: str, request: HttpRequest | None) -> SocialSecurityCard:
    """Count a wrong PIN in its own transaction (it must stick even though the caller fails)."""
    limit = settings.CITYHALL_CARD_MAX_PIN_FAILURES
    with transaction.atomic():
        card = SocialSecurityCard.objects.select_for_update().get(pk=card_id)
        card.failed_pins += 1
        _refused(
            card=card, number=card.number, reason="wrong_pin", channel=channel, request=request
        )
        if card.failed_pins >= limit and card.locked_at is None:
            card.locked_at = timezone.now()
            audit_record(
                event=AuditEvent.CARD_LOCKED,
                actor_label=card.number,
                subject_type="account",
                subject_id=card.holder_id,
                detail={"card": card.number, "failures": card.failed_pins, "channel": channel},
                request=request,
            )
        card.save(update_fields=["failed_pins", "locked_at", "updated_at"])
    return card


def _locked_error() -> CardError:
    return CardError(
        _("密码连续输错次数过多，此卡已锁定。请持本人身份证到服务窗口重置密码。"),
        code="card_locked",
    )


def card_authenticate(
    *, number: str, pin: str, channel: str, request: HttpRequest | None = None
) -> SocialSecurityCard:
    """The card, if it may be used and the PIN is right; otherwise a CardError saying why."""
    number = card_number_normalize(number)
    card = SocialSecurityCard.objects.select_related("holder").filter(number=number).first()
    if card is None:
        check_password(pin or "", _DUMMY_PIN_HASH)
        _refused(card=None, number=number, reason="unknown_card", channel=channel, request=request)
        raise CardError(_("未找到这张社会保障卡，请核对卡号"), code="card_unknown")
    if card.status == CardStatus.LOST:
        _refused(card=card, number=number, reason="lost", channel=channel, request=request)
        raise CardError(
            _("此卡已挂失，不能使用。如已找回或需补卡，请到服务窗口办理。"), code="card_lost"
        )
    if card.status == CardStatus.CANCELLED:
        _refused(card=card, number=number, reason="cancelled", channel=channel, request=request)
        raise CardError(_("此卡已注销，不能使用。"), code="card_cancelled")
    if card.locked_at is not None:
        _refused(card=card, number=number, reason="locked", channel=channel, request=request)
        raise _locked_error()
    if not card.holder.is_active:
        _refused(
            card=card, number=number, reason="inactive_holder", channel=channel, request=request
        )
        raise CardError(_("持卡人账户已停用，请到服务窗口咨询。"), code="card_holder_inactive")
    if not PIN.match(pin or "") or not check_password(pin, card.pin_hash):
        card = _wrong_pin(card_id=card.pk, channel=channel, request=request)
        if card.locked_at is not None:
            raise _locked_error()
        left = settings.CITYHALL_CARD_MAX_PIN_FAILURES - card.failed_pins
        raise CardError(
            ngettext(
                "密码不正确，还可以再试 %(left)d 次。",
                "密码不正确，还可以再试 %(left)d 次。",
                left,
            )
            % {"left": left},
            code="pin_wrong",
        )
    with transaction.atomic():
        SocialSecurityCard.objects.filter(pk=card.pk).update(failed_pins=0)
        audit_record(
            event=AuditEvent.CARD_SIGNIN_SUCCEEDED,
            actor=card.holder,
            subject_type="account",
            subject_id=card.holder_id,
            detail={"card": number, "channel": channel},
            request=request,
        )
    return card


@dataclass(frozen=True)
class CardSession:
    card_number: str
    channel: str
    last_seen: float


def card_signin(*, request: HttpRequest, number: str, pin: str) -> Account:
    """Sign the card's holder in at a kiosk for this session only (ends when idle or closed)."""
    card = card_authenticate(number=number, pin=pin, channel="kiosk", request=request)
    login(request, card.holder, backend=BACKEND)
    # Never a remembered login: the session ends with the browser, or sooner when idle.
    request.session.set_expiry(0)
    request.session[CARD_SESSION_KEY] = {
        "card": card.number,
        "channel": "kiosk",
        "last_seen": timezone.now().timestamp(),
    }
    return card.holder


def card_session(request: HttpRequest) -> CardSession | None:
    """The card session of this request, if it was signed in by card."""
    raw = request.session.get(CARD_SESSION_KEY) if hasattr(request, "session") else None
    if not raw:
        return None
    return CardSession(card_number=raw["card"], channel=raw["channel"], last_seen=raw["last_seen"])


def cards_of(*, holder: Account) -> list[SocialSecurityCard]:
    return list(holder.cards.order_by("-issued_at"))
