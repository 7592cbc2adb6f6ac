"""Whole-page caching for anonymous visitors, cleared by any publish.

Pages are cached under a generation number; publishing, unpublishing, moving or deleting a page,
or saving a snippet or image, bumps the generation, so every cached page is stale at once without
having to know which pages showed the changed content (a course appears on the home page, its
index, its lecturers' and its base's pages).
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.utils.cache import has_vary_header, patch_response_headers
from django.utils.translation import get_language

GENERATION_KEY = "page-cache-generation"
# Calendar feeds live under both generations: a publish (a lecturer's or base's page) and any
# change to a cohort or its timetable, which pages do not cache, make them stale.
CALENDAR_GENERATION_KEY = "calendar-cache-generation"


def current_generation(key: str = GENERATION_KEY) -> int:
    generation = cache.get(key)
    if generation is None:
        cache.add(key, 1, timeout=None)
        generation = cache.get(key, 1)
    return generation


def bump_generation(*, key: str = GENERATION_KEY, **kwargs) -> None:
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 2, timeout=None)


def bump_calendar_generation(**kwargs) -> None:
    bump_generation(key=CALENDAR_GENERATION_KEY)


def is_cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not getattr(request, "is_preview", False)
    )


def is_cacheable_response(request, response) -> bool:
    """Only shared, cookie-free pages: never one with a CSRF token, a form's state or live seats."""
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not has_vary_header(response, "Cookie")
        and not any(word in cache_control for word in ("private", "no-cache", "no-store"))
    )


def cache_anonymous_page(view):
    """Serve anonymous GETs of a view from the cache; anyone logged in gets a fresh page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_cacheable_request(request) or settings.PAGE_CACHE_SECONDS <= 0:
            return view(request, *args, **kwargs)
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"page:{current_generation()}:{get_language()}:{path}"
        cached = cache.get(key)
        if cached is not None:
            return cached
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if is_cacheable_response(request, response):
            patch_response_headers(response, cache_timeout=60)
            cache.set(key, response, settings.PAGE_CACHE_SECONDS)
        return response

    return wrapper
