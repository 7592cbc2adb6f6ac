"""Writes that put sessions on a timetable. A lecturer, a training base or a room is never
booked twice at the same time.

A room belongs to its place: the session's training base, or the academy itself when the
session has none. Two sessions share a room only at the same place and under the same name, so
"二楼会议室" at one base is not "二楼会议室" at another base or in the academy's building.

Locking follows pretix's rules through `core.locking`, as `bookings.services.registrations` does
for seats: lock everything a session books (its lecturers' and base's rows, its room at its
place), once per transaction and as late as possible but before looking for clashes again. Every
writer takes the locks in one order (the session, then lecturers by id, the base, the room), so
two writers never wait on each other in a circle. Cancelling frees what a session booked and
locks nothing else. On SQLite, `transaction_mode: IMMEDIATE` makes the transaction itself the
lock and `select_for_update` does nothing.

Every writer takes the acting user (`by`) and writes its audit entry in its transaction:
`schedule_session` logs Wagtail's own `wagtail.create` or `wagtail.edit` (the admin's views
leave that to it), cancelling and restoring their `bookings.session.*` actions, deleting
Wagtail's `wagtail.delete`.
"""

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from wagtail.actions.delete import DeleteAction
from wagtail.log_actions import log

from bases.models import TrainingBasePage
from core.locking import lock_key, lock_object, lock_rows
from core.models import User
from lecturers.models import LecturerPage

from ..models import Cohort, Session
from ..selectors import session_queryset
from .registrations import lock_cohorts

# First key of the PostgreSQL advisory locks that stand for rooms, which have no row to lock.
ROOM_LOCK_SPACE = 1102


class SchedulingError(Exception):
    """A session that cannot be put on the timetable; `messages` are for staff."""

    code = "scheduling_error"

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__(" ".join(messages))


class DoubleBooking(SchedulingError):
    """One message for each scheduled session that already has the lecturer, base or room."""

    code = "double_booking"


class NotCancelled(SchedulingError):
    code = "not_cancelled"

    def __init__(self):
        super().__init__([_("This session is not cancelled.")])


class DeleteRefused(SchedulingError):
    """One sentence for each cohort or session that people still count on."""

    code = "delete_refused"


class AlreadyCancelled(SchedulingError):
    code = "already_cancelled"

    def __init__(self):
        super().__init__([_("This session was already cancelled.")])


def session_conflicts(
    *,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    lecturers,
    base,
    room: str,
    exclude_pk: int | None = None,
) -> QuerySet:
    """Scheduled sessions overlapping [starts_at, ends_at) that share a lecturer, base or room.

    `lecturers` holds LecturerPages or their ids, `base` is a TrainingBasePage, its id or None (the
    academy). A room is shared by a session at the same place (the same base, or no base either)
    with the same room; rooms are compared without surrounding spaces and an empty room shares
    nothing.
    """
    conflicts = (
        session_queryset()
        .select_related("cohort__programme")
        .scheduled()
        .overlapping(starts_at, ends_at)
        .sharing(
            lecturer_ids=[getattr(lecturer, "pk", lecturer) for lecturer in lecturers],
            base_id=getattr(base, "pk", base) or None,
            room=room,
        )
        .order_by("starts_at", "pk")
    )
    if exclude_pk is not None:
        conflicts = conflicts.exclude(pk=exclude_pk)
    return conflicts


def format_session_time(session: Session) -> str:
    starts_at = timezone.localtime(session.starts_at)
    ends_at = timezone.localtime(session.ends_at)
    end_format = "H:i" if ends_at.date() == starts_at.date() else "Y-m-d H:i"
    return f"{date_format(starts_at, 'Y-m-d H:i')}–{date_format(ends_at, end_format)}"


def conflict_messages(conflicts, *, lecturers, base, room: str) -> list[str]:
    """One sentence per conflicting session: which one, when, and what it shares."""
    return [
        double_booking_sentence(
            other, shared_resources(other, lecturers=lecturers, base=base, room=room)
        )
        for other in conflicts
    ]


def double_booking_sentence(other: Session, shared: list[str]) -> str:
    return _("Double booking: “%(session)s” (%(cohort)s, %(time)s) already has the %(shared)s.") % {
        "session": other.display_title,
        "cohort": other.cohort,
        "time": format_session_time(other),
        "shared": "、".join(shared),
    }


