"""Absolute addresses for links that leave the site (messages, e-mails, SMS, printed codes)."""

from django.conf import settings


def public_url(path: str) -> str:
    """The page at `path` (as reverse() gives it) on the city's public address."""
    return f"{settings.CITYHALL_PUBLIC_URL}{path}"
