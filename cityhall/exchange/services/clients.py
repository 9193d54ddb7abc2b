"""Department client systems: registration, secrets (hashed, rotated with overlap), and the
OAuth 2.0 client-credentials grant that issues signed JWT access tokens (RFC 6749 §4.4,
RFC 9068 claims, RFC 7523 private_key_jwt client authentication)."""

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.core.audit import audit_record
from cityhall.core.errors import DomainError, NotFoundError
from cityhall.exchange import signing
from cityhall.exchange.models import ClientSecret, ClientSystem, UsedAssertion
from cityhall.exchange.services.common import steward_unit
from cityhall.exchange.vocab import ClientStatus
from cityhall.identity.models import Account, OrgUnit

ISSUER = "cityhall-exchange"
AUDIENCE = "cityhall-exchange-gateway"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SECRET_PREFIX = "chx_"  # noqa: S105 - a label, not a secret


class OAuthError(DomainError):
    """An error of the token endpoint, in RFC 6749 §5.2 terms (`code` is the `error` value)."""

    def __init__(self, code: str, description: str, status: int = 400) -> None:
        super().__init__(description, code=code)
        self.status = status


class TokenError(DomainError):
    """A bearer token the gateway refuses (RFC 6750 invalid_token)."""

    code = "invalid_token"
    status = 401


def _secret_hash(secret: str) -> str:
    # Secrets are 256 random bits, not passwords: a plain SHA-256 cannot be brute-forced and
    # keeps the token endpoint fast.
    return hashlib.sha256(secret.encode()).hexdigest()


def _secret_new(client: ClientSystem) -> str:
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    ClientSecret.objects.create(
        client=client,
        hint=secret[:10],
        secret_hash=_secret_hash(secret),
        created_at=timezone.now(),
    )
    return secret


@dataclass(frozen=True)
class IssuedSecret:
    client: ClientSystem
    secret: str  # shown once; only its hash is kept


def client_register(
    *,
    actor: Account,
    client_id: str,
    name: str,
    rate_limit_per_minute: int = 6000,
    may_restrict: bool = False,
    public_key_pem: str = "",
    department: OrgUnit | None = None,
) -> IssuedSecret:
    """A steward registers a system of their department; it gets its first secret."""
    unit = department or steward_unit(actor)
    if department is None and actor.unit_id != unit.pk:
        raise DomainError(_("只能为本部门登记接入系统"))
    if ClientSystem.objects.filter(client_id=client_id).exists():
        raise DomainError(_("客户端标识已被使用"), code="client_id_taken")
    if public_key_pem:
        _public_key_check(public_key_pem)
    with transaction.atomic():
        client = ClientSystem.objects.create(
            client_id=client_id,
            name=name,
            department=unit,
            rate_limit_per_minute=rate_limit_per_minute,
            may_restrict=may_restrict,
            public_key_pem=public_key_pem,
            registered_by=actor if actor.pk else None,
        )
        secret = _secret_new(client)
        audit_record(
            event="exchange.client_registered",
            actor=actor,
            subject_type="exchange.client",
            subject_id=client.client_id,
            detail={"department": unit.code},
        )
    return IssuedSecret(client, secret)


def _public_key_check(pem: str) -> None:
    try:
        load_pem_public_key(pem.encode())
    except (ValueError, TypeError) as exc:
        raise DomainError(_("客户端公钥不是有效的 PEM 公钥"), code="bad_public_key") from exc


def _own_client(actor: Account, client_id: str) -> ClientSystem:
    unit = steward_unit(actor)
    client = ClientSystem.objects.filter(client_id=client_id, department=unit).first()
    if client is None:
        raise NotFoundError(_("未找到本部门的该接入系统"))
    return client


def client_secret_rotate(
    *, actor: Account, client_id: str, overlap_hours: int = 24
) -> IssuedSecret:
    """A steward rotates a secret of one of their department's systems."""
    return secret_rotate(
        client=_own_client(actor, client_id), overlap_hours=overlap_hours, actor=actor
    )


