"""Settings shared by every environment.

The database is the embedded cluster (config/localdb.py) unless DATABASE_URL
names another server.
"""

import json
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from config import localdb

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "rangebook-dev-only-not-secret")
# Off unless asked for (DJANGO_DEBUG=1): Django's debug page shows settings and tracebacks
# to whoever triggers an error. Production: config/settings/production.py.
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "strawberry_django",
    "django_range_merge",
    "django_generate_series",
    "booking",
    "search",
    "accounts",
    "webhooks",
    # The task queue (tables and functions in PostgreSQL; booking/tasks.py).
    "procrastinate.contrib.django",
]

MIDDLEWARE = [
    "config.logs.request_id_middleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records the acting user of every tracked write made while serving a request.
    "pghistory.middleware.HistoryMiddleware",
    # Statement and lock timeouts by the user's role, as for the API (schema/guard.py).
    "schema.guard.StatementGuardMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Customers sign in at /accounts/login/ (the admin admits staff only), then use GraphiQL.
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/graphql"
LOGOUT_REDIRECT_URL = "accounts:login"


def database_from_url(url: str) -> dict:
    """DATABASES entry for a postgresql:// URL (host may also come as ?host=/socket/dir)."""
    parts = urlparse(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    return {
        "NAME": unquote(parts.path.lstrip("/")) or query.pop("dbname", "postgres"),
        "USER": unquote(parts.username or "") or query.pop("user", ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or query.pop("host", ""),
        "PORT": str(parts.port or query.pop("port", "")),
        "OPTIONS": query,
    }


_database = (
    database_from_url(os.environ["DATABASE_URL"])
    if os.environ.get("DATABASE_URL")
    else localdb.connection_settings()
)
# JIT compilation costs far more than it saves on this project's short queries (about
# 1 s for an availability plan that runs in milliseconds): off for every session.
_database["OPTIONS"] = {**_database.get("OPTIONS", {}), "options": "-c jit=off",
                        # Django turns psycopg's prepared statements off (None) for
                        # transaction-mode poolers; its own cursors bind client-side and
                        # never prepare, so this reaches only config/prepared.py's.
                        "prepare_threshold": 5}
# A server process sets RANGEBOOK_DB_POOL (config/asgi.py does): under ASGI every request
# runs its ORM work in a thread of its own (asgiref's ThreadSensitiveContext), so
# CONN_MAX_AGE would never reuse a session and each request paid for a new PostgreSQL
# backend. psycopg's pool (Django >= 5.1) hands the sessions from thread to thread instead.
_pool_size = int(os.environ.get("RANGEBOOK_DB_POOL", "0"))

# Limits on each SQL statement of an API request, by who asks (schema/guard.py): anonymous
# callers only read and get the shortest; staff may run reports. PostgreSQL syntax.
RANGEBOOK_DB_TIMEOUTS = {
    "anonymous": {"statement": "2s", "lock": "1s"},
    "customer": {"statement": "5s", "lock": "3s"},
    "staff": {"statement": "30s", "lock": "10s"},
}
# Changed per role as JSON, e.g. RANGEBOOK_DB_TIMEOUTS='{"staff": {"statement": "2min"}}'.
for _role, _limits in json.loads(os.environ.get("RANGEBOOK_DB_TIMEOUTS") or "{}").items():
    RANGEBOOK_DB_TIMEOUTS[_role].update(_limits)
if _pool_size:
    # A server's sessions: checked before each use, the pool drained at the first dead
    # one (config/database/base.py: a restarted database costs only the requests in
    # flight), a request waits at most 3 s for one, and they start with the customer
    # limits, which hold where no request's guard sets others (websocket operations).
    # Commands and migrations have no limits. While the database is down the pool stops
    # retrying after 1 s (psycopg_pool would back off to 2, 4, 8 s... and keep failing
    # requests that long after it is back); the next request tries again.
    _database["OPTIONS"]["pool"] = {"min_size": min(2, _pool_size), "max_size": _pool_size,
                                    "timeout": 3, "reconnect_timeout": 1}
    _database["OPTIONS"]["options"] += "".join(
        f" -c {name}={value}" for name, value in (
            ("statement_timeout", RANGEBOOK_DB_TIMEOUTS["customer"]["statement"]),
            ("lock_timeout", RANGEBOOK_DB_TIMEOUTS["customer"]["lock"]),
            ("idle_in_transaction_session_timeout", "60s")))
DATABASES = {
    "default": {
        # Django's PostgreSQL backend; sessions checked as they leave the pool.
        "ENGINE": "config.database",
        "CONN_MAX_AGE": 0,
        **_database,
        "TEST": {"NAME": os.environ.get("RANGEBOOK_TEST_DB", "test_rangebook")},
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# GraphiQL's scripts from npm (schema/graphiql; `make demo` installs them): /graphql serves
# them from here instead of unpkg.com when they are there (schema/views.py).
GRAPHIQL_ASSETS = BASE_DIR / "schema" / "graphiql" / "node_modules"
STATICFILES_DIRS = [("graphiql", GRAPHIQL_ASSETS)] if GRAPHIQL_ASSETS.is_dir() else []

# Holds are released when a client neither confirms nor cancels them in time.
RANGEBOOK_HOLD_MINUTES = 15
# API tokens expire this many days after they are made, unless made with another lifetime.
RANGEBOOK_TOKEN_DAYS = 90

# Customers' notices (booking/notifications.py), sent by the task worker. Here every
# message is written to a file in RANGEBOOK_MAIL_DIR (.mail/ by default: the demo's
# outbox); config/settings/production.py sends by SMTP.
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ.get("RANGEBOOK_MAIL_DIR", str(BASE_DIR / ".mail"))
DEFAULT_FROM_EMAIL = os.environ.get("RANGEBOOK_FROM_EMAIL", "bookings@rangebook.localhost")
# Partner webhooks (webhooks/): attempts per delivery before it is dead, and the base of
# the exponential wait between them (3, 9, 27 ... s: 10 attempts span about 8 hours).
RANGEBOOK_WEBHOOK_ATTEMPTS = int(os.environ.get("RANGEBOOK_WEBHOOK_ATTEMPTS", "10"))
RANGEBOOK_WEBHOOK_BACKOFF = int(os.environ.get("RANGEBOOK_WEBHOOK_BACKOFF", "3"))
RANGEBOOK_WEBHOOK_TIMEOUT = 10  # seconds to connect and to answer
# The domain of calendar invites' UIDs (<reference>@<domain>): keep it once invites are out.
RANGEBOOK_ICAL_DOMAIN = os.environ.get("RANGEBOOK_ICAL_DOMAIN", "rangebook.localhost")

# /metrics answers only `Authorization: Bearer <this>` when it is set (config/health.py).
RANGEBOOK_METRICS_TOKEN = os.environ.get("RANGEBOOK_METRICS_TOKEN", "")

# One line per log record on stderr, JSON unless RANGEBOOK_LOG_FORMAT=text, each with
# the request id of its request (config/logs.py); one line per GraphQL operation.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "config.logs.JSONFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {
        "class": "logging.StreamHandler", "filters": ["request_id"],
        "formatter": "text" if os.environ.get("RANGEBOOK_LOG_FORMAT") == "text" else "json",
    }},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "rangebook.operations": {"level": os.environ.get("RANGEBOOK_LOG_OPERATIONS", "INFO")},
        "booking": {"level": "INFO"},
        "webhooks": {"level": "INFO"},
    },
}
