"""Settings of the local OpenID Connect provider (idp/__init__.py says what it is), from the environment:

IDP_ISSUER   the issuer URL the provider announces and signs into its ID tokens (default
             http://127.0.0.1:8300/o: `make run` serves it on PORT+300, beside the portal's PORT)
IDP_VAR_DIR  its SQLite database, RSA signing key and secret key (default $VAR_DIR/idp, i.e. var/idp)
Development only: it is never deployed (docker-compose.yml has no such service)."""

import os
from pathlib import Path
from urllib.parse import urlsplit

from . import keys

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("IDP_VAR_DIR") or Path(os.environ.get("VAR_DIR") or BASE_DIR.parent / "var") / "idp")
VAR_DIR = VAR_DIR.resolve()
ISSUER = (os.environ.get("IDP_ISSUER") or "http://127.0.0.1:8300/o").rstrip("/")

SECRET_KEY = keys.secret_key(VAR_DIR / "secret_key")
DEBUG = False
ALLOWED_HOSTS = sorted({urlsplit(ISSUER).hostname, "127.0.0.1", "localhost"})

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "oauth2_provider",
    "idp",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "idp.urls"
WSGI_APPLICATION = "idp.wsgi.application"
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
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "idp.sqlite3",
        "OPTIONS": {"timeout": 20},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The portal runs on the same host (another port): cookies ignore ports, so the provider's own names keep its
# session apart from the portal's.
SESSION_COOKIE_NAME = "idp_sessionid"
CSRF_COOKIE_NAME = "idp_csrftoken"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]

LANGUAGE_CODE = "vi"
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": ISSUER,
    "OIDC_RSA_PRIVATE_KEY": keys.rsa_private_key(VAR_DIR / "oidc.key"),
    "PKCE_REQUIRED": True,
    "OAUTH2_VALIDATOR_CLASS": "idp.claims.CitizenClaimsValidator",
    "SCOPES": {
        "openid": "Định danh",
        "profile": "Họ và tên",
        "email": "Thư điện tử",
        "phone": "Số điện thoại",
    },
    "DEFAULT_SCOPES": ["openid"],
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 600,
    "ID_TOKEN_EXPIRE_SECONDS": 600,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
