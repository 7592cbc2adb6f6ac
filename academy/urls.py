from csp.decorators import csp_update
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib.auth.views import LogoutView
from django.urls import include, path, re_path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.images.views.serve import ServeView

from attendance.api import CheckInViewSet, SessionAttendanceViewSet
from attendance.api_figures import FiguresView
from bookings.api import CohortViewSet, RegistrationViewSet
from competitions.api import RoundViewSet
from core import views
from core.cache import cache_anonymous_page

api_router = SimpleRouter()
api_router.register("cohorts", CohortViewSet, basename="cohort")
api_router.register("registrations", RegistrationViewSet, basename="registration")
api_router.register("checkins", CheckInViewSet, basename="checkin")
api_router.register("sessions", SessionAttendanceViewSet, basename="session")
api_router.register("rounds", RoundViewSet, basename="round")

# Under /api/ the API's JSON errors, elsewhere the site's pages (core.api.api_or_site).
handler400 = "core.api.bad_request"
handler403 = "core.api.permission_denied"
handler404 = "core.api.page_not_found"
handler500 = "core.api.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Crawlers ask for these at the root, in no language.
    path("sitemap.xml", sitemap, name="sitemap"),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
    path("api/v1/figures/", FiguresView.as_view(), name="figures"),
    path("api/v1/", include(api_router.urls)),
    # Calendar apps send no language and feeds are written in Chinese: outside i18n_patterns.
    path("calendar/", include("bookings.calendars.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's start-up script comes from a second request (?script), not inline; its page
    # keeps a small inline style.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    re_path(
        r"^images/([^/]*)/(\d*)/([^/]*)/[^/]*$", ServeView.as_view(), name="wagtailimages_serve"
    ),
]

# Chinese at the root, English under /en/: the language is in the URL, so whole pages can be
# cached per language and switching needs no cookie.
urlpatterns += i18n_patterns(
    path("search/", views.search, name="search"),
    # A template, not an editable page: every consent line links here, so it must always exist.
    path(
        "privacy/",
        cache_anonymous_page(views.PrivacyView.as_view(), query_params=()),
        name="privacy",
    ),
    path("bookings/", include("bookings.urls")),
    path("attendance/", include("attendance.urls")),
    # Completion certificates: the public verification page, the trainee's download (issue 11).
    path("certificates/", include("attendance.results.urls")),
    # A trainee's evaluation of a session they attended, reached from their private page.
    path("evaluations/", include("attendance.urls_evaluations")),
    path("competitions/", include("competitions.urls")),
    # The site's own login, for users without admin access (judges); staff use the admin's.
    path("accounts/login/", views.SiteLoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    # Wagtail's pages, anywhere but under /api/: an unknown API path is the API's JSON 404, not a
    # page (where a POST would meet the site's CSRF check and its HTML 403).
    re_path(
        r"^(?!api/)((?:[\w\-]+/)*)$",
        cache_anonymous_page(wagtail_views.serve),
        name="wagtail_serve",
    ),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns
