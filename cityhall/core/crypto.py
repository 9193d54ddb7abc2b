"""Encryption at rest and keyed blind indexes for personal data (ID numbers, phone numbers).

Values are sealed with AES-256-GCM (AEAD, random 96-bit nonce) under a versioned key, with the
column's name as associated data, so a ciphertext copied into another column does not decrypt.
The stored form is `<key id>$<base64url(nonce || ciphertext || tag)>`; decryption picks the key by
its id, so keys rotate by adding a new current key and re-sealing (`manage.py crypto_rotate`).

Exact-match lookups go through an HMAC-SHA256 blind index under a separate key; both keys come
from the environment, never from the database.
"""

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

NONCE_BYTES = 12


@dataclass(frozen=True)
class _Keyring:
    current_id: str
    ciphers: dict[str, AESGCM]
    index_key: bytes


def _stretch(secret: str, label: bytes) -> bytes:
    # Secrets arrive as arbitrary strings; derive fixed-size keys with distinct labels.
    return hmac.new(secret.encode(), label, hashlib.sha256).digest()


@cache
def _keyring(field_keys: tuple[tuple[str, str], ...], index_secret: str) -> _Keyring:
    if not field_keys:
        raise ValueError("no field encryption key configured (CITYHALL_FIELD_KEYS)")
    ciphers = {
        key_id: AESGCM(_stretch(secret, b"cityhall.field-encryption.v1"))
        for key_id, secret in field_keys
    }
    return _Keyring(field_keys[0][0], ciphers, _stretch(index_secret, b"cityhall.blind-index.v1"))


_last: tuple[object, object, _Keyring] | None = None


def keyring() -> _Keyring:
    """The keyring for the current settings (re-derived only when the settings objects change:
    imports seal millions of values, tests swap keys)."""
    global _last
    keys, index = settings.FIELD_ENCRYPTION_KEYS, settings.BLIND_INDEX_KEY
    if _last is None or _last[0] is not keys or _last[1] is not index:
        _last = (keys, index, _keyring(tuple(tuple(k) for k in keys), index))
    return _last[2]


def current_key_id() -> str:
    return keyring().current_id


def key_id_of(token: str) -> str:
    return token.split("$", 1)[0]


def encrypt(plaintext: str, *, context: str) -> str:
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.ciphers[ring.current_id].encrypt(nonce, plaintext.encode(), context.encode())
    return f"{ring.current_id}${base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, context: str) -> str:
    key_id, _sep, body = token.partition("$")
    cipher = keyring().ciphers.get(key_id)
    if cipher is None:
        raise ValueError(f"value sealed with unknown key {key_id!r}: add it to CITYHALL_FIELD_KEYS")
    raw = base64.urlsafe_b64decode(body.encode())
    try:
        return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
    except InvalidTag as exc:
        raise ValueError(
            "encrypted value failed authentication (tampered or wrong column)"
        ) from exc


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed index of a normalised value; `purpose` keeps indexes of different fields unrelated."""
    message = purpose.encode() + b"\x00" + value.strip().upper().encode()
    return hmac.new(keyring().index_key, message, hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """440105********1234: keeps the district code and the last four characters."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """138****0000."""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """陈*明 / 陈*: the first character (and the last, for names of three or more) stay."""
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]
