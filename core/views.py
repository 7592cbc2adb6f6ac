"""Site-wide public views: search and the health check."""

import logging

from django.core.cache import cache, caches
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.crypto import get_random_string
from wagtail.models import Page

from .cache import cache_anonymous_page
from .search import MAX_QUERY_LENGTH, highlight, segment_query

logger = logging.getLogger(__name__)

SEARCH_PAGE_SIZE = 10


@cache_anonymous_page(query_params=("q", "page"))
def search(request):
    """Find courses, lecturers, bases and news by Chinese or English words."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    segmented = segment_query(query)
    results_page = None
    if segmented:
        results = Page.objects.live().public().exclude(depth__lte=2)
        results = results.search(segmented, operator="and")
        results_page = Paginator(results, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
        pages = Page.objects.filter(pk__in=[page.pk for page in results_page]).specific()
        by_pk = {page.pk: page for page in pages}
        results_page.object_list = [
            {
                "page": by_pk[page.pk],
                "type": by_pk[page.pk]._meta.verbose_name,
                "snippet": highlight(search_snippet(by_pk[page.pk]), query),
            }
            for page in results_page
            if page.pk in by_pk
        ]
    return render(request, "core/search.html", {"query": query, "results_page": results_page})


def search_snippet(page) -> str:
    getter = getattr(page, "search_snippet_text", None)
    return getter() if getter else page.search_description


def healthz(request):
    """200 when the database and the cache answer, 503 naming what failed."""
    status = {"database": connection.vendor, "cache": type(caches["default"]).__name__}
    ok = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        status["database_ok"] = True
    except Exception:
        logger.exception("health check: database unreachable")
        status["database_ok"] = ok = False
    try:
        probe = get_random_string(8)
        key = f"healthz:{probe}"
        cache.set(key, probe, 10)
        status["cache_ok"] = cache.get(key) == probe
        cache.delete(key)
    except Exception:
        logger.exception("health check: cache unreachable")
        status["cache_ok"] = False
    ok = ok and status["cache_ok"]
    status["status"] = "ok" if ok else "unavailable"
    return JsonResponse(status, status=200 if ok else 503)
