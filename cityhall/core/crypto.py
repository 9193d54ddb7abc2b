"""Encryption at rest and keyed blind indexes for personal data (ID numbers, phone numbers).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, random IV), so equal plaintexts give
different ciphertexts; exact-match lookups go through an HMAC-SHA256 blind index instead. Both keys
are derived from settings.FIELD_ENCRYPTION_KEY with distinct labels.
"""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _derive(label: bytes) -> bytes:
    return hmac.new(settings.FIELD_ENCRYPTION_KEY.encode(), label, hashlib.sha256).digest()


@cache
def _fernet(master: str) -> Fernet:
    del master  # part of the cache key only: a changed key in tests gives a new Fernet
    return Fernet(base64.urlsafe_b64encode(_derive(b"cityhall.field-encryption.v1")))


def encrypt(plaintext: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("encrypted value cannot be decrypted with the configured key") from exc


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed index of a normalised value; `purpose` keeps indexes of different fields unrelated."""
    key = _derive(b"cityhall.blind-index.v1:" + purpose.encode())
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """4401**********123X: keeps the city prefix and the last four characters."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """138****0000."""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
