"""Open311 API keys: issued once in clear, stored only as a SHA-256 hash.

A key is 43 URL-safe characters (256 random bits). Its first 8 characters are stored as
`key_prefix` so staff can tell keys apart and so a lookup can find the candidate rows without
comparing secrets in the database; the hash is then compared in constant time.
"""

import hashlib
import hmac
import secrets

from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.core.errors import DomainError
from cityhall.hotline.models import Open311Client

PREFIX_LENGTH = 8


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def open311_client_create(*, name: str) -> tuple[Open311Client, str]:
    """Register an outside system and return it with its new key (shown once, never stored)."""
    name = name.strip()
    if not name:
        raise DomainError(_("请填写接入方名称"), code="name_required")
    key = secrets.token_urlsafe(32)
    client = Open311Client.objects.create(
        name=name[:100], key_prefix=key[:PREFIX_LENGTH], key_hash=_digest(key)
    )
    return client, key


def open311_client_for_key(key: str) -> Open311Client | None:
    """The active client this key belongs to (and note that it was used), or None."""
    key = key.strip()
    if len(key) <= PREFIX_LENGTH:
        return None
    digest = _digest(key)
    found = None
    for client in Open311Client.objects.filter(key_prefix=key[:PREFIX_LENGTH], is_active=True):
        if hmac.compare_digest(client.key_hash, digest):
            found = client
    if found is None:
        return None
    found.last_used_at = timezone.now()
    # update() rather than save(): only the timestamp changes, and updated_at keeps meaning
    # "the client's settings changed".
    Open311Client.objects.filter(pk=found.pk).update(last_used_at=found.last_used_at)
    return found
