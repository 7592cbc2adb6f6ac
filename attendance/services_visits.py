"""Study visits (来烟学习交流): the contact person of a visited base confirms a visit."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from bookings.models.cohorts import academy_today
from core.locking import lock_object

from .models import StudyVisit

CONFIRM_PERMISSION = "attendance.confirm_studyvisit"
# What staff fill in (`record_visit`); the confirmation is the base contact's.
STAFF_FIELDS = [
    "organisation",
    "province",
    "city",
    "contact_name",
    "contact_phone",
    "visited_on",
    "planned_headcount",
    "actual_headcount",
    "notes",
]


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


def record_visit(visit: StudyVisit, *, bases, by) -> StudyVisit:
    """Record a new visit or the staff's change of one (a spreadsheet import's row).

    1. Lock an existing visit; its confirmation (who confirmed, when: `confirm_visit`'s) stays
       as the lock found it, and a confirmed visit keeps an actual headcount.
    2. Validate it as the staff's form does (normalised names and mobile, headcounts).
    3. Save what staff fill in and the bases it went to, in one transaction.
    4. Log `wagtail.create` or `wagtail.edit`, as the admin's forms do, in that transaction.
    """
    created = visit.pk is None
    with transaction.atomic():
        if not created:
            current = lock_object(StudyVisit, visit.pk)
            if current.is_confirmed and visit.actual_headcount is None:
                raise ValidationError(
                    {"actual_headcount": _("A confirmed visit keeps its actual headcount.")}
                )
            visit.confirmed_by_id = current.confirmed_by_id
            visit.confirmed_at = current.confirmed_at
        visit.full_clean(exclude=["bases"])
        if created:
            visit.save()
        else:
            visit.save(update_fields=[*STAFF_FIELDS, "updated_at"])
        visit.bases.set(bases)
        log(visit, "wagtail.create" if created else "wagtail.edit", user=by, content_changed=True)
    return visit
