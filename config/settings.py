"""Settings for Readiness Radar, read from the environment and failing closed.

With no DATABASE_URL the app uses a SQLite file; with no REDIS_URL Celery tasks run in-process
(eagerly), so the demo runs on a bare machine. With both set it runs on PostgreSQL and Redis with
separate worker processes. DEBUG is off unless DJANGO_DEBUG=1, and without DEBUG a secret key
must be given. `.env.example` lists every variable.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY, or DJANGO_DEBUG=1 for local work.")
    SECRET_KEY = "insecure-local-only-key-never-used-with-debug-off"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "django_htmx",
    "template_partials",
    "organizations",
    "assessments",
    "reports",
    "demo",
]

MIDDLEWARE = [
    # Before host validation and the https redirect: container health checks call gunicorn
    # directly (config/health.py).
    "config.health.HealthCheckMiddleware",
    # Outermost but for the health check, so its duration covers every other middleware too.
    "core.request_log.RequestLogMiddleware",
    "core.database_errors.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Connections are kept between requests, without Django's health check: that is a SELECT 1
    # before each request's first query, which doubles the round trips of an answer save (one
    # statement) and cost the 9:00 load test most of its headroom. A connection found broken
    # (after a PostgreSQL restart) answers 503 "try again" once per process and is replaced;
    # the survey's script retries a failed save by itself (tests/test_faults.py).
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=False)
    }
else:
    SQLITE_PATH = Path(os.environ.get("DJANGO_SQLITE_PATH", BASE_DIR / "var" / "db.sqlite3"))
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            # WAL lets the demo server read while a seeding or aggregation run writes.
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organizations.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# django-axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # The manifest needs collectstatic; without DEBUG the Docker image runs it at build time.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
# Survey, join and password-reset links are credentials: printed to a log, anyone who reads the
# log can answer as a respondent or take over an account.
if not DEBUG and EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
    raise ImproperlyConfigured(
        "Set DJANGO_EMAIL_BACKEND (SMTP in production): the console backend prints survey, "
        "join and password-reset links, which are credentials, to the logs."
    )
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "radar@localhost")
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS")
# Invitations by email an organization may send in 24 hours (round and organization invitations
# together): enough for a large organization's round, too few to mail strangers in bulk.
INVITATIONS_PER_DAY = int(os.environ.get("INVITATIONS_PER_DAY", "2000"))
# Organizations one account may create in 24 hours: each has a cap of its own.
ORGANIZATIONS_PER_DAY = int(os.environ.get("ORGANIZATIONS_PER_DAY", "3"))
# Links in emails are absolute; the worker that sends them has no request to build them from.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Celery: a real broker when REDIS_URL is given, else every task runs in-process at .delay().
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "readiness-radar")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that queues a task must not hang when Redis is down (kombu's defaults retry
# for ~6 s): one quick retry, then fail; the answer is already saved and the sweep catches up.
# Workers reconnect by their own broker_connection_* settings.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task acknowledged late whose worker died is delivered again after this many seconds;
    # it must exceed the longest task's time limit.
    "visibility_timeout": 600,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "config.beat.HeartbeatScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 60
CELERY_BEAT_SCHEDULE = {
    "close-due-rounds": {"task": "assessments.tasks.rounds_close_due_task", "schedule": 60.0},
    "refresh-stale-results": {
        "task": "assessments.tasks.round_results_refresh_stale_task",
        "schedule": 300.0,
    },
}

# Submissions within this many seconds share one aggregation run (assessments.services).
RESULT_COALESCE_SECONDS = int(os.environ.get("RESULT_COALESCE_SECONDS", "10"))
# A PDF roadmap renders in about a second; a render past this limit is stopped and shown as
# failed. A report left queued or rendering longer than REPORT_STALE_SECONDS lost its worker
# or its message, and is queued again when a lead asks for it.
REPORT_TIME_LIMIT = int(os.environ.get("REPORT_TIME_LIMIT", "60"))
REPORT_STALE_SECONDS = 5 * REPORT_TIME_LIMIT

# The cache coordinates processes (coalescing aggregation requests), so with Redis it is Redis.
CACHES = {
    "default": {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True

# Only our own scripts, styles and images: htmx is served from our static files and runs with
# its inline indicator styles and eval turned off (see base.html's htmx-config).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Login lockout (django-axes): this many failures for one account from one address lock that
# pair out for AXES_COOLOFF_TIME; a success resets the count.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "core.ratelimits.login_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# How many reverse proxies stand in front of gunicorn, each appending to X-Forwarded-For: the
# rate limits and the login lockout count by the address the outermost one saw.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
RATELIMIT_IP_META_KEY = "core.ratelimits.client_address"
AXES_CLIENT_IP_CALLABLE = "core.ratelimits.client_address"
# The admin's path; its login is the site's own, under the same limits (config/urls.py).
ADMIN_PATH = os.environ.get("DJANGO_ADMIN_PATH", "admin/").strip("/") + "/"
# Rate limits (django-ratelimit) live on their views; past one, the answer is 429.
RATELIMIT_VIEW = "config.views.rate_limited"
# A cache per process (the demo's) counts per process: good enough where one process serves.
SILENCED_SYSTEM_CHECKS = [] if REDIS_URL else ["django_ratelimit.E003", "django_ratelimit.W001"]
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_tokens": {"()": "core.request_log.RedactTokens"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # WeasyPrint reports every step of every render at INFO; its warnings (a refused URL) stay.
    # radar.requests logs every request once; Django's own 4xx warnings would repeat them with
    # the path. Its 5xx errors (with their traceback) stay.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}
