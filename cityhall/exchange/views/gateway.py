"""HTTP face of the gateway (/exchange/v1/): the token endpoint, the public key, and queries.

Queries are POSTed as JSON so that ID numbers never appear in URLs (and so never in proxy or
server access logs). Errors are JSON `{"error": code, "message": text, ...detail}`.
"""

import base64
import binascii
import json
from datetime import date
from typing import Any
from urllib.parse import unquote

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from cityhall.core.errors import DomainError
from cityhall.exchange import signing
from cityhall.exchange.models import AccessGrant, AccessLogCheckpoint, DataResource
from cityhall.exchange.services.clients import (
    Caller,
    OAuthError,
    TokenError,
    token_issue,
    token_verify,
)
from cityhall.exchange.services.gateway import Answer, Query, RateLimitedError, query_run
from cityhall.exchange.services.grants import GrantError
from cityhall.exchange.services.log import checkpoint_message
from cityhall.exchange.vocab import GrantStatus, ResourceStatus

REALM = 'Bearer realm="cityhall-exchange"'


def _error(exc: DomainError) -> JsonResponse:
    body: dict[str, Any] = {"error": exc.code, "message": exc.message}
    if isinstance(exc, GrantError):
        body |= exc.detail
    response = JsonResponse(body, status=exc.status, json_dumps_params={"ensure_ascii": False})
    if isinstance(exc, TokenError):
        response["WWW-Authenticate"] = (
            f'{REALM}, error="invalid_token", error_description="{exc.code}"'
        )
    if isinstance(exc, RateLimitedError):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _caller(request: HttpRequest) -> Caller:
    # request.META rather than request.headers, which builds a dict of every header first.
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenError(_("缺少访问令牌（Authorization: Bearer …）"))
    return token_verify(token.strip())


