import os
from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .base import REDIS_URL, redis_cache, tasks_backend

DEBUG = False
SECRET_KEY = "test-only-secret-key"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAGTAILADMIN_BASE_URL = "http://testserver"
SMS_BACKEND = "core.sms.MemorySMSBackend"
# Tasks run at once, whatever TASKS_BACKEND says; tests of the worker switch to the database.
TASKS = tasks_backend("immediate")


def worker_redis_url(url: str, worker: str) -> str:
    """The Redis database of one pytest-xdist worker (`gw0`, `gw1`, …): the URL's database
    number, then the ones below it. Every test empties the cache (FLUSHDB), which would
    otherwise empty another worker's in the middle of its test."""
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(database - int(worker[2:])) % 16}"))


_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _WORKER.startswith("gw") and _WORKER[2:].isdigit():
    CACHES = {"default": redis_cache(worker_redis_url(REDIS_URL, _WORKER))}