def secret_rotate(
    *, client: ClientSystem, overlap_hours: int, actor: Account | None
) -> IssuedSecret:
    """A new secret; the old ones keep working for `overlap_hours` so the system can switch
    without downtime, then expire. (`actor` None: the operator's command line.)"""
    if not 0 <= overlap_hours <= 24 * 30:
        raise DomainError(_("新旧密钥并行时间须在 0 到 720 小时之间"))
    now = timezone.now()
    ends = now + timedelta(hours=overlap_hours)
    with transaction.atomic():
        client.secrets.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=ends)).update(
            expires_at=ends
        )
        secret = _secret_new(client)
        audit_record(
            event="exchange.secret_rotated",
            actor=actor,
            actor_label="" if actor else "manage.py",
            subject_type="exchange.client",
            subject_id=client.client_id,
            detail={"old_secrets_expire": ends.isoformat()},
        )
    return IssuedSecret(client, secret)


def client_status_set(*, actor: Account, client_id: str, status: str) -> ClientSystem:
    """Suspend (every token stops working at once) or reactivate a client system."""
    if status not in ClientStatus.values:
        raise DomainError(_("无效的状态"))
    client = _own_client(actor, client_id)
    client.status = status
    client.save(update_fields=["status", "updated_at"])
    audit_record(
        event="exchange.client_status",
        actor=actor,
        subject_type="exchange.client",
        subject_id=client.client_id,
        detail={"status": status},
    )
    return client


# The token endpoint ---------------------------------------------------------------------------


def _client_by_secret(client_id: str, secret: str) -> ClientSystem:
    client = ClientSystem.objects.filter(client_id=client_id).select_related("department").first()
    if client is None:
        raise OAuthError("invalid_client", _("客户端认证失败"), 401)
    now = timezone.now()
    digest = _secret_hash(secret)
    valid = [s for s in client.secrets.all() if s.expires_at is None or s.expires_at > now]
    if not any(hmac.compare_digest(s.secret_hash, digest) for s in valid):
        raise OAuthError("invalid_client", _("客户端认证失败"), 401)
    return client


