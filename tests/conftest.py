from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, Site

from academy.models import HomePage
from academy.settings.base import redis_cache
from bases.models import TrainingBaseIndexPage
from core.models import AcademySettings, NewsIndexPage
from courses.models import CourseIndexPage
from lecturers.models import LecturerIndexPage
from tests.factories import SuperuserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    """Pages are cached whole for anonymous visitors; no test may see another's pages."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site_tree(db):
    """The site as editors build it: a home page as the default site's root, four indexes in
    its menu."""
    root = Page.objects.get(depth=1)
    welcome = Page.objects.get(depth=2)
    home = root.add_child(
        instance=HomePage(title="烟台城市党建学院", slug="academy", tagline="党建引领 共建共享")
    )
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    # The footer's contact settings exist before any visit: created on a first GET, their
    # save would bump the page-cache generation mid-request.
    AcademySettings.objects.get_or_create(site=site)
    welcome.delete()
    tree = SimpleNamespace(
        home=home,
        courses=home.add_child(
            instance=CourseIndexPage(title="名课", slug="courses", show_in_menus=True)
        ),
        lecturers=home.add_child(
            instance=LecturerIndexPage(title="名师", slug="trainers", show_in_menus=True)
        ),
        bases=home.add_child(
            instance=TrainingBaseIndexPage(title="名基地", slug="bases", show_in_menus=True)
        ),
        news=home.add_child(instance=NewsIndexPage(title="动态", slug="news", show_in_menus=True)),
    )
    cache.clear()
    return tree


@pytest.fixture
def count_queries(client, settings):
    """Queries for an uncached GET of `url`, its renditions made and only site roots cached.

    The first GET makes the renditions; the cache is then emptied so that a rendition the
    view forgot to prefetch costs a query instead of hiding in the cache, and Wagtail's
    site-root paths are warmed alone, the same way for every measurement.
    """
    settings.PAGE_CACHE_SECONDS = 0

    def count(url: str) -> int:
        assert client.get(url).status_code == 200
        cache.clear()
        Site.get_site_root_paths()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries.captured_queries)

    return count


@pytest.fixture
def no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def postgres():
    """Skips the test unless it runs on PostgreSQL: concurrent transactions need it."""
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent transactions on PostgreSQL (DATABASE_URL=postgres://…)")


@pytest.fixture
def sqlite():
    """Skips the test unless it runs on SQLite."""
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite flow runs only against SQLite")


@pytest.fixture
def admin_client(client, db):
    """A client logged in as a superuser (pytest-django's own fixture, with our factory)."""
    client.force_login(SuperuserFactory(username="admin"))
    return client


@pytest.fixture
def redis_down(settings):
    """Production's Redis cache and cached_db sessions, with Redis down: nothing listens there."""
    settings.CACHES = {"default": redis_cache("redis://127.0.0.1:6390/0")}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
