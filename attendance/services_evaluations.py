"""Evaluations (评教): the one way an evaluation is written."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from bookings.models import Registration, Session

from .models import Attendance, Evaluation


class EvaluationError(Exception):
    """An evaluation that cannot be made; the message is for the trainee."""

    default_message = _("The evaluation could not be saved.")
    code = "evaluation_error"

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class NotAttended(EvaluationError):
    default_message = _("Only a session you attended can be rated.")
    code = "not_attended"


class AlreadyEvaluated(EvaluationError):
    default_message = _("You have already rated this session. Thank you!")
    code = "already_evaluated"


@dataclass(frozen=True)
class Scores:
    """A trainee's answers: four scores from 1 to 5, and a comment."""

    content: int
    delivery: int
    usefulness: int
    organisation: int
    comment: str = ""


def may_evaluate(registration: Registration, session: Session) -> bool:
    """Whether the registration attended the session (present or late)."""
    return Attendance.objects.filter(
        registration=registration, session=session, status__in=Attendance.ATTENDED
    ).exists()


def evaluate(registration: Registration, session: Session, *, scores: Scores) -> Evaluation:
    """Record a trainee's evaluation of a session.

    1. The registration must have attended the session (present or late), else NotAttended.
    2. One evaluation per registration and session: the unique constraint holds it whatever
       the concurrency, and a second one is AlreadyEvaluated.
    The scores are validated by the model (1 to 5, a comment of at most 500 characters).
    """
    if not may_evaluate(registration, session):
        raise NotAttended
    evaluation = Evaluation(
        session=session,
        registration=registration,
        content=scores.content,
        delivery=scores.delivery,
        usefulness=scores.usefulness,
        organisation=scores.organisation,
        comment=scores.comment.strip(),
    )
    evaluation.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            evaluation.save()
    except IntegrityError as error:
        if Evaluation.objects.filter(session=session, registration=registration).exists():
            raise AlreadyEvaluated from error
        raise
    return evaluation


def sessions_to_evaluate(registration: Registration) -> list[Session]:
    """The sessions the registration attended and has not rated yet, in timetable order."""
    attended = Attendance.objects.filter(
        registration=registration, status__in=Attendance.ATTENDED
    ).values("session_id")
    rated = Evaluation.objects.filter(registration=registration).values("session_id")
    return list(
        Session.objects.filter(pk__in=attended)
        .exclude(pk__in=rated)
        .select_related("course")
        .prefetch_related("lecturers")
        .order_by("starts_at", "pk")
    )
