"""Reads of cohorts and timetables shared by pages, the API and the admin."""

from itertools import groupby

from django.db.models import Prefetch
from django.utils import timezone

from lecturers.models import LecturerPage

from .models.cohorts import Session


def cohorts_with_seats(queryset):
    """`queryset.with_seats()`: cohorts annotated with `seats_taken` and `waitlisted`."""
    return queryset.with_seats()


def session_queryset():
    return Session.objects.select_related("course", "base").prefetch_related(
        Prefetch(
            "lecturers",
            queryset=LecturerPage.objects.only("id", "title", "url_path", "path", "depth"),
        )
    )


def cohort_sessions(cohort) -> list[Session]:
    """The cohort's sessions in order, course and base selected, lecturers prefetched."""
    return list(session_queryset().filter(cohort=cohort).order_by("starts_at", "pk"))


def timetable(cohort, sessions: list[Session] | None = None) -> list[tuple]:
    """The cohort's sessions (`cohort_sessions`, loaded unless given) grouped by local day:
    [(date, [session, …]), …]."""
    if sessions is None:
        sessions = cohort_sessions(cohort)
    return [
        (day, list(day_sessions))
        for day, day_sessions in groupby(
            sessions, key=lambda session: timezone.localdate(session.starts_at)
        )
    ]


def seats_left(cohort) -> int:
    """`cohort.seats_left`, of a cohort from `with_seats()`."""
    return cohort.seats_left


def upcoming_sessions(limit: int = 8, **filters) -> list[Session]:
    """The next scheduled sessions matching `filters` (a course, a lecturer, a base), with
    their cohort, programme, course and base, in one query whatever their number."""
    return list(
        Session.objects.upcoming()
        .filter(**filters)
        .select_related("cohort__programme", "course", "base")[:limit]
    )
