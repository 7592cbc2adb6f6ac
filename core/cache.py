"""Whole-page caching for anonymous visitors, cleared by any publish.

Pages are cached under a generation number; publishing, unpublishing, moving or deleting a page,
or saving a snippet or image, bumps the generation, so every cached page is stale at once without
having to know which pages showed the changed content (a course appears on the home page, its
index, its lecturers' and its base's pages).

A page is cached under its path and only the query parameters it reads, which each cached view
declares (`query_params=`, or a Wagtail page's `cache_query_params`): `?utm_source=…`, `fbclid`
or any made-up parameter shares the canonical entry instead of adding one per URL, and the page
stored there was rendered without them, so its links carry no visitor's tracking parameters to
the next. As Django's cache middleware learns a URL's Vary headers, the parameters a path's
page declared are kept under the path, so a hit needs no routing.
"""

import hashlib
from collections.abc import Iterable
from functools import partial, wraps

from django.conf import settings
from django.core.cache import cache
from django.http import QueryDict
from django.utils.cache import has_vary_header, patch_response_headers
from django.utils.http import urlencode
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


def declared_items(query: QueryDict, names: Iterable[str]) -> list[tuple[str, str]]:
    """The declared parameters only, in the query's order, each once with the value views read
    (the last); an empty one is left out, as views read it as absent."""
    return [(name, query[name]) for name in query if name in names and query[name]]


def keep_only(request, names: Iterable[str]) -> None:
    """Show the view a request with only the declared parameters, so the page it renders (its
    pagination links, the language switch) is the one every variant of the URL can share."""
    query = urlencode(declared_items(request.GET, names))
    request.GET = QueryDict(query)
    request.META["QUERY_STRING"] = query


def declare_page_query_params(page, request, serve_args, serve_kwargs) -> None:
    """Wagtail's `before_serve_page` hook: a page declares the parameters it reads in its
    `cache_query_params`; one that declares none reads none. Only for requests being cached."""
    if hasattr(request, "cache_query_params"):
        request.cache_query_params = tuple(getattr(page, "cache_query_params", ()))


def entry_key(path_key: str, request, names: Iterable[str]) -> str:
    """The page's entry: its path's key and the declared parameters, in any order."""
    query = urlencode(sorted(declared_items(request.GET, names)))
    return f"{path_key}:{hashlib.sha256(query.encode()).hexdigest()}"


def cache_anonymous_page(view=None, *, query_params: Iterable[str] | None = None):
    """Serve anonymous GETs of a view from the cache; anyone logged in gets a fresh page.

    `query_params` are the GET parameters the view reads; None when the view declares them
    while it runs, in `request.cache_query_params` (Wagtail's serve: each page, in the hook
    above). A response whose view declared nothing is not cached.

    Until a path's page has declared its parameters, a request is served whole, as it came:
    a page that is never cached (a form) keeps every parameter it reads. Once declared, the
    others are dropped before the view runs. A page rendered from a query with undeclared
    parameters is never stored: its links would carry them to every visitor.
    """
    if view is None:
        return partial(cache_anonymous_page, query_params=query_params)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_cacheable_request(request) or settings.PAGE_CACHE_SECONDS <= 0:
            return view(request, *args, **kwargs)
        path = hashlib.sha256(request.path.encode()).hexdigest()
        path_key = f"page:{current_generation()}:{get_language()}:{path}"
        params_key = f"{path_key}:params"
        names = cache.get(params_key) if query_params is None else tuple(query_params)
        if names is not None:
            cached = cache.get(entry_key(path_key, request, names))
            if cached is not None:
                return cached
            keep_only(request, names)
        request.cache_query_params = names
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        names = request.cache_query_params
        if names is not None and is_cacheable_response(request, response):
            patch_response_headers(response, cache_timeout=60)
            entries = {params_key: names} if query_params is None else {}
            if set(request.GET) <= set(names):
                entries[entry_key(path_key, request, names)] = response
            cache.set_many(entries, settings.PAGE_CACHE_SECONDS)
        return response

    return wrapper
