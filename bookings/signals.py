"""Calendar feeds and pages are cached; any change to a cohort or its timetable makes them
stale: the home page lists the next cohorts, and course, lecturer and base pages their
sessions (none shows seat counts, which a registration changes)."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from core.cache import bump_calendar_generation, bump_generation

from .models import Cohort, Session

for model in (Cohort, Session):
    post_save.connect(bump_calendar_generation, sender=model, dispatch_uid=f"calendar-save-{model}")
    post_delete.connect(
        bump_calendar_generation, sender=model, dispatch_uid=f"calendar-delete-{model}"
    )
m2m_changed.connect(
    bump_calendar_generation, sender=Session.lecturers.through, dispatch_uid="calendar-lecturers"
)

for model in (Cohort, Session):
    post_save.connect(bump_generation, sender=model, dispatch_uid=f"page-cache-save-{model}")
    post_delete.connect(bump_generation, sender=model, dispatch_uid=f"page-cache-delete-{model}")
m2m_changed.connect(
    bump_generation, sender=Session.lecturers.through, dispatch_uid="page-cache-lecturers"
)
