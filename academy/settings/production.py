import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import REDIS_URL, SECRET_KEY, env_bool, tasks_backend

DEBUG = False
if SECRET_KEY.startswith("dev-only") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set SECRET_KEY to a random string of at least 50 characters.")

# Several workers with a cache each would each count their own rate limits (120 registrations
# a minute from one address got 117 through a limit of 30 on 4 workers) and keep their own
# pages. A benchmark of one process may say it knows (`check --deploy` still reports it).
if not REDIS_URL and not env_bool("ALLOW_PER_PROCESS_CACHE", False):
    raise ImproperlyConfigured(
        "Set REDIS_URL (e.g. redis://127.0.0.1:6379/0): without it every worker process has "
        "a cache of its own, so rate limits and the page cache are per process. Only for a "
        "single process (a benchmark) set ALLOW_PER_PROCESS_CACHE=1 instead."
    )

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"  # Wagtail previews override this for their own iframe

# Notices are rows in the database that `manage.py db_worker` sends, outside the request.
TASKS = tasks_backend(os.environ.get("TASKS_BACKEND", "database"))
