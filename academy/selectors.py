"""Reads the home page and the figures share: the top is the one place that knows every app."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from wagtail.models import Page

from bases.models import TrainingBasePage
from bookings.models import Cohort
from core.models import NewsPage, with_renditions
from courses.models import CoursePage
from lecturers.models import LecturerPage


def site_figures() -> dict[str, int]:
    """Live counts of what the academy offers, straight from the database, in one query."""
    names = {
        ContentType.objects.get_for_model(model).pk: name
        for name, model in (
            ("courses", CoursePage),
            ("lecturers", LecturerPage),
            ("bases", TrainingBasePage),
        )
    }
    counts = (
        Page.objects.live()
        .filter(content_type__in=names)
        .order_by()
        .values("content_type")
        .annotate(count=Count("pk"))
    )
    figures = dict.fromkeys(names.values(), 0)
    figures.update({names[row["content_type"]]: row["count"] for row in counts})
    return figures


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
