"""Study visits (来烟学习交流): the contact person of a visited base confirms a visit."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from bookings.models.cohorts import academy_today
from core.locking import lock_object

from .models import StudyVisit

CONFIRM_PERMISSION = "attendance.confirm_studyvisit"


class VisitError(Exception):
    """A study visit that cannot be confirmed; the message is for the member of staff."""

    default_message = _("The study visit could not be confirmed.")
    code = "visit_error"

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class NotTheBaseContact(VisitError):
    default_message = _("Only the contact person of a base this delegation visited may confirm it.")
    code = "not_base_contact"


class VisitNotYetHeld(VisitError):
    default_message = _("A visit can be confirmed on its day or later.")
    code = "not_yet_held"


def may_confirm(visit: StudyVisit, user) -> bool:
    """Whether `user` is the contact person of a base the visit went to, and may confirm
    visits (the 基地联系人 role). Nobody else may, superusers included: the confirmation says
    that the base received the delegation."""
    return (
        user.is_authenticated
        and user.has_perm(CONFIRM_PERMISSION)
        and visit.bases.filter(contact_user=user).exists()
    )


def confirm_visit(visit: StudyVisit, *, actual_headcount: int, by) -> StudyVisit:
    """Confirm that the delegation came, and how many of them.

    1. Only a contact person of a visited base (`may_confirm`), on the visit's day or later.
    2. Lock the visit, record the headcount, who confirmed and when; a visit confirmed again
       (a corrected count) keeps the latest.
    3. Log `attendance.study_visit.confirm` with the headcount before and after, in the same
       transaction.
    """
    if not may_confirm(visit, by):
        raise NotTheBaseContact
    if visit.visited_on > academy_today():
        raise VisitNotYetHeld
    with transaction.atomic():
        visit = lock_object(StudyVisit, visit.pk)
        previous = visit.actual_headcount
        now = timezone.now()
        visit.actual_headcount = actual_headcount
        visit.confirmed_by = by
        visit.confirmed_at = now
        visit.full_clean()
        visit.save(update_fields=["actual_headcount", "confirmed_by", "confirmed_at", "updated_at"])
        log(
            visit,
            "attendance.study_visit.confirm",
            user=by,
            timestamp=now,
            data={"old": previous, "new": actual_headcount},
        )
    return visit