def shared_resources(other: Session, *, lecturers, base, room: str) -> list[str]:
    """What `other` (its lecturers prefetched) shares with a session with these lecturers
    (pages or ids), base and room: "lecturer 王建国", "training base …", "room …"."""
    lecturer_ids = {getattr(lecturer, "pk", lecturer) for lecturer in lecturers}
    base_id = getattr(base, "pk", base) or None
    room = (room or "").strip()
    shared = [
        _("lecturer %(name)s") % {"name": lecturer.title}
        for lecturer in other.lecturers.all()
        if lecturer.pk in lecturer_ids
    ]
    if base_id and other.base_id == base_id:
        shared.append(_("training base %(base)s") % {"base": other.base.title})
    if room and other.base_id == base_id and other.room.strip() == room:
        shared.append(_("room %(room)s") % {"room": room})
    return shared


@dataclass(frozen=True)
class Clash:
    """Another scheduled session that double-books one: it and what they share."""

    other: Session
    shared: list[str]

    @property
    def message(self) -> str:
        """The sentence the timetable form would refuse the session with."""
        return double_booking_sentence(self.other, self.shared)


def clashes_of(sessions: Sequence[Session]) -> dict[int, list[Clash]]:
    """For each scheduled one of `sessions` (lecturers prefetched), by id, the scheduled
    sessions of any cohort that double-book it, as `session_conflicts` would find them, and
    what they share. Two queries whatever the number of sessions (`clashing_with`)."""
    candidates = list(
        session_queryset()
        .select_related("cohort__programme")
        .clashing_with(sessions)
        .order_by("starts_at", "pk")
    )
    clashes: dict[int, list[Clash]] = {}
    for session in sessions:
        if session.is_cancelled:
            continue
        place = {
            "lecturers": [lecturer.pk for lecturer in session.lecturers.all()],
            "base": session.base_id,
            "room": session.room,
        }
        for other in candidates:
            if other.pk == session.pk or not session.overlaps(other):
                continue
            if shared := shared_resources(other, **place):
                clashes.setdefault(session.pk, []).append(Clash(other, shared))
    return clashes


def double_booking_messages(
    *,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    lecturers,
    base,
    room: str,
    exclude_pk: int | None = None,
) -> list[str]:
    """What a session at that time and place would double-book, one sentence per clash."""
    place = {"lecturers": list(lecturers), "base": base, "room": room}
    conflicts = session_conflicts(
        starts_at=starts_at, ends_at=ends_at, exclude_pk=exclude_pk, **place
    )
    return conflict_messages(conflicts, **place)


def lock_places(*, lecturer_ids: Iterable[int], base_id: int | None, room: str) -> None:
    """Lock what a session books: its lecturers' and base's rows, then its room at its place.

    The rows are locked `FOR NO KEY UPDATE` in the pages' own tables, not `wagtailcore_page`:
    other writers of sessions queue behind them, rows that merely refer to the page (a course
    naming the lecturer) do not. A room has no row: on PostgreSQL an advisory lock keyed by its
    place (`base_id`, or none for the academy) and its name stands for it, so writers of rooms
    with the same name at different places do not queue behind each other.
    """
    lock_rows(LecturerPage.objects.all(), lecturer_ids, no_key=True, of=("self",))
    if base_id:
        lock_rows(TrainingBasePage.objects.all(), [base_id], no_key=True, of=("self",))
    room = (room or "").strip()
    if room:
        # A base's id has no colon, so the key names one place and one room.
        lock_key(ROOM_LOCK_SPACE, f"{base_id or ''}:{room}")


def check_bookable(session: Session, *, lecturer_ids: list[int]) -> None:
    """Raise DoubleBooking if the session, scheduled, would share a lecturer, base or room."""
    if sentences := double_booking_messages(
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        lecturers=lecturer_ids,
        base=session.base_id,
        room=session.room,
        exclude_pk=session.pk,
    ):
        raise DoubleBooking(sentences)


