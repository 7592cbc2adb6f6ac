"""Site-wide public views: search, the health check, the site's login."""

import logging

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.core.cache import cache, caches
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.models import Page

from .cache import cache_anonymous_page
from .ratelimit import retry_after, spent
from .search import MAX_QUERY_LENGTH, highlight, segment_query

logger = logging.getLogger(__name__)

SEARCH_PAGE_SIZE = 10
TOO_MANY_LOGINS = _("Too many login attempts. Please wait a few minutes and try again.")


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
    """What answers: 200 `ok`; 200 `degraded` with the cache down; 503 with the database down.

    The site serves without its cache (pages uncached, sessions from the database, rate limits
    open), so a load balancer that took every worker out for it would cause the outage the
    cache's failure does not; monitoring reads `status` and `cache_ok`.
    """
    status = {"database": connection.vendor, "cache": type(caches["default"]).__name__}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        status["database_ok"] = True
    except Exception:
        logger.exception("health check: database unreachable")
        status["database_ok"] = False
    try:
        probe = get_random_string(8)
        key = f"healthz:{probe}"
        cache.set(key, probe, 10)
        status["cache_ok"] = cache.get(key) == probe
        cache.delete(key)
    except Exception:
        logger.exception("health check: cache unreachable")
        status["cache_ok"] = False
    else:
        if not status["cache_ok"]:
            # django-redis ignores the error (settings.redis_cache) and logs none.
            logger.error("health check: the cache did not answer; pages are served uncached.")
    if not status["database_ok"]:
        status["status"] = "unavailable"
    elif not status["cache_ok"]:
        status["status"] = "degraded"
    else:
        status["status"] = "ok"
    return JsonResponse(status, status=200 if status["database_ok"] else 503)


class PrivacyView(TemplateView):
    """The privacy notice, with the retention period the purge command applies."""

    template_name = "academy/privacy.html"

    def get_context_data(self, **kwargs):
        days = settings.PERSONAL_DATA_RETENTION_DAYS
        years, rest = divmod(days, 365)
        return super().get_context_data(
            retention_days=days, retention_years=years if years and not rest else None, **kwargs
        )


class SiteLoginView(LoginView):
    """The site's own login (judges and other users without admin access), rate-limited.

    Each POST counts against the client address's budget and the typed username's
    (LOGIN_RATE_PER_IP, LOGIN_RATE_PER_USERNAME; django-ratelimit hashes the key, so no
    username is stored): a spent budget is refused with 429 before the password is checked, so
    guessing costs the same whether the password was right. Someone who floods a username
    locks it out for the rest of the window, which is short; the address's budget bounds a
    single attacker's guesses over all names. Staff land on the admin; everyone else on
    LOGIN_REDIRECT_URL, unless `next` names a page of the site.
    """

    template_name = "core/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        wait = spent(request, group="login", key="ip", rate=settings.LOGIN_RATE_PER_IP)
        if not wait and isinstance(username, str) and username.strip():
            wait = spent(
                request,
                group="login:username",
                key=lambda _group, _request: username.strip().casefold(),
                rate=settings.LOGIN_RATE_PER_USERNAME,
            )
        if wait:
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, TOO_MANY_LOGINS)
            return self.render_to_response(
                self.get_context_data(form=form), status=429, headers=retry_after(wait)
            )
        return super().post(request, *args, **kwargs)

    def get_default_redirect_url(self):
        if self.request.user.has_perm("wagtailadmin.access_admin"):
            return reverse("wagtailadmin_home")
        return super().get_default_redirect_url()