def _client_by_assertion(assertion: str, token_url: str) -> ClientSystem:
    try:
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise OAuthError("invalid_client", _("客户端断言格式错误"), 401) from exc
    client_id = str(unverified.get("iss", ""))
    client = ClientSystem.objects.filter(client_id=client_id).select_related("department").first()
    if client is None or not client.public_key_pem:
        raise OAuthError("invalid_client", _("客户端认证失败"), 401)
    try:
        claims = jwt.decode(
            assertion,
            load_pem_public_key(client.public_key_pem.encode()),  # type: ignore[arg-type]
            algorithms=["EdDSA", "ES256", "RS256"],
            audience=[token_url, ISSUER],
            issuer=client_id,
            options={"require": ["exp", "jti", "sub", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise OAuthError("invalid_client", _("客户端断言已过期"), 401) from exc
    except jwt.PyJWTError as exc:
        raise OAuthError(
            "invalid_client", _("客户端断言无效：%(why)s") % {"why": exc}, 401
        ) from exc
    if claims["sub"] != client_id:
        raise OAuthError("invalid_client", _("客户端断言的 sub 必须等于客户端标识"), 401)
    expires = datetime.fromtimestamp(claims["exp"], tz=UTC)
    if expires > timezone.now() + timedelta(minutes=10):
        raise OAuthError("invalid_client", _("客户端断言有效期不得超过 10 分钟"), 401)
    try:
        with transaction.atomic():
            UsedAssertion.objects.create(client=client, jti=str(claims["jti"]), expires_at=expires)
    except IntegrityError as exc:
        raise OAuthError("invalid_client", _("客户端断言已被使用过（重放）"), 401) from exc
    UsedAssertion.objects.filter(expires_at__lt=timezone.now()).delete()
    return client


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int
    client: ClientSystem


def token_issue(
    *,
    grant_type: str,
    client_id: str = "",
    client_secret: str = "",
    client_assertion_type: str = "",
    client_assertion: str = "",
    token_url: str = "",
) -> AccessToken:
    """The client-credentials grant: authenticate the client, sign a short-lived access token."""
    if grant_type != "client_credentials":
        raise OAuthError("unsupported_grant_type", _("仅支持 client_credentials 授权方式"))
    if client_assertion or client_assertion_type:
        if client_assertion_type != ASSERTION_TYPE:
            raise OAuthError("invalid_request", _("不支持的客户端断言类型"))
        client = _client_by_assertion(client_assertion, token_url)
    elif client_id and client_secret:
        client = _client_by_secret(client_id, client_secret)
    else:
        raise OAuthError("invalid_client", _("缺少客户端凭据"), 401)
    if client.status != ClientStatus.ACTIVE:
        raise OAuthError("invalid_client", _("该接入系统已停用"), 401)
    lifetime = settings.CITYHALL_EXCHANGE_TOKEN_SECONDS
    now = int(timezone.now().timestamp())
    key = signing.signing_key()
    token = jwt.encode(
        {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": client.client_id,
            "client_id": client.client_id,
            "dep": client.department.code,
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
        },
        key.private,
        algorithm="EdDSA",
        headers={"kid": key.key_id, "typ": "at+jwt"},
    )
    return AccessToken(token, lifetime, client)


@dataclass(frozen=True)
class Caller:
    """The client system behind a verified access token, as the gateway needs it."""

    pk: int
    client_id: str
    department_id: int
    department_code: str
    may_restrict: bool
    rate_limit_per_minute: int


# Access tokens this process has verified: (signing key id, token) → (client id, expiry). The
# signature, issuer and audience of the very same bytes need not be checked again (EdDSA and
# PyJWT cost more than the rest of the check); the expiry is checked on every request, and the
# client's status is read from the database on every request.
_VERIFIED: dict[tuple[str, str], tuple[str, int]] = {}
_VERIFIED_LIMIT = 10_000
_clock = time.time  # pyjwt's clock: the wall time, in seconds


def _subject_verified(token: str) -> str:
    key = signing.signing_key()
    cached = _VERIFIED.get((key.key_id, token))
    if cached is not None:
        subject, expires = cached
        if expires > _clock():  # as pyjwt: expired once exp <= now
            return subject
        _VERIFIED.pop((key.key_id, token), None)
        raise TokenError(_("访问令牌已过期，请重新获取"))
    try:
        claims = jwt.decode(
            token,
            key.public,
            algorithms=["EdDSA"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "sub", "jti"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError(_("访问令牌已过期，请重新获取")) from exc
    except jwt.PyJWTError as exc:
        raise TokenError(_("访问令牌无效")) from exc
    if len(_VERIFIED) >= _VERIFIED_LIMIT:
        now = _clock()
        for stale in [k for k, (_s, exp) in list(_VERIFIED.items()) if exp <= now]:
            _VERIFIED.pop(stale, None)
        if len(_VERIFIED) >= _VERIFIED_LIMIT:
            _VERIFIED.clear()
    _VERIFIED[(key.key_id, token)] = (claims["sub"], int(claims["exp"]))
    return claims["sub"]


_CALLER_SQL = (
    "SELECT c.id, c.status, c.department_id, d.code, c.may_restrict, "  # noqa: S608
    f"c.rate_limit_per_minute FROM {ClientSystem._meta.db_table} c "
    f"INNER JOIN {OrgUnit._meta.db_table} d ON d.id = c.department_id WHERE c.client_id = %s"
)


def token_verify(token: str) -> Caller:
    """Check signature, issuer, audience and expiry, then that the client is still active
    (suspending a client stops its tokens at once)."""
    subject = _subject_verified(token)
    with connection.cursor() as cursor:
        cursor.execute(_CALLER_SQL, [subject])
        row = cursor.fetchone()
    if row is None or row[1] != ClientStatus.ACTIVE:
        raise TokenError(_("该接入系统已停用或不存在"))
    return Caller(row[0], subject, row[2], row[3], bool(row[4]), row[5])


def caller_for(client_id: str) -> Caller:
    """The caller for a system acting inside the product (cross-check jobs, the demo)."""
    client = ClientSystem.objects.select_related("department").get(client_id=client_id)
    return Caller(
        client.pk,
        client.client_id,
        client.department_id,
        client.department.code,
        client.may_restrict,
        client.rate_limit_per_minute,
    )