def schedule_session(
    session: Session,
    *,
    lecturers: Iterable[LecturerPage],
    by: User | None,
    lock: bool = True,
    after_check: Callable[[], None] | None = None,
) -> Session:
    """Save a new or changed session with its lecturers, unless it double-books one of them,
    its training base or its room.

    1. In one transaction: lock the session's row when it exists, then its lecturers, base
       and room (`lock_places`).
    2. Look again for scheduled sessions at the same time that share any of them, now that no
       other writer can add one; raise DoubleBooking, a sentence per clash, if there are any.
    3. Save the session and set its lecturers, and log Wagtail's own `wagtail.create` or
       `wagtail.edit` for `by` (the admin's views leave the logging to this function).

    A cancelled session books nothing and is saved without the check. `lock=False` and
    `after_check` exist for the control test that shows the race the locks prevent; nothing
    else passes them.
    """
    lecturers = list(lecturers)
    lecturer_ids = [lecturer.pk for lecturer in lecturers]
    action = "wagtail.edit" if session.pk else "wagtail.create"
    with transaction.atomic():
        if not session.is_cancelled:
            if lock:
                if session.pk:
                    lock_rows(Session, [session.pk])
                lock_places(lecturer_ids=lecturer_ids, base_id=session.base_id, room=session.room)
            check_bookable(session, lecturer_ids=lecturer_ids)
            if after_check:
                after_check()
        session.save()
        session.lecturers.set(lecturers)
        log(session, action, user=by, content_changed=True)
    return session


def cancel_session(session_id: int, *, by: User | None) -> Session:
    """Take a session off the timetable: it stays in timetables and calendar feeds, marked
    cancelled, and frees its lecturers, base and room.

    With the session's row locked (nothing else: freeing locks nothing), raises
    AlreadyCancelled, or sets `cancelled_at`, raises `sequence` for calendar feeds and logs
    `bookings.session.cancel`.
    """
    with transaction.atomic():
        session = lock_object(Session, session_id)
        if session.is_cancelled:
            raise AlreadyCancelled()
        now = timezone.now()
        session.cancelled_at = now
        session.sequence += 1
        session.save(update_fields=["cancelled_at", "sequence", "updated_at"])
        log(session, "bookings.session.cancel", user=by, timestamp=now)
    return session


def restore_session(session_id: int, *, by: User | None) -> Session:
    """Put a cancelled session back on the timetable, unless that would double-book it.

    Locks as `schedule_session` does, then raises NotCancelled or DoubleBooking, or clears
    `cancelled_at`, raises the session's `sequence` for calendar feeds and logs
    `bookings.session.restore`.
    """
    with transaction.atomic():
        session = lock_object(Session, session_id)
        if not session.is_cancelled:
            raise NotCancelled()
        lecturer_ids = list(session.lecturers.values_list("pk", flat=True))
        lock_places(lecturer_ids=lecturer_ids, base_id=session.base_id, room=session.room)
        check_bookable(session, lecturer_ids=lecturer_ids)
        session.cancelled_at = None
        session.sequence += 1
        session.save(update_fields=["cancelled_at", "sequence", "updated_at"])
        log(session, "bookings.session.restore", user=by)
    return session


def session_delete_refusal(session: Session) -> str | None:
    """Why the session cannot be deleted (people count on it), or None."""
    if session.has_dependants():
        return _(
            "“%(session)s” cannot be deleted: its cohort has registrations. "
            "Cancel the session instead, so trainees and calendars see it as cancelled."
        ) % {"session": session.display_title}
    return None


def cohort_delete_refusal(cohort: Cohort) -> str | None:
    """Why the cohort cannot be deleted (it has registrations or sessions), or None."""
    if cohort.registrations.exists():
        return _("“%(cohort)s” cannot be deleted: it has registrations.") % {"cohort": cohort}
    if cohort.sessions.exists():
        return _("“%(cohort)s” cannot be deleted: delete its sessions first.") % {"cohort": cohort}
    return None


def delete_refusal(item: Cohort | Session) -> str | None:
    if isinstance(item, Cohort):
        return cohort_delete_refusal(item)
    return session_delete_refusal(item)


def delete_timetable_items(items: Sequence[Cohort | Session], *, by: User | None) -> None:
    """Delete cohorts or sessions, all of them or none: nothing anybody counts on is deleted.

    With their cohorts locked, the lock every writer of a registration takes, no registration
    can arrive between the check and the delete; any item refused raises DeleteRefused, a
    sentence per item, and nothing is deleted. Each deletion is Wagtail's own delete action,
    logged as `wagtail.delete` for `by`.
    """
    with transaction.atomic():
        lock_cohorts(item.pk if isinstance(item, Cohort) else item.cohort_id for item in items)
        if refusals := [refusal for item in items if (refusal := delete_refusal(item))]:
            raise DeleteRefused(refusals)
        for item in items:
            DeleteAction(item, user=by).execute(skip_permission_checks=True)
