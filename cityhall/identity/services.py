"""Writes for accounts: sign-in with lockout and TOTP, enrolment, roles, registration, reveals."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import login, logout
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from cityhall.core import crypto
from cityhall.core.audit import AuditEvent, audit_record
from cityhall.core.errors import DomainError
from cityhall.core.identifiers import resident_id_parse
from cityhall.geo.models import Division, DivisionLevel
from cityhall.identity.models import Account, AccountKind, Gender, OrgUnit, StaffRole
from cityhall.identity.roles import Capability, Role
from cityhall.identity.selectors import (
    account_can,
    account_find_by_identifier,
    citizen_get_for_staff,
    id_number_index,
    phone_index,
    require_capability,
)

PENDING_MFA_SESSION_KEY = "identity.pending_mfa"
PENDING_MFA_TTL = timedelta(minutes=5)
BACKEND = "cityhall.identity.backends.AccountBackend"


@dataclass(frozen=True)
class SigninOutcome:
    """Result of one sign-in step: signed in, waiting for a TOTP code, or refused with a reason."""

    account: Account | None = None
    needs_mfa: bool = False
    needs_enrolment: bool = False
    error: str = ""

    @property
    def signed_in(self) -> bool:
        return self.account is not None and not self.needs_mfa and not self.error


def _masked_identifier(identifier: str) -> str:
    identifier = identifier.strip()[:64]
    # A mistyped or unknown identifier may be someone's ID number: never log it in clear.
    return crypto.mask_id_number(identifier) if len(identifier) >= 15 else identifier


def _locked_message(account: Account) -> str:
    until = date_format(timezone.localtime(account.locked_until or timezone.now()), "H:i")
    return _("登录失败次数过多，账户已暂时锁定，请于 %(time)s 后再试。") % {"time": until}


def _record_failure(*, account_id: int, request: HttpRequest, reason: str) -> Account:
    """Count a failed attempt; enough of them within the window lock the account."""
    now = timezone.now()
    window = timedelta(minutes=settings.SIGNIN_FAILURE_WINDOW_MINUTES)
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account_id)
        if account.first_failure_at is None or now - account.first_failure_at > window:
            account.failed_signins, account.first_failure_at = 0, now
        account.failed_signins += 1
        audit_record(
            event=AuditEvent.SIGNIN_FAILED,
            actor_label=account.username,
            subject_type="account",
            subject_id=account.pk,
            detail={"reason": reason, "failures": account.failed_signins},
            request=request,
        )
        if account.failed_signins >= settings.SIGNIN_MAX_FAILURES:
            account.locked_until = now + timedelta(minutes=settings.SIGNIN_LOCK_MINUTES)
            audit_record(
                event=AuditEvent.SIGNIN_LOCKED,
                actor_label=account.username,
                subject_type="account",
                subject_id=account.pk,
                detail={
                    "until": account.locked_until.isoformat(),
                    "failures": account.failed_signins,
                },
                request=request,
            )
            account.failed_signins, account.first_failure_at = 0, None
        account.save(update_fields=["failed_signins", "first_failure_at", "locked_until"])
    return account


def _complete_signin(*, request: HttpRequest, account: Account, device: TOTPDevice | None) -> None:
    with transaction.atomic():
        Account.objects.filter(pk=account.pk).update(
            failed_signins=0, first_failure_at=None, locked_until=None, last_login=timezone.now()
        )
        login(request, account, backend=BACKEND)
        if device is not None:
            otp_login(request, device)
        audit_record(
            event=AuditEvent.SIGNIN_SUCCEEDED,
            actor=account,
            subject_type="account",
            subject_id=account.pk,
            detail={"mfa": device is not None},
            request=request,
        )


def signin_password(*, request: HttpRequest, identifier: str, password: str) -> SigninOutcome:
    """First factor. Citizens are signed in; staff continue to their TOTP code (or enrolment)."""
    generic = _("账号或密码不正确。")
    account = account_find_by_identifier(identifier)
    if account is None:
        Account().set_password(password)  # same work as a real check, so timing tells nothing
        audit_record(
            event=AuditEvent.SIGNIN_FAILED,
            actor_label=_masked_identifier(identifier),
            detail={"reason": "unknown_account"},
            request=request,
        )
        return SigninOutcome(error=generic)
    if account.is_locked():
        audit_record(
            event=AuditEvent.SIGNIN_FAILED,
            actor_label=account.username,
            subject_type="account",
            subject_id=account.pk,
            detail={"reason": "locked"},
            request=request,
        )
        return SigninOutcome(error=_locked_message(account))
    if not account.is_active or not account.check_password(password):
        account = _record_failure(
            account_id=account.pk,
            request=request,
            reason="bad_password" if account.is_active else "inactive",
        )
        return SigninOutcome(error=_locked_message(account) if account.is_locked() else generic)
    if account.kind == AccountKind.STAFF:
        request.session.cycle_key()
        request.session[PENDING_MFA_SESSION_KEY] = {
            "account_id": account.pk,
            "at": timezone.now().isoformat(),
        }
        enrolled = TOTPDevice.objects.filter(user=account, confirmed=True).exists()
        return SigninOutcome(account=account, needs_mfa=True, needs_enrolment=not enrolled)
    _complete_signin(request=request, account=account, device=None)
    return SigninOutcome(account=account)


def pending_mfa_account(request: HttpRequest) -> Account | None:
    """The staff account that passed its password and now owes a TOTP code, if still fresh."""
    pending = request.session.get(PENDING_MFA_SESSION_KEY)
    if not pending:
        return None
    started = parse_datetime(pending["at"])
    if started is None or timezone.now() - started > PENDING_MFA_TTL:
        request.session.pop(PENDING_MFA_SESSION_KEY, None)
        return None
    return Account.objects.filter(pk=pending["account_id"], is_active=True).first()


def mfa_device_for_enrolment(*, account: Account) -> TOTPDevice:
    """The unconfirmed TOTP device shown to a staff member who has none confirmed yet."""
    device = TOTPDevice.objects.filter(user=account, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=account, name=_("身份验证器"), confirmed=False)
    return device


def signin_totp(*, request: HttpRequest, token: str) -> SigninOutcome:
    """Second factor for staff: a code from their confirmed device, or one confirming enrolment."""
    account = pending_mfa_account(request)
    if account is None:
        return SigninOutcome(error=_("登录已超时，请重新输入账号和密码。"))
    if account.is_locked():
        request.session.pop(PENDING_MFA_SESSION_KEY, None)
        return SigninOutcome(error=_locked_message(account))
    confirmed = list(TOTPDevice.objects.filter(user=account, confirmed=True))
    enrolling = not confirmed
    candidates = confirmed or [mfa_device_for_enrolment(account=account)]
    token = token.strip().replace(" ", "")
    device = next((d for d in candidates if token.isdigit() and d.verify_token(token)), None)
    if device is None:
        account = _record_failure(account_id=account.pk, request=request, reason="bad_totp")
        if account.is_locked():
            request.session.pop(PENDING_MFA_SESSION_KEY, None)
            return SigninOutcome(error=_locked_message(account))
        return SigninOutcome(
            account=account,
            needs_mfa=True,
            needs_enrolment=enrolling,
            error=_("验证码不正确或已过期。"),
        )
    request.session.pop(PENDING_MFA_SESSION_KEY, None)
    if enrolling:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            event=AuditEvent.MFA_ENROLLED,
            actor=account,
            actor_label=account.username,
            subject_type="account",
            subject_id=account.pk,
            request=request,
        )
    _complete_signin(request=request, account=account, device=device)
    return SigninOutcome(account=account)


def signout(*, request: HttpRequest) -> None:
    if request.user.is_authenticated:
        audit_record(
            event=AuditEvent.SIGNOUT,
            actor=request.user,
            subject_type="account",
            subject_id=request.user.pk,
            request=request,
        )
    logout(request)


def account_unlock(*, account: Account, by: Account, request: HttpRequest | None = None) -> None:
    """An administrator lifts a sign-in lock before it expires."""
    if not account_can(by, Capability.ADMINISTER):
        raise DomainError(_("您的岗位无权执行此操作"), code="forbidden")
    Account.objects.filter(pk=account.pk).update(
        locked_until=None, failed_signins=0, first_failure_at=None
    )
    audit_record(
        event=AuditEvent.ACCOUNT_UNLOCKED,
        actor=by,
        subject_type="account",
        subject_id=account.pk,
        request=request,
    )


def _role_changed(
    event: str, *, account: Account, role: str, by: Account | None, request: HttpRequest | None
) -> None:
    audit_record(
        event=event,
        actor=by,
        actor_label="" if by else "system",
        subject_type="account",
        subject_id=account.pk,
        detail={"role": role},
        request=request,
    )
    # Django admin entry follows the administrator role; it is never granted on its own.
    is_admin = account.roles.filter(role=Role.ADMINISTRATOR).exists()
    if account.is_staff != is_admin:
        account.is_staff = is_admin
        account.save(update_fields=["is_staff"])


def role_grant(
    *, account: Account, role: str, by: Account | None, request: HttpRequest | None = None
) -> StaffRole:
    """Give a staff member a role (audited)."""
    if account.kind != AccountKind.STAFF:
        raise DomainError(_("只有工作人员可以被授予岗位角色。"))
    if role not in Role.values:
        raise DomainError(_("未知的岗位角色。"))
    with transaction.atomic():
        staff_role, created = StaffRole.objects.get_or_create(account=account, role=role)
        if created:
            _role_changed(
                AuditEvent.ROLE_GRANTED, account=account, role=role, by=by, request=request
            )
    return staff_role


def role_revoke(
    *, account: Account, role: str, by: Account | None, request: HttpRequest | None = None
) -> None:
    """Take a role away from a staff member (audited)."""
    with transaction.atomic():
        deleted, _count = StaffRole.objects.filter(account=account, role=role).delete()
        if deleted:
            _role_changed(
                AuditEvent.ROLE_REVOKED, account=account, role=role, by=by, request=request
            )


def citizen_register(
    *,
    id_number: str,
    real_name: str,
    password: str | None = None,
    password_hash: str | None = None,
    phone: str = "",
    email: str = "",
    home_division: Division | None = None,
    language: str = "zh-hans",
) -> Account:
    """Create a real-name citizen account keyed by a valid resident ID number."""
    parsed = resident_id_parse(id_number)
    index = id_number_index(parsed.number)
    if Account.objects.filter(id_number_index=index).exists():
        raise DomainError(_("该证件号码已注册。"), code="duplicate")
    if home_division is not None and home_division.level != DivisionLevel.COMMUNITY:
        raise DomainError(_("居住地必须是社区。"))
    account = Account(
        username=f"c{index[:15]}",
        kind=AccountKind.CITIZEN,
        real_name=real_name.strip(),
        id_number=parsed.number,
        id_number_index=index,
        phone=phone,
        phone_index=phone_index(phone) if phone else "",
        email=email,
        gender=Gender.MALE if parsed.gender == "M" else Gender.FEMALE,
        birth_date=parsed.birth_date,
        home_division=home_division,
        language=language,
    )
    if password_hash is not None:
        account.password = password_hash
    else:
        account.set_password(password)
    account.save()
    return account


def staff_create(
    *,
    username: str,
    real_name: str,
    unit: OrgUnit,
    roles: list[str],
    password: str | None = None,
    password_hash: str | None = None,
    phone: str = "",
    email: str = "",
    by: Account | None = None,
) -> Account:
    """Create a staff account in one unit with its roles."""
    if Account.objects.filter(username=username).exists():
        raise DomainError(_("登录名已被使用。"), code="duplicate")
    with transaction.atomic():
        account = Account(
            username=username,
            kind=AccountKind.STAFF,
            real_name=real_name,
            unit=unit,
            phone=phone,
            phone_index=phone_index(phone) if phone else "",
            email=email,
        )
        if password_hash is not None:
            account.password = password_hash
        else:
            account.set_password(password)
        account.save()
        for role in roles:
            role_grant(account=account, role=role, by=by)
    return account


def personal_data_read(
    *,
    actor: Account,
    subject_type: str,
    subject_id: int,
    fields: list[str],
    purpose: str | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Record a staff read of someone's personal data; a full (unmasked) read needs the role and a
    stated purpose. Every app that shows personal data to staff records its reads here."""
    detail: dict[str, object] = {"fields": fields, "masked": purpose is None}
    if purpose is not None:
        require_capability(actor, Capability.PERSONAL_DATA_REVEAL)
        purpose = purpose.strip()
        if len(purpose) < 2:
            raise DomainError(_("查看完整个人信息须填写事由。"), code="purpose_required")
        detail["purpose"] = purpose[:200]
    audit_record(
        event=AuditEvent.PERSONAL_DATA_READ,
        actor=actor,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
        request=request,
    )


