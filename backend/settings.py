"""Veche settings: one file, read from environment variables.

Every default is the embedded one (SQLite, in-memory channel layer, local-memory
cache, background work in-process), so a newcomer needs no variable at all.
`DATABASE_URL` and `REDIS_URL` switch on the production parts.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    """A string from the environment; `NAME_FILE` (a path) wins, for container secrets."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
# The embedded default keeps a development key so `make run` needs nothing; it is public,
# so `manage.py check --deploy` refuses it when DEBUG is off (veche.E002, backend/apps.py).
DEVELOPMENT_SECRET_KEY = "veche-insecure-development-key-change-me-in-production-0123456789"  # noqa: S105 - public on purpose
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "backend",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "django_htmx",
    "csp",
    "channels",
    "ideas",
    "realtime",
    "archive",
    "pages",
    "forums",
    "contests",
    "awards",
    "library",
]

# Sync-only on purpose (see backend/middleware.py): one thread hop per request under ASGI.
# Security, CSRF and clickjacking keep Django's own paths so that `check --deploy` sees them.
MIDDLEWARE = [
    "backend.middleware.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "backend.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "backend.middleware.SessionMiddleware",
    "backend.middleware.LocaleMiddleware",
    "backend.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "backend.middleware.AuthenticationMiddleware",
    "backend.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "backend.middleware.HtmxMiddleware",
]

# Proxies whose X-Forwarded-For is believed (addresses or CIDR blocks, comma-separated): the
# client is the right-most address in the chain that is not one of them. Empty: the header is
# ignored and the peer's address is the client's (backend/middleware.ClientAddressMiddleware).
VECHE_TRUSTED_PROXIES = env_list("VECHE_TRUSTED_PROXIES")

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"
ASGI_APPLICATION = "backend.asgi.application"

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
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
VAR_DIR = Path(env_str("VECHE_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's psycopg pool, not persistent connections: under ASGI every
        # sync_to_async thread would otherwise keep (and leak) its own connection.
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN", 2),
            "max_size": env_int("DATABASE_POOL_MAX", 20),
            "timeout": 10,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "veche.sqlite3"),
            "OPTIONS": {
                # WAL lets readers go on while one writer writes; IMMEDIATE takes the
                # write lock at BEGIN so two writers queue instead of deadlocking.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            "TEST": {"NAME": str(VAR_DIR / "test-veche.sqlite3")},
        }
    }
DATABASE_IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache --------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env_str("VECHE_CHANNEL_PREFIX", "veche")},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("VECHE_CACHE_PREFIX", "veche"),
            # Rate limits read the cache on every write: a Redis that hangs must cost a request
            # half a second at most, then the limits fall back to this process (ideas/api/throttles).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background tasks (embeddings, group suggestions) ---------------------------
# Embedded default: run in-process, off the request thread. Production: the
# database backend, drained by `manage.py db_worker` (the `worker` service).
VECHE_TASKS_BACKEND = env_str("VECHE_TASKS_BACKEND", "ideas.task_backends.ThreadBackend")
TASKS = {"default": {"BACKEND": VECHE_TASKS_BACKEND}}

# --- Auth ------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Organisers, moderators and jurors are ordinary accounts: our own sign-in page (forums/accounts.py).
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/organise/"
LOGOUT_REDIRECT_URL = "/"
# Invitations and password resets go out through Django's mail backend: the console by default.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "veche@localhost")
VECHE_INVITATION_DAYS = env_int("VECHE_INVITATION_DAYS", 7)

# --- Internationalisation: Russian first, English too ---------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
# Each app keeps its own translations in <app>/locale/.
TIME_ZONE = env_str("TIME_ZONE", "Asia/Yakutsk")
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(env_str("VECHE_MEDIA_ROOT", str(VAR_DIR / "media")))  # uploads (contest photos), served by the API
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("VECHE_MANIFEST_STATIC", default=False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True

# --- REST framework --------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ideas.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON nested deeper than a request ever needs is refused with a 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "ideas.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Bounded, strictly read limit/offset (ideas.api.params).
    "DEFAULT_PAGINATION_CLASS": "ideas.api.params.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "ideas.api.errors.exception_handler",
    # REMOTE_ADDR is already the client's address (ClientAddressMiddleware, VECHE_TRUSTED_PROXIES);
    # 0 stops DRF from reading a client-sent X-Forwarded-For on its own.
    "NUM_PROXIES": 0,
    "DEFAULT_THROTTLE_RATES": {
        # Keyed on the join code, not the IP: a hall of 2,000 phones shares one address.
        "join_code": env_str("VECHE_THROTTLE_JOIN_CODE", "3000/min"),
        # Guessing codes: wrong codes per client address. Generous, because one
        # venue address carries a whole hall of honest typos.
        "join_guess": env_str("VECHE_THROTTLE_JOIN_GUESS", "120/min"),
        "participant_vote": env_str("VECHE_THROTTLE_VOTE", "120/min"),
        "participant_post": env_str("VECHE_THROTTLE_POST", "20/min"),
        "similar": env_str("VECHE_THROTTLE_SIMILAR", "240/min"),
        # Staff sign-in (REST token and /admin/login/): per address and username.
        "staff_login": env_str("VECHE_THROTTLE_LOGIN", "20/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Veche API",
    "DESCRIPTION": "Live case sessions: join, post ideas, vote, group, archive.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Contests have their own stages and entry statuses: distinct enum names in the schema.
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "ideas.models.Stage",  # a session's stage (contests have their own)
        "ContestStageEnum": "contests.models.ContestStage",
        "EntryStatusEnum": "contests.models.EntryStatus",
        "DocumentKindEnum": "awards.models.DocumentKind",  # a paper: diploma or certificate
    },
}

# --- Veche itself ------------------------------------------------------------------
# Largest request body we read (an idea is at most 1,000 characters).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("VECHE_MAX_BODY_BYTES", 64 * 1024)
VECHE_MIN_SECTOR_VOTERS = env_int("VECHE_MIN_SECTOR_VOTERS", 3)
VECHE_DEFAULT_SECTORS = [
    ("government", "Власть"),
    ("society", "Общество"),
    ("business", "Бизнес"),
    ("ngo", "НКО / ТОС"),
    ("expert", "Эксперт"),
]
VECHE_TALLY_TICK_SECONDS = env_float("VECHE_TALLY_TICK_SECONDS", 0.25)
# A live socket that stays backed up this long after it was paused is dropped (docs/realtime.md).
VECHE_SLOW_CLIENT_DROP_SECONDS = env_float("VECHE_SLOW_CLIENT_DROP_SECONDS", 30.0)
# Wrong join codes a minute, across all addresses, that log an ERROR (someone guessing codes).
VECHE_JOIN_GUESS_ALARM = env_int("VECHE_JOIN_GUESS_ALARM", 1000)
VECHE_EMBEDDING_MODEL = env_str("VECHE_EMBEDDING_MODEL")
# The address phones reach (https://veche.example.ru): QR codes, join links, posters and archive
# links use it; empty means the address the page was opened on (fine unless that is 127.0.0.1).
VECHE_PUBLIC_URL = env_str("VECHE_PUBLIC_URL").rstrip("/")

# --- Security (production) ------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG and env_bool("VECHE_HTTPS", default=False):
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts and styles only from our own static files, no
# inline code anywhere (the API docs load their script from a URL too, see backend/urls.py).
# 'self' covers the live socket (ws:/wss: on the same host) in current browsers.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {"veche": {"level": env_str("VECHE_LOG_LEVEL", "INFO")}},
}
