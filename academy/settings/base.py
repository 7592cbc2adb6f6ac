"""Settings shared by every environment; values that differ come from the environment."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The project's apps, top layer first (README: Architecture); each imports only those below it.
INSTALLED_APPS = [
    "academy",
    "competitions",
    "attendance",
    "bookings",
    "courses",
    "lecturers",
    "bases",
    "core",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.sites",
    "academy.apps.UsersConfig",  # wagtail.users, with its groups listing in Chinese terms
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "wagtail.contrib.routable_page",
    "rest_framework",
    # API tokens (`manage.py drf_create_token <username>`): the scanner app's check-ins and
    # staff's requests for the competitions' ranking.
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    # For its catalog: Wagtail's admin says "5 seconds ago" through humanize's naturaltime.
    "django.contrib.humanize",
]
# Django's tasks API: built in from Django 6.0, the django_tasks backport before (Python 3.11).
try:
    import django.tasks  # noqa: F401

    TASKS_MODULE = "django.tasks"
except ImportError:
    TASKS_MODULE = "django_tasks"
    INSTALLED_APPS.append("django_tasks")
# The database backend's table is migrated in every environment, whichever backend runs.
INSTALLED_APPS.append("django_tasks_db")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.headers.ContentSecurityPolicyMiddleware",
    "core.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

# Content-Security-Policy (django-csp, core.headers). The public site loads only its own files
# (no CDN, no inline script or style) and may not be framed; images may also be data: URLs.
# Pages are cached whole, so the policy uses no nonces. A view that needs more says so with
# csp_update (the API docs: Swagger UI's inline style).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Wagtail's admin runs inline scripts and styles, frames its own previews (frame-ancestors
# 'self') and shows uploads before they are saved as blob: images. The check-in scanner needs
# nothing more: the camera's stream goes to its <video> as srcObject (no media-src URL), jsQR
# decodes on the page (no worker), its tones are Web Audio (no media file), and it posts to
# our own API (connect-src 'self').
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": CONTENT_SECURITY_POLICY["DIRECTIVES"]
    | {
        "script-src": [SELF, "'unsafe-inline'"],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "frame-ancestors": [SELF],
    }
}
# Permissions-Policy: no page may use these; the admin may use the camera (check-in scanner).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "camera",
        "microphone",
        "geolocation",
        "payment",
        "usb",
        "display-capture",
    )
}
PERMISSIONS_POLICY_ADMIN = PERMISSIONS_POLICY | {"camera": ["self"]}
# The admin's avatars would come from gravatar.com, which the policy (and China's networks) block.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

ROOT_URLCONF = "academy.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "academy.wsgi.application"

# SQLite is the embedded default: WAL lets readers run beside the writer, and IMMEDIATE
# transactions take the write lock at BEGIN so two writers queue instead of failing with
# "database is locked" half-way through. WAL is a property of the file, set once after
# `migrate` (core.sqlite), not at every connect: switching needs the file to itself, and
# connections opening at once could fail with "database is locked" without waiting.
SQLITE_PATH = BASE_DIR / "db.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;",
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, whose check of a persistent connection before each request's first
    # query costs no round trip unless the socket says the server hung up (core.postgresql).
    DATABASES["default"]["ENGINE"] = "core.postgresql"
    # The statements a check-in repeats are prepared once per connection (core.rows.fetch_one);
    # Django's own queries never are, whatever the threshold (psycopg's default; None turns
    # preparing off). Off behind a pooler that cannot keep prepared statements (PgBouncer in
    # transaction mode before 1.21): DATABASE_PREPARED_STATEMENTS=false.
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)

# How long a write waits for a row another write holds (core.locking, PostgreSQL) before it
# answers "busy, try again" instead of hanging.
LOCK_TIMEOUT_SECONDS = float(os.environ.get("LOCK_TIMEOUT_SECONDS", "5"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"


def redis_cache(url: str) -> dict:
    """The cache shared by every worker (rate limits, pages, sessions), which may fail.

    A Redis that does not answer is a cache miss, not an error: django-redis swallows the
    exception (IGNORE_EXCEPTIONS), so pages render uncached, cached_db sessions read and write
    the database, and rate limits let requests through (RATELIMIT_FAIL_OPEN). Each failed call
    is not logged (DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS off: a page makes about twenty, a
    traceback each); /healthz and core.ratelimit say it once. A Redis that hangs costs the
    timeout on every call, so it is short: on a LAN Redis answers in a millisecond.
    """
    timeout = float(os.environ.get("REDIS_TIMEOUT_SECONDS", "0.25"))
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "academy",
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": timeout,
            "SOCKET_TIMEOUT": timeout,
            "IGNORE_EXCEPTIONS": True,
        },
    }


DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = False

# Without Redis each process has its own cache: fine for one process (dev, tests), wrong for
# several workers (production settings refuse it, core.checks reports it).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Anonymous pages are cached whole for this long; any publish clears them at once.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# The largest spreadsheet an import takes (core.imports.reading).
ACADEMY_IMPORT_MAX_BYTES = int(os.environ.get("ACADEMY_IMPORT_MAX_BYTES", 10 * 1024 * 1024))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

WAGTAIL_SITE_NAME = "烟台城市党建学院"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# The domain in calendar events' UIDs (`<session uuid>@<domain>`): set it once and never change
# it, or calendars see every session as a new event. Empty: WAGTAILADMIN_BASE_URL's host.
CALENDAR_UID_DOMAIN = os.environ.get("CALENDAR_UID_DOMAIN", "")
WAGTAIL_I18N_ENABLED = False
# The admin's slug field keeps the Chinese it fills from the title; core.slugs saves it as
# pinyin. Without unicode the script would drop every Han character and leave no slug.
WAGTAIL_ALLOW_UNICODE_SLUGS = True
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# Staff all work in China's one time zone: the account page offers no list of 600 zones.
WAGTAIL_USER_TIME_ZONES = [TIME_ZONE]
WAGTAIL_CONTENT_LANGUAGES = [("zh-hans", "简体中文")]
WAGTAILDOCS_EXTENSIONS = ["pdf", "doc", "docx", "ppt", "pptx", "xls", "xlsx", "txt", "zip"]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "core.search_backend"}}
WAGTAILIMAGES_IMAGE_MODEL = "wagtailimages.Image"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "烟台城市党建学院 <noreply@example.org>")


def tasks_backend(name: str) -> dict:
    """TASKS for `immediate` (runs after commit, in the process) or `database` (for db_worker)."""
    backends = {
        "immediate": f"{TASKS_MODULE}.backends.immediate.ImmediateBackend",
        "database": "django_tasks_db.DatabaseBackend",
    }
    if name not in backends:
        raise ImproperlyConfigured(
            f"TASKS_BACKEND must be one of {', '.join(backends)}, not {name!r}."
        )
    return {"default": {"BACKEND": backends[name]}}


TASKS = tasks_backend(os.environ.get("TASKS_BACKEND", "immediate"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

ACADEMY_NAME = _("Yantai City Party-Building Academy")

SMS_BACKEND = os.environ.get("SMS_BACKEND", "core.sms.ConsoleSMSBackend")

# Anti-automation on the registration form, the lookup and the API (django-ratelimit rates).
BOOKINGS_RATE_PER_IP = os.environ.get("BOOKINGS_RATE_PER_IP", "30/m")
BOOKINGS_RATE_PER_PHONE = os.environ.get("BOOKINGS_RATE_PER_PHONE", "10/h")
# A lost code sends texts to the number: fewer a number may be sent than it may try.
BOOKINGS_RESEND_RATE_PER_PHONE = os.environ.get("BOOKINGS_RESEND_RATE_PER_PHONE", "3/h")
# The site's login (core.views.SiteLoginView): attempts per address and per username.
LOGIN_RATE_PER_IP = os.environ.get("LOGIN_RATE_PER_IP", "30/m")
LOGIN_RATE_PER_USERNAME = os.environ.get("LOGIN_RATE_PER_USERNAME", "10/15m")
LOGIN_URL = "login"
LOGOUT_REDIRECT_URL = "login"
# A cache that does not answer lets the attempt through (core.ratelimit logs an error) rather
# than refuse every registration while Redis is down.
RATELIMIT_FAIL_OPEN = True
# Rate limits count per client address, which core.ratelimit.client_ip reads behind proxies.
RATELIMIT_IP_META_KEY = "core.ratelimit.client_ip"


def env_proxies(name: str) -> int:
    """How many reverse proxies every request passes through (each appends to X-Forwarded-For)."""
    value = os.environ.get(name, "0").strip() or "0"
    if not value.isdigit():
        raise ImproperlyConfigured(
            f"{name} is the number of reverse proxies in front of the site (0, 1, 2...), "
            f"not {value!r}."
        )
    return int(value)


TRUSTED_PROXIES = env_proxies("TRUSTED_PROXIES")
BOOKINGS_MAX_GROUP_SIZE = 30
# How long after a cohort's last day its trainees' names and numbers are kept before
# `manage.py purge_personal_data` (run daily) clears them; the privacy notice states it.
PERSONAL_DATA_RETENTION_DAYS = int(os.environ.get("PERSONAL_DATA_RETENTION_DAYS", 3 * 365))
# A competition's attachments: each file at most this large, at most this many per project.
COMPETITIONS_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
COMPETITIONS_MAX_ATTACHMENTS = 8
# Objections to published results: a rate per client address, and one per mobile number.
COMPETITIONS_OBJECTION_RATE_PER_IP = os.environ.get("COMPETITIONS_OBJECTION_RATE_PER_IP", "5/h")
COMPETITIONS_OBJECTION_RATE_PER_PHONE = os.environ.get(
    "COMPETITIONS_OBJECTION_RATE_PER_PHONE", "3/d"
)
# The live roadshow's screen: how often it asks for news, how long its cached state may live.
COMPETITIONS_LIVE_POLL_SECONDS = float(os.environ.get("COMPETITIONS_LIVE_POLL_SECONDS", "3"))
COMPETITIONS_LIVE_CACHE_SECONDS = 60
API_MAX_BODY_BYTES = 64 * 1024

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.LimitedJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "烟台城市党建学院 API",
    "DESCRIPTION": "Cohorts, timetables and registration for the mini-program and the scanner.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["core.api.public_api_only"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge from validator.swagger.io: nothing is loaded from outside (and CSP forbids it).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}
