"""Reads the home page and the figures share: the top is the one place that knows every app."""

from attendance.figures import cached_headline
from bookings.models import Cohort
from core.models import NewsPage, with_renditions
from courses.models import CoursePage


def site_figures() -> dict:
    """The academy's headline figures (attendance.figures: courses, lecturers, bases, sessions
    held, study hours and the visitors), counted at most every few minutes: the same numbers
    as `GET /api/v1/figures/`."""
    return cached_headline()


def featured_courses(limit: int = 6):
    return (
        CoursePage.objects.live()
        .filter(featured=True)
        .prefetch_related(with_renditions("image"))
        .order_by("-last_published_at", "pk")[:limit]
    )


def latest_news(limit: int = 5):
    return NewsPage.objects.live().order_by("-date", "-pk")[:limit]


def next_cohorts(limit: int = 4) -> list[Cohort]:
    """The next cohorts trainees can still look forward to (`Cohort.objects.still_open()`),
    with their programmes, in one query. No seat counts: the home page is cached whole, and
    a registration does not make it stale."""
    return list(Cohort.objects.still_open().select_related("programme")[:limit])
