"""The query gateway over HTTP: tokens, grants, field filtering, the log, and every refusal."""

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from django.test.utils import override_settings

from cityhall.core.identifiers import uscc_make
from cityhall.exchange.models import AccessGrant, AccessLogEntry, ClientSystem
from cityhall.exchange.services import clients, grants
from cityhall.exchange.services.log import content_hash, log_verify
from cityhall.exchange.tests.city import ExchangeCity, exchange_city, grant_approved, past
from cityhall.registry.tests import factories as rf

pytestmark = pytest.mark.django_db

TOKEN_URL = "/exchange/v1/token"
# A well-formed USCC (GB 32100 check character included), so only the grant can refuse it.
COMPANY = uscc_make(
    authority="9", category="1", division_code="440101", organisation_code="MA5CXXXX0"
)


def _token(client: Client, client_id: str, secret: str) -> str:
    response = client.post(
        TOKEN_URL,
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    return response.json()["access_token"]


def _post(client: Client, path: str, token: str, body: object) -> tuple[int, dict]:
    response = client.post(
        path,
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.status_code, response.json()


@pytest.fixture
def city() -> ExchangeCity:
    return exchange_city()


@pytest.fixture
def person():
    return rf.person(name="黄小华", house=rf.house())


def _lookup(client: Client, token: str, key: str, **extra: object) -> tuple[int, dict]:
    body = {"key": key, "purpose": "benefit_eligibility", "case": "SQ20261121000001"} | extra
    return _post(client, "/exchange/v1/resources/person-basic/lookup", token, body)


def test_granted_lookup_returns_only_granted_fields_and_is_logged(city, person, client):
    grant_approved(city, fields=["name", "birth_date"])
    token = _token(client, city.client_id, city.secret)
    status, body = _lookup(client, token, person.document_number, staff_user="rs-zhang")
    assert status == 200, body
    assert body["found"] is True
    assert body["record"] == {"name": "黄小华", "birth_date": "1985-03-09"}
    assert body["fields"] == ["name", "birth_date"]
    entry = AccessLogEntry.objects.get(seq=body["log_seq"])
    assert entry.subject_key == person.document_index
    assert entry.subject_label != person.document_number and entry.subject_label.endswith(
        person.document_number[-4:]
    )
    assert (entry.client_code, entry.department_code, entry.staff_user) == (
        "gz-rs-benefits",
        "440100-RS",
        "rs-zhang",
    )
    assert (entry.purpose, entry.case_ref, entry.fields) == (
        "benefit_eligibility",
        "SQ20261121000001",
        ["name", "birth_date"],
    )
    assert entry.response_hash == content_hash(body["record"])
    assert body["log_hash"] == entry.hash
    assert log_verify().ok


def test_fields_can_be_narrowed_but_not_widened(city, person, client):
    grant_approved(city, fields=["name", "birth_date"])
    token = _token(client, city.client_id, city.secret)
    status, body = _lookup(client, token, person.document_number, fields=["name"])
    assert status == 200 and body["record"] == {"name": "黄小华"}
    before = AccessLogEntry.objects.count()
    status, body = _lookup(client, token, person.document_number, fields=["name", "phone"])
    assert status == 403
    assert body["error"] == "field_not_granted"
    assert body["fields"] == ["phone"]
    assert "phone" in body["message"]
    assert AccessLogEntry.objects.count() == before  # nothing read, nothing logged


def test_no_grant_names_the_resource_and_logs_nothing(city, person, client):
    token = _token(client, city.client_id, city.secret)
    status, body = _lookup(client, token, person.document_number)
    assert status == 403
    assert body["error"] == "no_grant" and body["resource"] == "person-basic"
    assert "person-basic" in body["message"]
    assert not AccessLogEntry.objects.exists()


def test_grant_for_another_purpose_is_refused(city, person, client):
    grant = grant_approved(city)
    token = _token(client, city.client_id, city.secret)
    status, body = _lookup(client, token, person.document_number, purpose="tax_administration")
    assert status == 403 and body["error"] == "purpose_not_granted"
    assert grant.number in body["message"]


def test_expired_grant_is_refused_with_its_number(city, person, client):
    grant = grant_approved(city)
    AccessGrant.objects.filter(pk=grant.pk).update(valid_from=past(30), valid_until=past(1))
    token = _token(client, city.client_id, city.secret)
    status, body = _lookup(client, token, person.document_number)
    assert status == 403 and body["error"] == "grant_expired"
    assert body["grant"] == grant.number and grant.number in body["message"]
    assert not AccessLogEntry.objects.exists()


def test_revoked_grant_stops_the_next_query(city, person, client):
    grant = grant_approved(city)
    token = _token(client, city.client_id, city.secret)
    assert _lookup(client, token, person.document_number)[0] == 200
    grants.grant_revoke(actor=city.stewards["GA"], number=grant.number, reason="用途已结束")
    status, body = _lookup(client, token, person.document_number)
    assert status == 403 and body["error"] == "no_grant"
    assert AccessLogEntry.objects.count() == 1


def test_grant_limited_to_another_system_does_not_cover_this_one(city, person, client):
    other = clients.client_register(
        actor=city.stewards["RS"], client_id="gz-rs-other", name="另一系统"
    )
    grants.grant_request(
        actor=city.stewards["RS"],
        resource_code="company-basic",  # unconditional: approved at once
        fields=["name"],
        purpose="social_insurance",
        legal_basis="《社会保险法》第五十七条",
        valid_from=past(0),
        valid_until=past(-30),
        client_id=other.client.client_id,
    )
    token = _token(client, city.client_id, city.secret)
    status, body = _post(
        client,
        "/exchange/v1/resources/company-basic/lookup",
        token,
        {"key": COMPANY, "purpose": "social_insurance", "case": "JC-2026-001"},
    )
    assert status == 403 and body["error"] == "no_grant"  # a valid key, refused for the grant


def test_malformed_id_is_a_clear_400(city, client):
    grant_approved(city)
    token = _token(client, city.client_id, city.secret)
    status, body = _lookup(client, token, "440105198503091230")  # wrong check digit
    assert status == 400 and body["error"] == "malformed_key"
    assert "440105198503091230" not in body["message"]  # the key is masked even in errors
    assert not AccessLogEntry.objects.exists()


def test_purpose_and_case_are_required(city, person, client):
    grant_approved(city)
    token = _token(client, city.client_id, city.secret)
    assert _lookup(client, token, person.document_number, purpose="")[1]["error"] == (
        "purpose_invalid"
    )
    assert _lookup(client, token, person.document_number, case="")[1]["error"] == "case_invalid"
    assert not AccessLogEntry.objects.exists()


def test_unknown_person_is_logged_as_not_found(city, client):
    grant_approved(city)
    token = _token(client, city.client_id, city.secret)
    status, body = _lookup(client, token, "11010519491231002X")
    assert status == 200 and body["found"] is False and body["record"] is None
    assert AccessLogEntry.objects.get().found is False


def test_batch_reads_many_logs_each_and_refuses_over_the_limit(city, client):
    grant_approved(city, fields=["name"])
    people = [rf.person(name=n) for n in ("陈一", "李二", "张三")]
    token = _token(client, city.client_id, city.secret)
    keys = [p.document_number for p in people] + ["11010519491231002X", people[0].document_number]
    status, body = _post(
        client,
        "/exchange/v1/resources/person-basic/batch",
        token,
        {"keys": keys, "purpose": "benefit_eligibility", "case": "PL-2026-11"},
    )
    assert status == 200, body
    assert [r["found"] for r in body["results"]] == [True, True, True, False]
    names = [{"name": n} for n in ("陈一", "李二", "张三")]
    assert [r["record"] for r in body["results"][:3]] == names
    assert AccessLogEntry.objects.count() == 4  # duplicates are read and logged once
    assert len({e.request_id for e in AccessLogEntry.objects.all()}) == 1
    with override_settings(CITYHALL_EXCHANGE_BATCH_LIMIT=3):
        status, body = _post(
            client,
            "/exchange/v1/resources/person-basic/batch",
            token,
            {"keys": keys, "purpose": "benefit_eligibility", "case": "PL-2026-11"},
        )
    assert status == 413 and body["error"] == "batch_too_large"
    assert AccessLogEntry.objects.count() == 4
    status, body = _post(
        client,
        "/exchange/v1/resources/person-basic/batch",
        token,
        {
            "keys": [people[0].document_number, "bad"],
            "purpose": "benefit_eligibility",
            "case": "x-1",
        },
    )
    assert status == 400 and body["error"] == "malformed_key" and "2" in body["message"]
    assert AccessLogEntry.objects.count() == 4  # one bad key refuses the whole batch


def test_rate_limit_per_client(city, person, client):
    grant_approved(city)
    ClientSystem.objects.filter(client_id=city.client_id).update(rate_limit_per_minute=2)
    token = _token(client, city.client_id, city.secret)
    assert _lookup(client, token, person.document_number)[0] == 200
    assert _lookup(client, token, person.document_number)[0] == 200
    response = client.post(
        "/exchange/v1/resources/person-basic/lookup",
        json.dumps(
            {"key": person.document_number, "purpose": "benefit_eligibility", "case": "c-1"}
        ),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 429 and int(response["Retry-After"]) <= 60
    assert AccessLogEntry.objects.count() == 2


def test_restriction_only_for_investigative_systems(city, person, client):
    grant_approved(city)
    token = _token(client, city.client_id, city.secret)
    later = (past(-90)).isoformat()
    status, body = _lookup(client, token, person.document_number, restricted_until=later)
    assert status == 403 and body["error"] == "restriction_not_allowed"
    ClientSystem.objects.filter(client_id=city.client_id).update(may_restrict=True)
    status, body = _lookup(client, token, person.document_number, restricted_until=later)
    assert status == 200
    assert str(AccessLogEntry.objects.get().restricted_until) == later


# Tokens ---------------------------------------------------------------------------------------


def test_missing_bad_and_expired_tokens(city, person, client):
    grant_approved(city)
    response = client.post(
        "/exchange/v1/resources/person-basic/lookup", "{}", content_type="application/json"
    )
    assert response.status_code == 401 and "Bearer" in response["WWW-Authenticate"]
    assert _lookup(client, "not-a-token", person.document_number)[0] == 401
    with override_settings(CITYHALL_EXCHANGE_TOKEN_SECONDS=-5):
        old = _token(client, city.client_id, city.secret)
    status, body = _lookup(client, old, person.document_number)
    assert status == 401 and body["error"] == "invalid_token" and "过期" in body["message"]
    forged = jwt.encode(
        {
            "sub": city.client_id,
            "iss": "cityhall-exchange",
            "aud": "cityhall-exchange-gateway",
            "exp": 9999999999,
            "jti": "x",
        },
        Ed25519PrivateKey.generate(),
        algorithm="EdDSA",
    )
    assert _lookup(client, forged, person.document_number)[0] == 401
    assert not AccessLogEntry.objects.exists()


def test_suspending_a_client_stops_its_tokens_at_once(city, person, client):
    grant_approved(city)
    token = _token(client, city.client_id, city.secret)
    clients.client_status_set(
        actor=city.stewards["RS"], client_id=city.client_id, status="suspended"
    )
    assert _lookup(client, token, person.document_number)[0] == 401
    response = client.post(
        TOKEN_URL,
        {
            "grant_type": "client_credentials",
            "client_id": city.client_id,
            "client_secret": city.secret,
        },
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_token_endpoint_errors_and_basic_auth(city, client):
    assert client.post(TOKEN_URL, {"grant_type": "password"}).json()["error"] == (
        "unsupported_grant_type"
    )
    wrong = client.post(
        TOKEN_URL,
        {"grant_type": "client_credentials", "client_id": city.client_id, "client_secret": "x"},
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    basic = base64.b64encode(f"{city.client_id}:{city.secret}".encode()).decode()
    ok = client.post(
        TOKEN_URL, {"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert ok.status_code == 200 and ok.json()["token_type"] == "Bearer"
    claims = jwt.decode(ok.json()["access_token"], options={"verify_signature": False})
    assert claims["sub"] == city.client_id and claims["dep"] == "440100-RS"


def test_rotation_keeps_the_old_secret_working_for_the_overlap(city, client):
    rotated = clients.client_secret_rotate(
        actor=city.stewards["RS"], client_id=city.client_id, overlap_hours=24
    )
    assert _token(client, city.client_id, city.secret)  # old still works
    assert _token(client, city.client_id, rotated.secret)
    clients.client_secret_rotate(
        actor=city.stewards["RS"], client_id=city.client_id, overlap_hours=0
    )
    response = client.post(
        TOKEN_URL,
        {
            "grant_type": "client_credentials",
            "client_id": city.client_id,
            "client_secret": city.secret,
        },
    )
    assert response.status_code == 401
    # Only hashes are stored.
    stored = list(
        ClientSystem.objects.get(client_id=city.client_id).secrets.values_list(
            "secret_hash", flat=True
        )
    )
    assert city.secret not in stored and rotated.secret not in stored


def test_private_key_jwt_assertion_cannot_be_replayed(city, client):
    key = Ed25519PrivateKey.generate()
    pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    clients.client_register(
        actor=city.stewards["RS"], client_id="gz-rs-keyed", name="密钥认证系统", public_key_pem=pem
    )
    now = datetime.now(tz=UTC)
    assertion = jwt.encode(
        {
            "iss": "gz-rs-keyed",
            "sub": "gz-rs-keyed",
            "aud": "http://testserver/exchange/v1/token",
            "exp": int((now + timedelta(minutes=2)).timestamp()),
            "jti": uuid.uuid4().hex,
        },
        key,
        algorithm="EdDSA",
    )
    body = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }
    assert client.post(TOKEN_URL, body).status_code == 200
    replay = client.post(TOKEN_URL, body)
    assert replay.status_code == 401 and "重放" in replay.json()["error_description"]


def test_jwks_verifies_issued_tokens(city, client):
    token = _token(client, city.client_id, city.secret)
    jwk = client.get("/exchange/v1/jwks.json").json()["keys"][0]
    key = jwt.PyJWK.from_dict(jwk)
    claims = jwt.decode(token, key, algorithms=["EdDSA"], audience="cityhall-exchange-gateway")
    assert claims["client_id"] == city.client_id


def test_resources_lists_what_the_caller_is_granted(city, client):
    grant = grant_approved(city, fields=["name"])
    token = _token(client, city.client_id, city.secret)
    response = client.get("/exchange/v1/resources", headers={"Authorization": f"Bearer {token}"})
    by_code = {r["code"]: r for r in response.json()["resources"]}
    assert by_code["person-basic"]["grants"][0]["grant"] == grant.number
    assert by_code["person-basic"]["grants"][0]["fields"] == ["name"]
    assert by_code["person-employment"]["own"] is True
    assert by_code["person-contributions"]["grants"] == []


def test_a_token_verified_once_is_still_refused_when_suspended_or_expired(
    city, person, client, monkeypatch
):
    # The gateway keeps the tokens it has verified (signature, issuer, audience), but reads the
    # client's status and checks the expiry on every request.
    grant_approved(city)
    token = _token(client, city.client_id, city.secret)
    assert _lookup(client, token, person.document_number)[0] == 200
    assert any(cached == token for _kid, cached in clients._VERIFIED)
    ClientSystem.objects.filter(client_id=city.client_id).update(status="suspended")
    status, body = _lookup(client, token, person.document_number)
    assert status == 401 and body["error"] == "invalid_token"
    ClientSystem.objects.filter(client_id=city.client_id).update(status="active")
    assert _lookup(client, token, person.document_number)[0] == 200
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    monkeypatch.setattr(clients, "_clock", lambda: expires)
    status, body = _lookup(client, token, person.document_number)
    assert status == 401 and "过期" in body["message"]
    assert AccessLogEntry.objects.count() == 2


def test_a_verified_token_does_not_outlive_its_signing_key(city, person, client):
    grant_approved(city)
    token = _token(client, city.client_id, city.secret)
    assert _lookup(client, token, person.document_number)[0] == 200
    other_key = base64.b64encode(b"\x07" * 32).decode()
    with override_settings(CITYHALL_EXCHANGE_SIGNING_KEY=other_key):
        status, body = _lookup(client, token, person.document_number)
    assert status == 401 and body["error"] == "invalid_token"
    assert _lookup(client, token, person.document_number)[0] == 200


def test_the_verified_token_cache_stays_bounded(city, person, client, monkeypatch):
    grant_approved(city)
    monkeypatch.setattr(clients, "_VERIFIED", {("k", f"t{i}"): ("x", 0) for i in range(3)})
    monkeypatch.setattr(clients, "_VERIFIED_LIMIT", 3)
    token = _token(client, city.client_id, city.secret)
    assert _lookup(client, token, person.document_number)[0] == 200
    assert [cached for _kid, cached in clients._VERIFIED] == [token]  # the expired ones went
