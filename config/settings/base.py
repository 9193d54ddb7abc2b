"""Settings shared by every environment; every knob comes from an environment variable."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Development default only: config.settings.production refuses to start without a real key.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-do-not-deploy")
# Keys for personal data at rest: "id:secret" pairs, the first one seals new values, the others
# still open old ones until `manage.py crypto_rotate` has re-sealed everything. The blind-index key
# is separate (rotating it means rebuilding the indexes). Development defaults only.
FIELD_ENCRYPTION_KEYS = [
    tuple(pair.split(":", 1))
    for pair in env.list(
        "CITYHALL_FIELD_KEYS", default=["dev1:dev-only-field-key-0123456789abcdef"]
    )
]
BLIND_INDEX_KEY = env.str("CITYHALL_INDEX_KEY", default="dev-only-index-key-0123456789abcdef")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "cityhall.identity.admin_config.CityHallAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "cityhall.core",
    "cityhall.geo",
    "cityhall.identity",
    "cityhall.notify",
    "cityhall.registry",
    "cityhall.catalog",
    "cityhall.applications",
    "cityhall.hotline",
    "cityhall.exchange",
    "cityhall.participation",
    "cityhall.cloud",
    "cityhall.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "cityhall.identity.middleware.StaffVerificationMiddleware",
    "cityhall.identity.middleware.CardSessionMiddleware",
    "cityhall.core.middleware.DomainErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cityhall.portal.context_processors.layout",
            ],
        },
    },
]

# DATABASE_URL unset: an SQLite file under var/. PostgreSQL: DATABASE_URL=postgres://user@host/db
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'cityhall.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions and a busy timeout stop "database is locked" between the web
    # threads and the embedded scheduler; WAL lets readers run beside the one writer.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "identity.Account"
AUTHENTICATION_BACKENDS = ["cityhall.identity.backends.AccountBackend"]
LOGIN_URL = "identity:signin"
LOGIN_REDIRECT_URL = "portal:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in lockout: this many failures within the window lock the account for the lock period.
SIGNIN_MAX_FAILURES = env.int("CITYHALL_SIGNIN_MAX_FAILURES", default=5)
SIGNIN_FAILURE_WINDOW_MINUTES = env.int("CITYHALL_SIGNIN_FAILURE_WINDOW_MINUTES", default=15)
SIGNIN_LOCK_MINUTES = env.int("CITYHALL_SIGNIN_LOCK_MINUTES", default=15)
OTP_TOTP_ISSUER = "CityHall 广州"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("CITYHALL_MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=8 * 3600)
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Exchange (一网): the Ed25519 key that signs gateway access tokens and access-log checkpoints
# (base64 of 32 bytes; development derives one from SECRET_KEY, production requires its own).
CITYHALL_EXCHANGE_SIGNING_KEY = env.str("CITYHALL_EXCHANGE_SIGNING_KEY", default="")
CITYHALL_EXCHANGE_TOKEN_SECONDS = env.int("CITYHALL_EXCHANGE_TOKEN_SECONDS", default=600)
CITYHALL_EXCHANGE_BATCH_LIMIT = env.int("CITYHALL_EXCHANGE_BATCH_LIMIT", default=1000)

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://cityhall")}

# Mail: console in development, SMTP (EMAIL_URL=smtp://…) in production.
vars().update(env.email("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CityHall <noreply@cityhall.localhost>")
# SMS gateway adapter; the outbox backend stores messages locally for development and demos.
NOTIFY_SMS_BACKEND = env.str("CITYHALL_SMS_BACKEND", default="cityhall.notify.sms.OutboxSmsBackend")

# Background work. CELERY_BROKER_URL unset = embedded mode: tasks run in-process (eagerly) and the
# periodic schedule is fired by Celery's beat running in a thread of `manage.py serve`.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CITYHALL_EMBEDDED_TASKS = not CELERY_BROKER_URL
if CITYHALL_EMBEDDED_TASKS:
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE = {
    "notify-retry-deliveries": {
        "task": "cityhall.notify.tasks.deliveries_retry",
        "schedule": 300.0,
    },
    "applications-supervision-sweep": {
        "task": "cityhall.applications.tasks.supervision_sweep",
        "schedule": env.float("CITYHALL_SUPERVISION_SWEEP_SECONDS", default=600.0),
    },
    "hotline-deadline-sweep": {
        "task": "cityhall.hotline.tasks.deadline_sweep",
        "schedule": env.float("CITYHALL_HOTLINE_SWEEP_SECONDS", default=300.0),
    },
    # 一网: sign the access log's tip every few minutes; cross-check last month's data on the
    # 5th, after the month's contribution and benefit files are in.
    "exchange-access-log-checkpoint": {
        "task": "cityhall.exchange.tasks.access_log_checkpoint",
        "schedule": env.float("CITYHALL_EXCHANGE_CHECKPOINT_SECONDS", default=300.0),
    },
    "exchange-crosschecks": {
        "task": "cityhall.exchange.tasks.crosschecks_run_all",
        "schedule": crontab(minute=0, hour=3, day_of_month=5),
    },
    # 领导信箱: remind the handling unit of letters due soon, and it and supervisors of overdue
    # ones.
    "participation-letter-sweep": {
        "task": "cityhall.participation.tasks.letter_sweep",
        "schedule": env.float("CITYHALL_LETTER_SWEEP_SECONDS", default=3600.0),
    },
    "hotline-classifier-retrain": {
        "task": "cityhall.hotline.tasks.classifier_retrain",
        "schedule": env.float("CITYHALL_HOTLINE_RETRAIN_SECONDS", default=7 * 24 * 3600.0),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # SpiffWorkflow logs every task state change at INFO: far too much for a city's traffic.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "spiff": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50

# 一台: the share of an item's time limit after which e-supervision shows a yellow card, the
# working days a unit has to rectify a bad rating, the largest accepted upload, and the public
# address printed (as a QR code) on e-certificates for their verify page.
CITYHALL_SUPERVISION_YELLOW_SHARE = env.float("CITYHALL_SUPERVISION_YELLOW_SHARE", default=0.8)
CITYHALL_RECTIFICATION_DAYS = env.int("CITYHALL_RECTIFICATION_DAYS", default=5)
CITYHALL_UPLOAD_MAX_BYTES = env.int("CITYHALL_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
CITYHALL_PUBLIC_URL = env.str("CITYHALL_PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/")

# 12345: hours allowed for urgent tickets whose category sets none; duplicate search radius
# (metres) and window (days).
CITYHALL_HOTLINE_URGENT_HOURS = env.int("CITYHALL_HOTLINE_URGENT_HOURS", default=24)
CITYHALL_HOTLINE_DUPLICATE_RADIUS_M = env.float(
    "CITYHALL_HOTLINE_DUPLICATE_RADIUS_M", default=200.0
)
CITYHALL_HOTLINE_DUPLICATE_DAYS = env.int("CITYHALL_HOTLINE_DUPLICATE_DAYS", default=7)
# The SMS gateway signs each inbound-message webhook with HMAC-SHA256 under this secret.
CITYHALL_SMS_WEBHOOK_SECRET = env.str("CITYHALL_SMS_WEBHOOK_SECRET", default="dev-only-sms-secret")
SITE_NAME = _("广州市民政务服务平台")

# 一卡: social security cards at kiosks and windows.
CITYHALL_CARD_MAX_PIN_FAILURES = env.int("CITYHALL_CARD_MAX_PIN_FAILURES", default=3)
# A card session at a kiosk ends after this long without a request (the page's own timer
# signs out a little earlier and warns first).
CITYHALL_KIOSK_IDLE_SECONDS = env.int("CITYHALL_KIOSK_IDLE_SECONDS", default=120)
CITYHALL_KIOSK_HOME = "/kiosk/"
# What a card session may reach: the kiosk's pages, static files and the language switch.
CITYHALL_KIOSK_PATHS = ("/kiosk/", "/static/", "/i18n/")

# 市民云盘: the space and the number of files each citizen may keep. The size of one file and
# the accepted types are those of every upload (CITYHALL_UPLOAD_MAX_BYTES; PDF, JPEG, PNG).
CITYHALL_CLOUD_QUOTA_BYTES = env.int("CITYHALL_CLOUD_QUOTA_BYTES", default=50 * 1024 * 1024)
CITYHALL_CLOUD_MAX_FILES = env.int("CITYHALL_CLOUD_MAX_FILES", default=200)

# 政民互动: how often one account may write, per action: (count, seconds). A comment a minute
# apart is conversation; ten in a minute is flooding.
CITYHALL_PARTICIPATION_RATE_LIMITS: dict[str, tuple[int, int]] = {
    "comment": (5, 60),  # consultation comments
    "support": (30, 60),  # supporting others' comments
    "letter": (3, 3600),  # leader-mailbox letters
    "survey": (10, 60),  # survey answers (each survey once anyway)
    "post": (5, 60),  # board posts and replies
}
