"""Deployment checks of our own, run by `manage.py check --deploy`."""

from django.conf import settings
from django.core import checks

# Caches every worker (and every machine) shares, whose counters django-ratelimit can increment
# atomically. Any other backend is one cache per process (LocMem), none (Dummy), or not atomic.
SHARED_CACHE_BACKENDS = {
    "django_redis.cache.RedisCache",
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
}


@checks.register(checks.Tags.caches, deploy=True)
def check_shared_cache(app_configs, **kwargs):
    """Rate limits and the page cache hold across workers only in a shared cache."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in SHARED_CACHE_BACKENDS:
        return []
    return [
        checks.Error(
            f"The cache ({backend}) is not shared by the worker processes: each one counts "
            "rate limits and keeps cached pages of its own.",
            hint="Set REDIS_URL, e.g. redis://127.0.0.1:6379/0.",
            id="core.E001",
        )
    ]
