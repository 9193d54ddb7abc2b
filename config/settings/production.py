"""Production: no default secrets, secure cookies, Redis broker and cache expected."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import MIDDLEWARE, env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
FIELD_ENCRYPTION_KEYS = [
    tuple(pair.split(":", 1)) for pair in env.list("CITYHALL_FIELD_KEYS", default=[])
]
BLIND_INDEX_KEY = env.str("CITYHALL_INDEX_KEY", default="")
if not SECRET_KEY or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production")
if not FIELD_ENCRYPTION_KEYS or any(
    len(pair) != 2 or pair[1].startswith("dev-only") for pair in FIELD_ENCRYPTION_KEYS
):
    raise ImproperlyConfigured('CITYHALL_FIELD_KEYS must be set in production ("id:secret,…")')
if not BLIND_INDEX_KEY or BLIND_INDEX_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("CITYHALL_INDEX_KEY must be set in production")
CITYHALL_SMS_WEBHOOK_SECRET = env.str("CITYHALL_SMS_WEBHOOK_SECRET", default="")
if not CITYHALL_SMS_WEBHOOK_SECRET or CITYHALL_SMS_WEBHOOK_SECRET.startswith("dev-only"):
    raise ImproperlyConfigured("CITYHALL_SMS_WEBHOOK_SECRET must be set in production")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Static files straight from the web process (hashed names, compressed), right after security.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
if not CITYHALL_EXCHANGE_SIGNING_KEY:  # noqa: F405
    raise ImproperlyConfigured(
        "CITYHALL_EXCHANGE_SIGNING_KEY must be set in production (base64 of 32 random bytes)"
    )
