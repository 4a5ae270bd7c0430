"""motcua settings, read from the environment by django-environ.

Every variable read here is listed, with its default, in `.env.example`.
Defaults serve a laptop: SQLite under var/, the database cache (shared by every
process), Celery on a filesystem broker under var/broker, DEBUG off unless asked for.
`DJANGO_MODE=production` switches on the deploy checks: it refuses to start
without ALLOWED_HOSTS or a strong SECRET_KEY and passes `manage.py check --deploy`.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
# A .env file beside manage.py is read if present (never committed).
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# VAR_DIR: the folder of the embedded defaults (SQLite database, filesystem broker, uploads, mail files,
# beat's pid file); var/ beside manage.py unless set (the served-stack tests run in a temp copy).
VAR_DIR = Path(env.str("VAR_DIR", default="") or BASE_DIR / "var").resolve()

# DJANGO_MODE: "development" (default) or "production".
MODE = env.str("DJANGO_MODE", default="development")
PRODUCTION = MODE == "production"

# DEBUG: off unless asked for; never on in production.
DEBUG = env.bool("DEBUG", default=False) and not PRODUCTION

# SECRET_KEY: required in production, and strong there (Django's deploy-check thresholds: at least
# 50 characters, 5 distinct ones, not "django-insecure-…", not the development key); a fixed,
# clearly unsafe key otherwise. `python -c "import secrets; print(secrets.token_urlsafe(64))"` makes one.
DEV_SECRET_KEY = "dev-insecure-motcua-key-do-not-use-in-production-0123456789abcdef"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_MODE=production")
    SECRET_KEY = DEV_SECRET_KEY
if PRODUCTION and (
    len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
    or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
    or SECRET_KEY.startswith(SECRET_KEY_INSECURE_PREFIX)
    or SECRET_KEY == DEV_SECRET_KEY
):
    raise ImproperlyConfigured(
        f"SECRET_KEY is too weak for DJANGO_MODE=production: use at least {SECRET_KEY_MIN_LENGTH} random "
        f"characters ({SECRET_KEY_MIN_UNIQUE_CHARACTERS} or more distinct), not prefixed with "
        f"'{SECRET_KEY_INSECURE_PREFIX}' and not the development key, e.g. the output of "
        '`python -c "import secrets; print(secrets.token_urlsafe(64))"`'
    )

# ALLOWED_HOSTS: comma-separated; required in production.
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_MODE=production")
if PRODUCTION and "localhost" not in ALLOWED_HOSTS:
    # The container health check calls http://localhost:8000/healthz from inside.
    ALLOWED_HOSTS.append("localhost")
# CSRF_TRUSTED_ORIGINS: comma-separated origins (https://motcua.example.gov.vn) behind a proxy.
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# SITE_URL: the public base URL, used in QR codes on receipts, in notifications and as the demo payment
# gateway's return address. Unset, it is the address `make run` serves: http://HOST:PORT (the same HOST and PORT
# the Makefile gives gunicorn; 127.0.0.1 and 8000 by default; a wildcard HOST is reached on 127.0.0.1).
# The Makefile passes SITE_URL itself to the Procfile, because honcho gives each process its own PORT.
_serve_host = env.str("HOST", default="127.0.0.1")
_serve_host = "127.0.0.1" if _serve_host in ("", "0.0.0.0", "::", "[::]") else _serve_host
SITE_URL = env.str("SITE_URL", default="") or f"http://{_serve_host}:{env.int('PORT', default=8000)}"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "simple_history",
    "portal",
    "campaigns",
    "dossiers",
    "postal",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every answer (django-csp; the policy is below).
    "csp.middleware.CSPMiddleware",
    # Before anything reads a body: bodies over their limit are a 413 (portal/body_limits.py).
    "portal.body_limits.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A path with a NUL character is a 404 (PostgreSQL text cannot hold one: the views would answer 500).
    "portal.middleware.NulPathMiddleware",
    # A citizen's notice banner defaults to the province of their latest dossier.
    "dossiers.notice_province.CitizenNoticeProvinceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A form sent after the session expired: its fields wait for the new login (portal/expired_session.py).
    "portal.expired_session.ExpiredSessionFormMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # AxesMiddleware last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "portal.context_processors.site",
                "campaigns.context_processors.notices",
            ],
        },
    },
]

# DATABASE_URL: e.g. postgres://postgres@127.0.0.1:5432/motcua; default SQLite under var/.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'motcua.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # DB_POOL: psycopg connection pooling (on by default for PostgreSQL).
    if env.bool("DB_POOL", default=True):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            # DB_POOL_MAX: the most connections one process keeps.
            "min_size": 1,
            "max_size": env.int("DB_POOL_MAX", default=10),
        }
        DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # The embedded SQLite is shared by several processes (two gunicorn workers, the Celery worker's children,
    # beat). A deferred transaction that reads and then writes fails at once with "database is locked" when
    # another process writes meanwhile (SQLite does not wait there, to avoid a deadlock): the worker's outbox
    # sends and notifications failed that way under the served stack. IMMEDIATE takes the write lock when the
    # transaction begins, so a writer waits its turn (up to `timeout` seconds) instead; WAL lets readers go on
    # while one process writes. synchronous=NORMAL is WAL's usual pairing (durable at checkpoints, never corrupt).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "portal.User"

# REDIS_URL: e.g. redis://127.0.0.1:6379/0; when set, Redis is the cache and the Celery broker.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # portal.cache.ResilientRedisCache: Django's RedisCache, but a Redis outage degrades to no cache, not to 500s.
    CACHES = {"default": {"BACKEND": "portal.cache.ResilientRedisCache", "LOCATION": REDIS_URL}}
else:
    # Without Redis: portal.cache.SharedDatabaseCache (Django's database cache, with an `incr` that loses no count),
    # in the table `motcua_cache` of DATABASES["default"] (created by
    # `migrate`, portal/apps.py). Every process reads the same rows (each gunicorn worker, every Celery child,
    # beat; every machine when the database is PostgreSQL), so the campaign policy's version key, the calendar
    # version, throttles and the worker's heartbeat agree everywhere. Never a per-process local-memory cache.
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.SharedDatabaseCache",
            "LOCATION": "motcua_cache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on (portal/oidc/): signs in only from its own callback, and only with OIDC_ISSUER set.
    "portal.oidc.backend.SSOBackend",
]

# Django's rules with Vietnamese messages (Django's vi catalogue lacks some of its current ones).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "portal.password_validators.UserAttributeSimilarityValidator"},
    {"NAME": "portal.password_validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "portal.password_validators.CommonPasswordValidator"},
    {"NAME": "portal.password_validators.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Single sign-on through an OpenID Connect provider (the national identity's SSO in production; the local
# provider of idp/ under `make run`), read in portal/oidc/ (mozilla-django-oidc underneath).
# OIDC_ISSUER: the provider's issuer URL; its endpoints come from <issuer>/.well-known/openid-configuration,
#   fetched when a sign-in needs them and kept in the shared cache for OIDC_DISCOVERY_CACHE_SECONDS. Empty:
#   no SSO button, the SSO URLs answer 404, nothing else changes.
# OIDC_CLIENT_ID / OIDC_CLIENT_SECRET: motcua's registration at the provider (a confidential client; the
#   secret is sent to the token endpoint only, never logged or shown).
# OIDC_NATIONAL_ID_CLAIM: the claim carrying the 12-digit personal identification number (số định danh cá
#   nhân); accounts are matched by it (and, once linked, by the provider's `sub`), never by e-mail.
# OIDC_SCOPES: the scopes asked for; OIDC_TIMEOUT: seconds per call to the provider.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="").rstrip("/")
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_NATIONAL_ID_CLAIM = env.str("OIDC_NATIONAL_ID_CLAIM", default="national_id")
OIDC_SCOPES = env.str("OIDC_SCOPES", default="openid profile email phone")
OIDC_DISCOVERY_CACHE_SECONDS = env.int("OIDC_DISCOVERY_CACHE_SECONDS", default=3600)
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10)
if PRODUCTION and OIDC_ISSUER and not (OIDC_CLIENT_ID and OIDC_CLIENT_SECRET):
    raise ImproperlyConfigured("OIDC_ISSUER is set: OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set too")
# mozilla-django-oidc's own names, derived from the above: authorization code flow with PKCE (S256), state and
# nonce, RS256 ID tokens checked against the provider's JWKS (audience and issuer too, portal/oidc/backend.py),
# the client secret sent by HTTP Basic to the token endpoint, logout at the provider's end_session_endpoint.
OIDC_RP_CLIENT_ID = OIDC_CLIENT_ID
OIDC_RP_CLIENT_SECRET = OIDC_CLIENT_SECRET
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = OIDC_SCOPES
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TOKEN_USE_BASIC_AUTH = True
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc:callback"
OIDC_OP_LOGOUT_URL_METHOD = "portal.oidc.provider.logout_url"

# Login lockout (django-axes, portal/lockout.py). Counted per username (from any address) and per
# client address, never per pair: AXES_FAILURE_LIMIT failures lock the username, AXES_IP_FAILURE_LIMIT
# failures from one address (any usernames) lock the address. The cool-off is AXES_COOLOFF_MINUTES,
# doubled for each further lockout of the username within a day, at most AXES_COOLOFF_MAX_MINUTES;
# the locked page links to the password reset, which unlocks at once. The client address is the real
# one behind NUM_PROXIES reverse proxies (portal/client_address.py, shared with every other limit).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_IP_FAILURE_LIMIT = env.int("AXES_IP_FAILURE_LIMIT", default=20)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=30)
AXES_COOLOFF_MAX_MINUTES = env.int("AXES_COOLOFF_MAX_MINUTES", default=24 * 60)
AXES_COOLOFF_TIME = "portal.lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "portal.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "portal.client_address.client_address"
# Each failure is logged (the growing cool-off counts the lockouts); tries during a lockout neither
# count nor prolong it.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
# The API gets a JSON 429, pages the template above (portal/lockout.py).
AXES_LOCKOUT_CALLABLE = "portal.lockout.lockout_response"

# Sessions and cookies.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A form posted with an expired session or a stale token gets a Vietnamese page that says what was lost and why.
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp) on every page: scripts, styles, images, fonts and requests
# from our own origin only (Chart.js and Swagger UI are served from our static files), no plug-ins,
# no framing, no <base> elsewhere. No inline script runs: scripts are static files (js/print.js,
# js/reports.js), and Swagger UI is served as the split view (its script a URL of its own).
# Inline styles stay allowed (style attributes of the admin and a few printables; a style cannot
# run code). No form-action: online payment redirects a form post to the gateway's origin.
# Uploaded files carry a stricter policy of their own (dossiers/serving.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # SECURE_SSL_REDIRECT: redirect http to https (on in production unless a proxy does it).
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Language and time: Vietnamese first, English available; stored in UTC, shown in Asia/Ho_Chi_Minh.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
FORMAT_MODULE_PATH = ["portal.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# MEDIA_ROOT: where uploaded dossier documents are stored (never served directly).
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Chữ ký số (portal/signing/): the signing keys are kept outside the database, never logged or shown.
# SIGNING_DIR: the folder of the keys: one PKCS#12 per agency, `agencies/<agency code>.p12` (key, certificate and
# its chain); in production a volume of its own, readable by the web and worker processes only. `manage.py
# setup_signing` (run by `load_demo`) creates a demo CA here (`ca.pem`, `ca-key.pem`) and the missing agencies'
# files, keeping the existing ones.
SIGNING_DIR = Path(env.str("SIGNING_DIR", default="") or VAR_DIR / "signing")
# SIGNING_CA_CERT: the trusted root (PEM) a result's certificate must chain to, e.g. the certificate of the
# government CA that issues the agencies' certificates; a result signed under any other root is invalid.
SIGNING_CA_CERT = Path(env.str("SIGNING_CA_CERT", default="") or SIGNING_DIR / "ca.pem")
# SIGNING_KEY_PASSPHRASE: the passphrase of the agencies' PKCS#12 files (and of the demo CA's key); required in
# production (without it nothing is signed); a fixed demo passphrase otherwise.
SIGNING_KEY_PASSPHRASE = env.str("SIGNING_KEY_PASSPHRASE", default="") or ("" if PRODUCTION else "motcua-demo-signing")
# SIGNING_STAMP_FONT: a TrueType font with Vietnamese glyphs for the visible signature block (Debian's
# fonts-dejavu-core); when the file is missing the block is written without diacritics.
SIGNING_STAMP_FONT = env.str("SIGNING_STAMP_FONT", default="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# SIGNING_VERIFY_MAX_BYTES: the largest file (request body) the public verification, page and API, accepts.
SIGNING_VERIFY_MAX_BYTES = env.int("SIGNING_VERIFY_MAX_BYTES", default=10 * 1024 * 1024)
# The verification page (dossiers/pages/verify.py): VERIFY_PAGE_CHECKS checks or QR look-ups per client per
# VERIFY_PAGE_WINDOW seconds (the API's own rate is VERIFY_RATE).
VERIFY_PAGE_CHECKS = env.int("VERIFY_PAGE_CHECKS", default=30)
VERIFY_PAGE_WINDOW = env.int("VERIFY_PAGE_WINDOW", default=600)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Outside production whitenoise serves straight from the app and static folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = not PRODUCTION

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api_auth.TokenAuthentication",  # DRF's, its statement written once (issue 18)
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # JSON bodies go through portal/jsonsafe.py: bounded depth, finite numbers, no lone surrogates (400 otherwise).
    "DEFAULT_PARSER_CLASSES": [
        "portal.jsonsafe.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # drf-spectacular's, plus the error answers every view shares (400/401/403/404/409/413/415/429, their shapes).
    "DEFAULT_SCHEMA_CLASS": "portal.schema.AutoSchema",
    "EXCEPTION_HANDLER": "portal.errors.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        # TRACKING_RATE: public tracking look-ups per client IP.
        "tracking": env.str("TRACKING_RATE", default="30/min"),
        "register": env.str("REGISTER_RATE", default="20/hour"),
        # VERIFY_RATE: verifications of a signed e-result (POST /api/v1/results/verify/) per client IP.
        "verify": env.str("VERIFY_RATE", default="30/min"),
    },
    # NUM_PROXIES: reverse proxies in front of the app (1 behind nginx). 0 = the client is REMOTE_ADDR and
    # X-Forwarded-For is ignored, so a forged header cannot buy a fresh throttle allowance.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
# Public tracking page (dossiers/pages/public.py): TRACKING_PAGE_LOOKUPS look-ups per client per
# TRACKING_PAGE_WINDOW seconds; and, page and API (dossiers/tracking.py, counted in the database):
# TRACKING_CLIENT_FAILURES wrong answers per TRACKING_CLIENT_WINDOW seconds stop that client's look-ups.
TRACKING_PAGE_LOOKUPS = env.int("TRACKING_PAGE_LOOKUPS", default=20)
TRACKING_PAGE_WINDOW = env.int("TRACKING_PAGE_WINDOW", default=600)
TRACKING_CLIENT_FAILURES = env.int("TRACKING_CLIENT_FAILURES", default=10)
TRACKING_CLIENT_WINDOW = env.int("TRACKING_CLIENT_WINDOW", default=3600)

SPECTACULAR_SETTINGS = {
    "TITLE": "motcua API",
    "DESCRIPTION": "Cổng dịch vụ công trực tuyến: thủ tục, hồ sơ, bưu chính công ích, đợt áp dụng biện pháp.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files (drf-spectacular-sidecar), no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets whose field names (kind, status) other apps use too: named explicitly.
    "ENUM_NAME_OVERRIDES": {
        "PostalOrderKindEnum": "postal.models.PostalOrder.Kind",
        "PostalOrderStatusEnum": "postal.models.PostalOrder.Status",
        "DossierStatusEnum": "dossiers.models.Status",
        "OutcomeEnum": "dossiers.models.Outcome",
        "StepOutcomeEnum": "dossiers.models.StepOutcome",
    },
}

# Celery. With REDIS_URL the broker is Redis; without it an embedded filesystem broker
# (kombu's filesystem transport over var/broker) lets `make run` run a real worker and beat.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # broadcast (pidbox) messages, kept under var/ too
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# CELERY_TASK_ALWAYS_EAGER: run tasks inline (tests, or a demo without a worker).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The beat schedule lives here, in code; django-celery-beat adds admin-managed entries.
CELERY_BEAT_SCHEDULE = {
    "dossiers-sweep-deadlines": {
        "task": "dossiers.tasks.sweep_deadlines",
        "schedule": 60.0,
        "kwargs": {"batch_size": 500},
    },
    "portal-drain-outbox": {
        "task": "portal.tasks.drain_outbox",
        "schedule": 60.0,
        "kwargs": {"batch_size": 500},
    },
    "postal-sweep-sla": {
        "task": "postal.tasks.sweep_postal_sla",
        "schedule": 60.0,
        "kwargs": {"batch_size": 500},
    },
    "postal-deliver-webhooks": {
        "task": "postal.tasks.deliver_pending_webhooks",
        "schedule": 60.0,
        "kwargs": {"batch_size": 100},
    },
    "portal-heartbeat": {
        "task": "portal.tasks.heartbeat",
        "schedule": crontab(minute="*/5"),
    },
    "campaigns-sweep": {
        "task": "campaigns.tasks.sweep_campaigns",
        "schedule": 60.0,
    },
    # Issue 13 (seed 001): a campaign's report_due reminder, two working days before, once.
    "dossiers-remind-campaign-reports": {
        "task": "dossiers.tasks.remind_campaign_reports",
        "schedule": crontab(minute="*/15"),
    },
    "reports-refresh-daily-stats": {
        "task": "reports.tasks.refresh_daily_stats",
        "schedule": crontab(minute="*/5"),
        "kwargs": {"days": 2},
    },
    "reports-settle-daily-stats": {
        "task": "reports.tasks.settle_daily_stats",
        "schedule": crontab(hour=1, minute=30),
    },
}

# Campaigns (đợt áp dụng biện pháp), read in campaigns/:
# TICKET_BOOKING_RATE: queue-ticket bookings per client IP without an account (campaigns/api.py and the page;
#   kiosks in a desk's hall share one IP, so keep it generous).
# CAMPAIGN_PREVIEW_LIMIT: the most rows each list of a campaign preview shows (counts stay exact).
TICKET_BOOKING_RATE = env.str("TICKET_BOOKING_RATE", default="120/hour")
# TICKET_BOOKING_USER_RATE: bookings per signed-in account (API and page), whatever its address.
# TICKET_DAILY_LIMIT: queue numbers a phone, and an account, may hold for one day (over every desk; one a session).
# TICKET_BOOKING_DAYS: a number may be taken for today up to this many days ahead (campaigns/tickets.py).
TICKET_BOOKING_USER_RATE = env.str("TICKET_BOOKING_USER_RATE", default="30/hour")
TICKET_DAILY_LIMIT = env.int("TICKET_DAILY_LIMIT", default=2)
TICKET_BOOKING_DAYS = env.int("TICKET_BOOKING_DAYS", default=14)
CAMPAIGN_PREVIEW_LIMIT = env.int("CAMPAIGN_PREVIEW_LIMIT", default=200)

# Postal SLA defaults in hours (campaigns may shorten them, e.g. 4 h in Khánh Hòa 2020).
POSTAL_PICKUP_SLA_HOURS = env.float("POSTAL_PICKUP_SLA_HOURS", default=16)
POSTAL_RETURN_SLA_HOURS = env.float("POSTAL_RETURN_SLA_HOURS", default=16)
# The post office's integration (postal/api.py, postal/webhooks.py):
# POSTAL_SYNC_LAG_SECONDS: `changed_since` leaves out orders changed in the last N seconds (a late commit
#   never slips behind a client's cursor); POSTAL_WEBHOOK_TIMEOUT: seconds per webhook POST;
# POSTAL_WEBHOOK_BACKOFF_BASE / _MAX: the first retry delay, doubled per failure up to the cap (seconds).
POSTAL_SYNC_LAG_SECONDS = env.int("POSTAL_SYNC_LAG_SECONDS", default=5)
POSTAL_WEBHOOK_TIMEOUT = env.float("POSTAL_WEBHOOK_TIMEOUT", default=10)
POSTAL_WEBHOOK_BACKOFF_BASE = env.int("POSTAL_WEBHOOK_BACKOFF_BASE", default=30)
POSTAL_WEBHOOK_BACKOFF_MAX = env.int("POSTAL_WEBHOOK_BACKOFF_MAX", default=3600)

# Dossiers: an officer's claim lasts this many minutes; "due soon" fires this many working hours before the due moment.
DOSSIER_CLAIM_MINUTES = env.int("DOSSIER_CLAIM_MINUTES", default=30)
DOSSIER_WARN_WORKING_HOURS = env.float("DOSSIER_WARN_WORKING_HOURS", default=8)
# A step of the internal process warns "sắp hết thời gian của bước" this many working hours before its own due
# moment (half way through a step whose budget is not longer than that).
STEP_WARN_WORKING_HOURS = env.float("STEP_WARN_WORKING_HOURS", default=4)
# Uploads: PDF, JPEG, PNG only (checked by content); limits per file and per dossier in bytes.
UPLOAD_MAX_FILE_BYTES = env.int("UPLOAD_MAX_FILE_BYTES", default=10 * 1024 * 1024)
UPLOAD_MAX_DOSSIER_BYTES = env.int("UPLOAD_MAX_DOSSIER_BYTES", default=50 * 1024 * 1024)
UPLOAD_MAX_IMAGE_PIXELS = env.int("UPLOAD_MAX_IMAGE_PIXELS", default=40_000_000)
# A required document's template (mẫu đơn, tờ khai; PDF, DOC, DOCX or ODT, checked by content): its size cap in
# bytes, for the admin's upload and the catalog import (portal/document_templates.py).
DOCUMENT_TEMPLATE_MAX_BYTES = env.int("DOCUMENT_TEMPLATE_MAX_BYTES", default=5 * 1024 * 1024)
# PRINT_PDF_FONT_DIR: the TrueType fonts with Vietnamese glyphs the printables are written in as signed PDF
# (dossiers/printing/pdf.py): DejaVuSans.ttf, DejaVuSans-Bold.ttf and DejaVuSans-Oblique.ttf (Debian's
# fonts-dejavu-core, installed by the Dockerfile and by `make run`).
PRINT_PDF_FONT_DIR = env.str("PRINT_PDF_FONT_DIR", default="/usr/share/fonts/truetype/dejavu")
# Request bodies (portal/body_limits.py refuses larger ones with 413 before reading them):
# DATA_UPLOAD_MAX_MEMORY_SIZE bounds every body but multipart uploads (JSON, forms; Django's own
# limit on request.body and form fields too); a multipart upload may be UPLOAD_MAX_DOSSIER_BYTES
# plus that. Files are streamed to disk above FILE_UPLOAD_MAX_MEMORY_SIZE (Django's 2.5 MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
# Notifications: the SMS and email backends (dotted paths), and the HTTP SMS gateway if used.
NOTIFY_SMS_BACKEND = env.str("NOTIFY_SMS_BACKEND", default="portal.sms.LogSMSBackend")
NOTIFY_EMAIL_BACKEND = env.str("NOTIFY_EMAIL_BACKEND", default="portal.sms.DjangoEmailBackend")
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
# Phone confirmation by a one-time SMS code (portal/phone/codes.py): a code lasts PHONE_CODE_TTL_SECONDS and
# takes PHONE_CODE_MAX_ATTEMPTS wrong tries; a new code may be asked PHONE_CODE_RESEND_SECONDS after the last one,
# at most PHONE_CODE_MAX_PER_HOUR an hour per account and per phone number (counted in the database).
PHONE_CODE_TTL_SECONDS = env.int("PHONE_CODE_TTL_SECONDS", default=300)
PHONE_CODE_MAX_ATTEMPTS = env.int("PHONE_CODE_MAX_ATTEMPTS", default=5)
PHONE_CODE_RESEND_SECONDS = env.int("PHONE_CODE_RESEND_SECONDS", default=60)
PHONE_CODE_MAX_PER_HOUR = env.int("PHONE_CODE_MAX_PER_HOUR", default=5)
# EMAIL_URL: e.g. smtp+tls://user:pass@mail.example.gov.vn:587 (default: each mail written to a file in var/mail).
_email = env.email_url("EMAIL_URL", default="filemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="motcua <no-reply@motcua.local>")

# Online payment of fees (thanh toán trực tuyến, dossiers/payments/service.py), read there and in
# dossiers/payments/providers.py.
# PAYMENT_PROVIDERS: JSON object, name → dotted path of a PaymentProvider class: the gateways enabled
# (registered in dossiers.payments.providers.payment_providers at start-up);
# PAYMENT_DEFAULT_PROVIDER: the one citizens pay through.
PAYMENT_PROVIDERS = env.json("PAYMENT_PROVIDERS", default={"demo": "dossiers.payments.providers.DemoProvider"})
PAYMENT_DEFAULT_PROVIDER = env.str("PAYMENT_DEFAULT_PROVIDER", default="demo")
# PAYMENT_PENDING_MINUTES: a pending payment younger than this is resumed; an older one is given up.
PAYMENT_PENDING_MINUTES = env.int("PAYMENT_PENDING_MINUTES", default=30)
# The demo gateway (simulated bank page and signed callbacks): off in production unless asked for;
# PAYMENT_DEMO_SECRET signs its callbacks (HMAC-SHA256; empty: derived from SECRET_KEY).
PAYMENT_DEMO_ENABLED = env.bool("PAYMENT_DEMO_ENABLED", default=not PRODUCTION)
PAYMENT_DEMO_SECRET = env.str("PAYMENT_DEMO_SECRET", default="")
# Payment callbacks (anonymous): at most PAYMENT_CALLBACK_MAX_BYTES a body (413 beyond); a refused
# one (bad signature) is logged as a summary, at most PAYMENT_CALLBACK_REFUSALS_PER_MINUTE per client
# address and provider (429 beyond, nothing logged; counted in the shared cache, none logged without it).
PAYMENT_CALLBACK_MAX_BYTES = env.int("PAYMENT_CALLBACK_MAX_BYTES", default=16 * 1024)
PAYMENT_CALLBACK_REFUSALS_PER_MINUTE = env.int("PAYMENT_CALLBACK_REFUSALS_PER_MINUTE", default=20)

# Statistics (reports/): REPORTS_POSTAL_SHARE_TARGET: the share of dossiers of postal-eligible procedures that
#   should use the post (plan 1106/KH-UBND: 30 %), read in reports/views.py and the exports;
# REPORTS_SETTLE_DAYS: how many past days the nightly beat entry recomputes in the daily table (late payments,
#   returns switched to the post); REPORTS_MAX_REFRESH_DAYS caps what one refresh task may recompute;
# REPORTS_MAX_WINDOW_DAYS: the longest window the API and pages accept (group_by=day: 366 days at most);
# REPORTS_PUBLIC_CACHE_SECONDS: how long the public statistics page of a province is cached.
REPORTS_POSTAL_SHARE_TARGET = env.float("REPORTS_POSTAL_SHARE_TARGET", default=0.30)
REPORTS_SETTLE_DAYS = env.int("REPORTS_SETTLE_DAYS", default=35)
REPORTS_MAX_REFRESH_DAYS = env.int("REPORTS_MAX_REFRESH_DAYS", default=400)
REPORTS_MAX_WINDOW_DAYS = env.int("REPORTS_MAX_WINDOW_DAYS", default=3660)
REPORTS_PUBLIC_CACHE_SECONDS = env.int("REPORTS_PUBLIC_CACHE_SECONDS", default=300)

# Working-time defaults (the desk's opening hours when a desk has none of its own).
WORKING_SESSIONS = [("07:00", "11:30"), ("13:30", "17:00")]
SAME_DAY_CUTOFF = "15:00"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
