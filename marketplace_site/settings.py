"""Settings, read from the environment.

Development needs nothing set. Production (DEBUG off) needs SECRET_KEY and ALLOWED_HOSTS and
passes ``manage.py check --deploy``. DATABASE_URL switches from SQLite to PostgreSQL.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from marketplace_site.env import env_bool, env_int, env_list, env_str

# Lets annotations such as ModelAdmin[Review] and QuerySet[Plugin] run at runtime.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=True)
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY in the environment when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "axes",
    "marketplace_site",
    "registry",
    "resolver",
    "sandbox",
    "reviews",
    "depgraph",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything reads the body (CSRF reads request.POST, which parses a whole upload).
    "marketplace_site.web.middleware.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the user's row from this process's copy while no account has changed.
    "marketplace_site.web.users.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it sees the lockout flag that a failed login sets on the request.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out username+address before the password is even checked.
    "marketplace_site.web.auth_backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "marketplace_site.urls"
WSGI_APPLICATION = "marketplace_site.wsgi.application"

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
                "marketplace_site.web.page_cache.content_generation",
            ],
        },
    },
]

SQLITE_PATH = Path(env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")))
SQLITE_OPTIONS = {
    # IMMEDIATE: a read-then-write transaction takes the write lock up front instead of
    # failing with "database is locked" when it tries to upgrade.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASE_URL = env_str("DATABASE_URL", "")
DATABASES: dict[str, Any]
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": SQLITE_OPTIONS,
            # Tests use a real file too, so WAL, locking and threads behave as in production.
            # One file per test process, so parallel runs never share a database.
            "TEST": {
                "NAME": str(Path(tempfile.gettempdir()) / f"marketplace-test-{os.getpid()}.db")
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache backs the rate limits (and the sandbox's "Try it" quota). The default is a table in
# the site's own database, so every gunicorn worker counts against the same limit with no extra
# server; ``CACHE_BACKEND=locmem`` keeps the counters in each process instead (per worker).
# The table is made by ``manage.py createcachetable``, which ``migrate`` runs too (apps.py).
CACHE_TABLE = "marketplace_cache"
# CACHE_URL=redis://host:6379/1 keeps the cache (page cache, rate limits) in Redis instead:
# Django's own RedisCache, shared by every web host (see README, "Running on several machines").
CACHE_URL = env_str("CACHE_URL", "")
CACHES: dict[str, Any]
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            # A cache that does not answer in a second is treated as down, not waited for.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
elif env_str("CACHE_BACKEND", "db") == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
# Sessions are written to the database and to the default cache, and read from the cache:
# one plain key lookup per signed-in request, which also reads the content and accounts
# generations (marketplace_site/web/sessions.py), instead of an ORM query on the session
# table (tests/benchmarks/bench_pages.py, BENCHMARKS.md "Signed-in pages"). The cache
# is shared by every worker and host (the database's cache table, or Redis), so a logout or
# a password change ends the session everywhere at once; a session the cache lost is read
# back from the table. Not with CACHE_BACKEND=locmem: a worker's own copy would outlive a
# logout served by another worker. Not signed cookies: they would show the session to its
# holder and outlive a logout.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.db"
    if CACHES["default"]["BACKEND"].endswith("LocMemCache")
    # cached_db's, reading the content and accounts generations in the same round trip.
    else "marketplace_site.web.sessions"
)

# Rendered parts of pages that many users share (the plugin page's dependency tree, versions,
# source), kept in each worker's memory: they are keyed by the content generation
# (marketplace_site/web/page_cache.py), which lives in the default cache that every worker
# shares, so a change anywhere makes every worker's copy unreachable at once.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
    "OPTIONS": {"MAX_ENTRIES": 5_000},
}

# Per-user limits on writes and expensive reads: action -> (requests, window in seconds).
# Anonymous requests (an install plan) count per client address. Each is overridable from the
# environment, e.g. RATE_LIMIT_PUBLISH=100; 0 turns a limit off.
RATE_LIMIT_WINDOW_SECONDS = env_int("RATE_LIMIT_WINDOW_SECONDS", 3600)
RATE_LIMITS: dict[str, tuple[int, int]] = {
    action: (env_int(f"RATE_LIMIT_{action.upper()}", default), RATE_LIMIT_WINDOW_SECONDS)
    for action, default in {
        "publish": 30,
        "review": 60,
        "report": 30,
        "plan": 120,
        "install": 120,
    }.items()
}

# Login throttling (django-axes): 5 failed logins for one username from one address lock that
# pair out for 15 minutes; the site's login and the admin's alike. Attempts live in the
# database (no extra server).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "marketplace_site.web.auth_backends.lockout_response"
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads: a manifest is at most 256 KiB; refuse larger bodies before reading them whole.
MANIFEST_MAX_BYTES = 256 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024
# Any request body declared larger than this is refused (413) before it is read
# (marketplace_site.web.middleware); the API refuses bodies over MANIFEST_MAX_BYTES itself.
REQUEST_BODY_MAX_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE

# Anonymous visitors get plugin pages from the cache for up to this long (0: off); any change
# to what the pages show makes every cached page stale at once (marketplace_site.web.page_cache).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60)

# Marketplace behaviour.
RESOLVER_MAX_ROUNDS = env_int("RESOLVER_MAX_ROUNDS", 20000)
RESOLVER_TIMEOUT_MS = env_int("RESOLVER_TIMEOUT_MS", 2000)
SANDBOX_TIMEOUT_MS = env_int("SANDBOX_TIMEOUT_MS", 1000)
SANDBOX_MEMORY_LIMIT_MB = env_int("SANDBOX_MEMORY_LIMIT_MB", 256)
SANDBOX_ALLOW_UNISOLATED = env_bool("SANDBOX_ALLOW_UNISOLATED", default=False)
# Where plugin code runs: "embedded" (a zygote in each web process, the default) or "celery"
# (workers started with ``celery -A marketplace_site worker -Q sandbox``, reached through
# CELERY_BROKER_URL; marketplace_site.remote_sandbox). A remote run waits at most
# 2 * (SANDBOX_TIMEOUT_MS + SANDBOX_REMOTE_OVERHEAD_MS), then answers 503.
SANDBOX_BACKEND = env_str("SANDBOX_BACKEND", "embedded")
if SANDBOX_BACKEND not in {"embedded", "celery"}:
    raise ImproperlyConfigured(
        f"SANDBOX_BACKEND must be embedded or celery, not {SANDBOX_BACKEND!r}."
    )
SANDBOX_REMOTE_OVERHEAD_MS = env_int("SANDBOX_REMOTE_OVERHEAD_MS", 1000)
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
if SANDBOX_BACKEND == "celery" and not CELERY_BROKER_URL:
    raise ImproperlyConfigured("SANDBOX_BACKEND=celery needs CELERY_BROKER_URL (redis://...).")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A run is acknowledged when it is done, and put back when its worker process dies, so a
# killed worker costs a retry, not a lost run; one run at a time per worker process.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "sandbox"
CELERY_RESULT_EXPIRES = 600
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Unacknowledged runs of a vanished worker host come back to the queue after this long; the
# caller has long resent or given up by then, and the message's expiry drops it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 120,
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
}
# The result backend retries for 20 s by default: a web process must give up inside its
# caller's deadline instead.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.2,
    }
}
CELERY_REDIS_SOCKET_TIMEOUT = 2
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
SANDBOX_TRY_RUNS_PER_MINUTE = env_int("SANDBOX_TRY_RUNS_PER_MINUTE", 10)
RATE_LIMITS["try"] = (SANDBOX_TRY_RUNS_PER_MINUTE, 60)  # "Try it" runs, per minute
# Runs of installations (the API's ``run`` and the page's Run form, one quota per user), per
# minute: at the 1 s run timeout, 60 a minute is at most one core's worth of plugin CPU.
RATE_LIMITS["run"] = (env_int("RATE_LIMIT_RUN", 60), 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Security headers on every response, in development too, so tests see what production sends.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere: every page's CSS and JavaScript is a static file. The
# dependency graph's SVG sets its own, stricter policy (marketplace_site.views.graph), which
# the middleware leaves alone; "object-src 'self'" lets the graph page embed it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
    }
}

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
