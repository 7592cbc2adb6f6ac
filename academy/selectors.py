"""Reads the home page and the figures share."""

from django.db.models import Prefetch
from wagtail.images import get_image_model


def site_figures() -> dict[str, int]:
    """Live counts of what the academy offers, straight from the database."""
    from bases.models import BasePage
    from courses.models import CoursePage
    from trainers.models import TrainerPage

    return {
        "courses": CoursePage.objects.live().count(),
        "lecturers": TrainerPage.objects.live().count(),
        "bases": BasePage.objects.live().count(),
    }


def featured_courses(limit: int = 6):
    from courses.models import CoursePage

    return (
        CoursePage.objects.live()
        .filter(featured=True)
        .prefetch_related(
            Prefetch("image", queryset=get_image_model().objects.prefetch_renditions())
        )
        .order_by("-last_published_at", "pk")[:limit]
    )


def latest_news(limit: int = 5):
    from .models import NewsPage

    return NewsPage.objects.live().order_by("-date", "-pk")[:limit]