@csrf_exempt
@require_POST
def token(request: HttpRequest) -> JsonResponse:
    """OAuth 2.0 token endpoint (client_credentials); client_secret_basic, client_secret_post
    or private_key_jwt."""
    client_id = request.POST.get("client_id", "")
    client_secret = request.POST.get("client_secret", "")
    basic = request.headers.get("Authorization", "")
    if basic.lower().startswith("basic "):
        try:
            pair = base64.b64decode(basic[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return _oauth_error(OAuthError("invalid_client", _("Basic 认证头格式错误"), 401))
        user, _sep, password = pair.partition(":")
        # RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
        client_id, client_secret = unquote(user), unquote(password)
    try:
        issued = token_issue(
            grant_type=request.POST.get("grant_type", ""),
            client_id=client_id,
            client_secret=client_secret,
            client_assertion_type=request.POST.get("client_assertion_type", ""),
            client_assertion=request.POST.get("client_assertion", ""),
            token_url=request.build_absolute_uri(),
        )
    except OAuthError as exc:
        return _oauth_error(exc)
    response = JsonResponse(
        {"access_token": issued.token, "token_type": "Bearer", "expires_in": issued.expires_in}
    )
    response["Cache-Control"] = "no-store"
    return response


def _oauth_error(exc: OAuthError) -> JsonResponse:
    response = JsonResponse(
        {"error": exc.code, "error_description": exc.message},
        status=exc.status,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "no-store"
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Basic realm="cityhall-exchange"'
    return response


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    return JsonResponse(signing.jwks())


@require_GET
def resources(request: HttpRequest) -> JsonResponse:
    """The published resources and, for each, what the calling system is granted."""
    try:
        caller = _caller(request)
    except DomainError as exc:
        return _error(exc)
    grants: dict[str, list[dict[str, Any]]] = {}
    for grant in AccessGrant.objects.filter(
        requester_id=caller.department_id, status=GrantStatus.APPROVED
    ).select_related("resource"):
        if grant.client_id in (None, caller.pk):
            grants.setdefault(grant.resource.code, []).append(
                {
                    "grant": grant.number,
                    "purpose": grant.purpose,
                    "fields": grant.fields,
                    "valid_from": grant.valid_from.isoformat(),
                    "valid_until": grant.valid_until.isoformat(),
                }
            )
    items = [
        {
            "code": r.code,
            "title": r.title,
            "owner": r.owner.code,
            "key": r.key_kind,
            "sharing_type": r.sharing_type,
            "fields": [
                {"name": f.name, "label": f.label, "sensitivity": f.sensitivity}
                for f in r.fields.all()
            ],
            "own": r.owner_id == caller.department_id,
            "grants": grants.get(r.code, []),
        }
        for r in DataResource.objects.filter(status=ResourceStatus.PUBLISHED, is_open=False)
        .select_related("owner")
        .prefetch_related("fields")
    ]
    return JsonResponse({"resources": items}, json_dumps_params={"ensure_ascii": False})


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError(_("请求体须为 JSON 对象"), code="bad_json") from exc
    if not isinstance(body, dict):
        raise DomainError(_("请求体须为 JSON 对象"), code="bad_json")
    return body


def _query_from(code: str, body: dict[str, Any], keys: list[object]) -> Query:
    fields = body.get("fields")
    if fields is not None and (
        not isinstance(fields, list) or not all(isinstance(f, str) for f in fields)
    ):
        raise DomainError(_("fields 须为字段名列表"), code="fields_invalid")
    restricted = body.get("restricted_until")
    restricted_until = None
    if restricted not in (None, ""):
        try:
            restricted_until = date.fromisoformat(str(restricted))
        except ValueError as exc:
            raise DomainError(_("restricted_until 须为 YYYY-MM-DD"), code="bad_date") from exc
    return Query(
        resource_code=code,
        keys=keys,
        purpose=str(body.get("purpose") or ""),
        case_ref=body.get("case") or "",
        fields=fields,
        staff_user=str(body.get("staff_user") or ""),
        restricted_until=restricted_until,
    )


def _answer_head(answer: Answer) -> dict[str, Any]:
    return {
        "request_id": answer.request_id,
        "resource": answer.resource_code,
        "grant": answer.grant_number or None,
        "fields": answer.fields,
    }


def _answer_record(answer: Answer, position: int) -> dict[str, Any]:
    key, record = answer.results[position]
    entry = answer.entries[position]
    return {
        "key": key.given,
        "found": record is not None,
        "record": record,
        "log_seq": entry.seq,
    }


@csrf_exempt
@require_POST
def lookup(request: HttpRequest, code: str) -> JsonResponse:
    """One person (ID number) or company (USCC): `{"key", "purpose", "case", "fields"?,
    "staff_user"?, "restricted_until"?}`."""
    try:
        caller = _caller(request)
        body = _body(request)
        answer = query_run(caller=caller, query=_query_from(code, body, [body.get("key")]))
    except DomainError as exc:
        return _error(exc)
    return JsonResponse(
        _answer_head(answer) | _answer_record(answer, 0) | {"log_hash": answer.entries[0].hash},
        json_dumps_params={"ensure_ascii": False},
    )


@csrf_exempt
@require_POST
def batch(request: HttpRequest, code: str) -> JsonResponse:
    """Up to CITYHALL_EXCHANGE_BATCH_LIMIT keys: `{"keys": [...], "purpose", "case", ...}`."""
    try:
        caller = _caller(request)
        body = _body(request)
        keys = body.get("keys")
        if not isinstance(keys, list):
            raise DomainError(_("keys 须为查询键列表"), code="keys_missing")
        answer = query_run(caller=caller, query=_query_from(code, body, keys), batch=True)
    except DomainError as exc:
        return _error(exc)
    return JsonResponse(
        _answer_head(answer)
        | {
            "results": [_answer_record(answer, i) for i in range(len(answer.results))],
            "found": sum(1 for _key, record in answer.results if record is not None),
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def checkpoint_latest(request: HttpRequest) -> JsonResponse:
    """The latest signed checkpoint, for departments that keep their own copies (witnesses)."""
    try:
        _caller(request)
    except DomainError as exc:
        return _error(exc)
    checkpoint = AccessLogCheckpoint.objects.order_by("-seq").first()
    if checkpoint is None:
        return JsonResponse({"error": "not_found", "message": _("尚无检查点")}, status=404)
    return JsonResponse(
        {
            "seq": checkpoint.seq,
            "hash": checkpoint.hash,
            "at": checkpoint.at.isoformat(timespec="microseconds"),
            "key_id": checkpoint.key_id,
            "signature": checkpoint.signature,
            # The exact bytes signed (Ed25519, key in jwks.json), so a witness can verify.
            "signed_message": checkpoint_message(
                checkpoint.seq, checkpoint.hash, checkpoint.at
            ).decode(),
        }
    )
