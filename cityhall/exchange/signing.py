"""The exchange's signing key (Ed25519): access tokens (JWT, EdDSA) and log checkpoints.

The key comes from CITYHALL_EXCHANGE_SIGNING_KEY (a base64 32-byte seed); development derives
one from SECRET_KEY and production refuses to start without its own. Department systems verify
tokens and checkpoints with the public key published at /exchange/v1/jwks.json.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private: Ed25519PrivateKey
    public: Ed25519PublicKey
    public_raw: bytes


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@cache
def _key_from(seed_setting: str, secret_key: str) -> SigningKey:
    if seed_setting:
        seed = base64.b64decode(seed_setting)
        if len(seed) != 32:
            raise ValueError("CITYHALL_EXCHANGE_SIGNING_KEY must be 32 bytes, base64-encoded")
    else:
        seed = hmac.new(secret_key.encode(), b"cityhall.exchange.signing.v1", "sha256").digest()
    private = Ed25519PrivateKey.from_private_bytes(seed)
    public = private.public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return SigningKey(hashlib.sha256(raw).hexdigest()[:16], private, public, raw)


def signing_key() -> SigningKey:
    return _key_from(settings.CITYHALL_EXCHANGE_SIGNING_KEY, settings.SECRET_KEY)


def jwks() -> dict[str, list[dict[str, str]]]:
    """The public key as a JSON Web Key Set (RFC 8037 OKP key)."""
    key = signing_key()
    return {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": _b64url(key.public_raw),
                "kid": key.key_id,
                "alg": "EdDSA",
                "use": "sig",
            }
        ]
    }


def sign(message: bytes) -> str:
    return base64.b64encode(signing_key().private.sign(message)).decode()


def signature_valid(message: bytes, signature: str, key_id: str) -> bool:
    key = signing_key()
    if key_id != key.key_id:
        return False
    try:
        key.public.verify(base64.b64decode(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True
