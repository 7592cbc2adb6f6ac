"""Calendar feeds are cached; any change to a cohort or its timetable makes them stale."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from core.cache import bump_calendar_generation

from .models import Cohort, Session

for model in (Cohort, Session):
    post_save.connect(bump_calendar_generation, sender=model, dispatch_uid=f"calendar-save-{model}")
    post_delete.connect(
        bump_calendar_generation, sender=model, dispatch_uid=f"calendar-delete-{model}"
    )
m2m_changed.connect(
    bump_calendar_generation, sender=Session.lecturers.through, dispatch_uid="calendar-lecturers"
)