def citizen_open(*, actor: Account, account_id: int, request: HttpRequest | None = None) -> Account:
    """A staff member opens one resident's record (masked); the read is audited all the same."""
    citizen = citizen_get_for_staff(actor=actor, account_id=account_id)
    personal_data_read(
        actor=actor,
        subject_type="account",
        subject_id=citizen.pk,
        fields=["profile"],
        request=request,
    )
    return citizen


@dataclass(frozen=True)
class RevealedCitizen:
    account: Account
    id_number: str
    phone: str


def citizen_reveal(
    *, actor: Account, account_id: int, purpose: str, request: HttpRequest | None = None
) -> RevealedCitizen:
    """Unmasked personal data for a staff member with a stated purpose; the read is audited."""
    require_capability(actor, Capability.PERSONAL_DATA_REVEAL)
    citizen = citizen_get_for_staff(actor=actor, account_id=account_id)
    personal_data_read(
        actor=actor,
        subject_type="account",
        subject_id=citizen.pk,
        fields=["id_number", "phone"],
        purpose=purpose,
        request=request,
    )
    return RevealedCitizen(account=citizen, id_number=citizen.id_number, phone=citizen.phone)


def account_set_language(*, account: Account, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise DomainError(_("不支持的语言。"))
    Account.objects.filter(pk=account.pk).update(language=language)
