"""What keeps the live screen's cache current (competitions/live.py): a submitted or reopened
score bumps its round's generation, any save of what the screen shows bumps them all."""

from django.db.models.signals import post_delete, post_save

from .live import bump_competitions, bump_round
from .models import Assignment, Criterion, Project, Round
from .services import score_changed

score_changed.connect(bump_round, dispatch_uid="competitions-live-score")
for model in (Round, Criterion, Assignment, Project):
    post_save.connect(bump_competitions, sender=model, dispatch_uid=f"competitions-live-{model}")
    post_delete.connect(
        bump_competitions, sender=model, dispatch_uid=f"competitions-live-del-{model}"
    )
