"""Writes that take, free and decide seats. Every one locks the cohort before it counts.

Locking follows pretix's rules, through `core.locking`: lock everything whose availability you
consume (the cohort row), lock once per transaction and as late as possible but before
re-counting, and send mail only after the transaction commits. Every change of a
registration's state takes the acting user (`by`, None for a trainee on their own link) and
writes its audit entry (Wagtail's log) in the transaction of the change. On SQLite,
`transaction_mode: IMMEDIATE` makes the transaction itself the lock: BEGIN IMMEDIATE waits for
any other writer.
"""

import datetime
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, make_dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.log_actions import get_active_log_context, log
from wagtail.models import ModelLogEntry

from core.locking import lock_object, lock_rows
from core.models import User
from core.tokens import new_token
from core.validators import mask_phone

from ..models import Cohort, Registration, RegistrationGroup, new_code
from ..notifications import Notice, notify_after_commit, notify_group_after_commit

Status = Registration.Status


class BookingError(Exception):
    """A registration that cannot be made or changed; the message is for the trainee."""

    default_message = _("The registration could not be completed.")
    code = "booking_error"

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class RegistrationClosed(BookingError):
    default_message = _("Registration for this cohort is not open.")
    code = "registration_closed"


class CohortFull(BookingError):
    default_message = _("All seats are taken (名额已满).")
    code = "cohort_full"


class AlreadyRegistered(BookingError):
    code = "already_registered"

    def __init__(self, phones: Sequence[str]):
        self.phones = list(phones)
        masked = "、".join(mask_phone(phone) for phone in self.phones)
        super().__init__(_("Already registered for this cohort: %(phones)s.") % {"phones": masked})


class InvalidTransition(BookingError):
    code = "invalid_transition"
    default_message = _("This registration can no longer be changed.")


class CapacityBelowSeatsTaken(BookingError):
    code = "capacity_below_seats_taken"

    def __init__(self, seats_taken: int):
        self.seats_taken = seats_taken
        super().__init__(
            ngettext(
                "%(count)d seat is already taken; the cohort needs at least that many.",
                "%(count)d seats are already taken; the cohort needs at least that many.",
                seats_taken,
            )
            % {"count": seats_taken}
        )


def trainee_field(name: str) -> tuple:
    """An Applicant's field: required where the model's is, else empty by default."""
    if Registration._meta.get_field(name).blank:
        return name, str, field(default="")
    return name, str


Applicant = make_dataclass(
    "Applicant",
    [trainee_field(name) for name in Registration.TRAINEE_FIELDS],
    frozen=True,
    kw_only=True,
)
Applicant.__module__ = __name__
Applicant.__doc__ = """One trainee's details (the model's `Registration.TRAINEE_FIELDS`), already
validated and normalised by a form or serializer."""


@dataclass(frozen=True)
class GroupContact:
    """The unit a group comes from (stored on every member) and who registered it."""

    unit: str
    contact_name: str
    contact_phone: str
    contact_email: str = ""


def lock_cohort(cohort_id: int) -> Cohort:
    """The cohort, locked for the rest of the transaction: every writer of its seats takes
    this lock before it counts them (`core.locking`: raises LockTimeout when busy)."""
    return lock_object(Cohort, cohort_id)


def lock_cohorts(cohort_ids: Iterable[int]) -> None:
    """Lock several cohorts, in the one order every writer uses (by id)."""
    lock_rows(Cohort, cohort_ids)


def seat_counts(cohort: Cohort) -> tuple[int, int]:
    """(seats taken, places on the waiting list), counted now."""
    counts = Registration.objects.filter(cohort=cohort).aggregate(
        taken=Count("pk", filter=Q(status__in=Registration.SEAT_STATUSES)),
        waiting=Count("pk", filter=Q(status=Status.WAITLISTED)),
    )
    return counts["taken"], counts["waiting"]


def check_registration(
    cohort_id: int,
    *,
    applicants: Sequence[Applicant],
    lock: bool = True,
    after_count: Callable[[], None] | None = None,
) -> tuple[Cohort, str, datetime.datetime]:
    """Steps 1 to 3 of `register`, writing nothing: the cohort (locked, for the rest of the
    caller's transaction), the status every applicant would get and the time the lock was
    had, or the BookingError `register` would raise. An import's preview asks this instead
    of registering and rolling back. Needs a transaction, as the lock does."""
    if not applicants:
        raise BookingError(_("Add at least one trainee."))
    phones = [applicant.phone for applicant in applicants]
    repeated = sorted(phone for phone, count in Counter(phones).items() if count > 1)
    if repeated:
        raise BookingError(
            _("The same mobile number appears twice: %(phones)s.")
            % {"phones": "、".join(mask_phone(phone) for phone in repeated)}
        )
    cohort = lock_cohort(cohort_id) if lock else Cohort.objects.get(pk=cohort_id)
    now = timezone.now()
    if not cohort.accepts_registrations(now):
        raise RegistrationClosed()
    taken = list(
        Registration.objects.filter(
            cohort=cohort, phone__in=phones, status__in=Registration.ACTIVE_STATUSES
        ).values_list("phone", flat=True)
    )
    if taken:
        raise AlreadyRegistered(taken)
    seats_taken, waiting = seat_counts(cohort)
    if after_count:
        after_count()
    return cohort, decide_status(cohort, len(applicants), seats_taken, waiting), now


def register(
    cohort_id: int,
    *,
    applicants: Sequence[Applicant],
    source: str = Registration.Source.WEB,
    group: GroupContact | None = None,
    by: User | None = None,
    notify: bool = True,
    lock: bool = True,
    after_count: Callable[[], None] | None = None,
) -> list[Registration]:
    """Register one trainee, or a unit's group, for a cohort: all of them or none.

    1. Refuse a request that names the same phone twice.
    2. In one transaction: lock the cohort, check the registration window, refuse phones that
       already hold an active registration, count seats and waiting places.
    3. Everyone gets a seat (confirmed, or pending when staff approve), or everyone goes on the
       waiting list, or nobody is registered and CohortFull is raised.
    4. Write the registrations; notices go out once the transaction has committed (unless
       staff registering someone who phoned in choose `notify=False`), and a group's contact
       gets one with the group's private page.

    `by` is the member of staff who registers someone (source "staff"), None for a trainee
    or a unit's contact registering themselves; a registration by staff is logged
    (`wagtail.create`, with who and when) in the same transaction.

    `lock=False` and `after_count` exist for the control test that shows the race the lock
    prevents; nothing else passes them.
    """
    with transaction.atomic():
        cohort, status, now = check_registration(
            cohort_id, applicants=applicants, lock=lock, after_count=after_count
        )

        registration_group = None
        if group:
            registration_group = RegistrationGroup.objects.create(
                cohort=cohort,
                unit=group.unit,
                contact_name=group.contact_name,
                contact_phone=group.contact_phone,
                contact_email=group.contact_email,
            )
        registrations = [
            Registration(
                cohort=cohort,
                group=registration_group,
                status=status,
                source=source,
                code=new_code(),
                token=new_token(),
                consented_at=now,
                decided_at=now if status == Status.CONFIRMED else None,
                **applicant.__dict__,
            )
            for applicant in applicants
        ]
        save_registrations(registrations)
        if by is not None:
            log_each(registrations, "wagtail.create", by=by, timestamp=now)
        if notify:
            notify_after_commit(registrations, Notice.for_status(status))
            if registration_group:
                notify_group_after_commit(registration_group, registrations)
    return registrations


def log_each(registrations: Sequence[Registration], action: str, *, by: User, timestamp) -> None:
    """The entry `log()` writes for each registration, written in one INSERT: a staff import
    registers thousands at once, and one INSERT per entry would cost more than the seats."""
    context = get_active_log_context()
    content_type = ContentType.objects.get_for_model(Registration, for_concrete_model=False)
    ModelLogEntry.objects.bulk_create(
        [
            ModelLogEntry(
                content_type=content_type,
                label=str(registration),
                action=action,
                timestamp=timestamp,
                data={},
                user=by or context.user,
                uuid=context.uuid,
                object_id=str(registration.pk),
            )
            for registration in registrations
        ],
        batch_size=1000,
    )


def decide_status(cohort: Cohort, count: int, seats_taken: int, waiting: int) -> str:
    """`Cohort.status_for_new`, raising CohortFull where it says the cohort is full."""
    status = cohort.status_for_new(count, seats_taken=seats_taken, waiting=waiting)
    if status is None:
        raise CohortFull()
    return status


def save_registrations(registrations: list[Registration]) -> None:
    """Insert, drawing new codes in the (one in ten billion) case that one is taken."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                Registration.objects.bulk_create(registrations)
            return
        except IntegrityError:
            codes = [registration.code for registration in registrations]
            if attempt == 2 or not Registration.objects.filter(code__in=codes).exists():
                raise
            for registration in registrations:
                registration.code = new_code()


def cancel_registration(registration: Registration, *, by: User | None = None) -> list[int]:
    """Cancel an active registration, free its seat and promote the next in line.

    `by` is the member of staff who cancels, or None for the trainee through their private
    link; a trainee may cancel only until the cohort begins, staff at any time.

    1. In one transaction: lock the cohort, read the registration again and refuse one that is
       no longer active (InvalidTransition).
    2. Mark it cancelled and log `bookings.registration.cancel`.
    3. A freed seat goes to the waiting list at once (`promote_waitlisted`).

    Returns the ids of the registrations promoted from the waiting list.
    """
    with transaction.atomic():
        cohort = lock_cohort(registration.cohort_id)
        registration = Registration.objects.get(pk=registration.pk)
        if not registration.is_active:
            raise InvalidTransition()
        if by is None and cohort.has_begun:
            raise InvalidTransition(
                _("The cohort has begun; please ask the academy's staff to cancel.")
            )
        freed = registration.status in Registration.SEAT_STATUSES
        now = timezone.now()
        registration.status = Status.CANCELLED
        registration.cancelled_at = now
        registration.save(update_fields=["status", "cancelled_at", "updated_at"])
        log(registration, "bookings.registration.cancel", user=by, timestamp=now)
        notify_after_commit([registration], Notice.CANCELLED)
        return promote_waitlisted(cohort, by=by) if freed else []


def set_status(
    registrations: list[Registration], status: str, *, action: str, by: User | None
) -> None:
    """Give registrations a new status in one UPDATE (decided now when confirmed or turned
    down, `updated_at` kept true) and log `action` for each, in the caller's transaction."""
    now = timezone.now()
    decided_at = None if status == Status.PENDING else now
    for registration in registrations:
        registration.status = status
        registration.decided_at = decided_at
        registration.updated_at = now
    Registration.objects.bulk_update(registrations, ["status", "decided_at", "updated_at"])
    for registration in registrations:
        log(registration, action, user=by, timestamp=now)


def approve_registrations(registration_ids: Sequence[int], *, by: User | None) -> int:
    """Confirm pending registrations; their seats were held since they registered.

    The cohorts are locked, as every writer of their registrations does, so a registration
    cannot be approved while it is being rejected or cancelled. Registrations that are no
    longer pending are left as they are. Each approval is logged
    (`bookings.registration.approve`). Returns how many were approved.
    """
    with transaction.atomic():
        lock_cohorts(
            Registration.objects.filter(pk__in=registration_ids).values_list("cohort_id", flat=True)
        )
        pending = list(
            Registration.objects.filter(pk__in=registration_ids, status=Status.PENDING).order_by(
                "pk"
            )
        )
        set_status(pending, Status.CONFIRMED, action="bookings.registration.approve", by=by)
        notify_after_commit(pending, Notice.CONFIRMED)
    return len(pending)


def reject_registrations(registration_ids: Sequence[int], *, by: User | None) -> int:
    """Turn pending registrations down, freeing their seats for the waiting list.

    One transaction per cohort, each with the cohort locked: reject its pending registrations
    among these, log each (`bookings.registration.reject`) and promote the waiting list.
    Returns how many were rejected.
    """
    rejected = 0
    cohort_ids = sorted(
        set(
            Registration.objects.filter(pk__in=registration_ids, status=Status.PENDING).values_list(
                "cohort_id", flat=True
            )
        )
    )
    for cohort_id in cohort_ids:
        with transaction.atomic():
            cohort = lock_cohort(cohort_id)
            pending = list(
                Registration.objects.filter(
                    pk__in=registration_ids, cohort=cohort, status=Status.PENDING
                ).order_by("pk")
            )
            set_status(pending, Status.REJECTED, action="bookings.registration.reject", by=by)
            notify_after_commit(pending, Notice.REJECTED)
            promote_waitlisted(cohort, by=by)
            rejected += len(pending)
    return rejected


def promote_waitlisted(cohort: Cohort, *, by: User | None) -> list[int]:
    """Give free seats to the waiting list, first come first served. Needs the cohort locked.

    `by` is whoever freed the seats (None for a trainee who cancelled); each promotion is
    logged as `bookings.registration.promote` in the caller's transaction.
    """
    seats_taken, _waiting = seat_counts(cohort)
    free = cohort.capacity - seats_taken
    if free <= 0:
        return []
    promoted = list(
        Registration.objects.filter(cohort=cohort, status=Status.WAITLISTED).order_by(
            *Registration.WAITING_ORDER
        )[:free]
    )
    status = Status.PENDING if cohort.requires_approval else Status.CONFIRMED
    set_status(promoted, status, action="bookings.registration.promote", by=by)
    notify_after_commit(promoted, Notice.PROMOTED)
    return [registration.pk for registration in promoted]


def update_cohort(cohort: Cohort, *, by: User | None) -> list[int]:
    """Save staff's changes to a cohort without ever leaving more seats taken than seats.

    1. In one transaction: lock the cohort and count the seats taken; a capacity below them
       raises CapacityBelowSeatsTaken.
    2. Save the cohort and log Wagtail's `wagtail.edit` (the admin's edit view leaves its
       logging to this function) and, when the capacity changed, `bookings.cohort.capacity`
       with the old and new number of seats.
    3. Seats a larger capacity frees go to the waiting list at once (`promote_waitlisted`).

    `cohort` carries the changes, unsaved. Returns the ids of the registrations promoted.
    """
    with transaction.atomic():
        saved = lock_cohort(cohort.pk)
        seats_taken, _waiting = seat_counts(saved)
        if cohort.capacity < seats_taken:
            raise CapacityBelowSeatsTaken(seats_taken)
        now = timezone.now()
        cohort.save()
        log(cohort, "wagtail.edit", user=by, content_changed=True, timestamp=now)
        if cohort.capacity != saved.capacity:
            log(
                cohort,
                "bookings.cohort.capacity",
                user=by,
                timestamp=now,
                data={"old": saved.capacity, "new": cohort.capacity},
            )
        return promote_waitlisted(cohort, by=by)


def reveal_phone(registration: Registration, *, by: User) -> str:
    """The registration's full mobile number, for a member of staff allowed to see it (the
    caller checks `bookings.view_personal_data`). Each reveal is logged
    (`bookings.registration.reveal_phone`: who and when, never the number)."""
    log(registration, "bookings.registration.reveal_phone", user=by)
    return registration.phone


def find_registration(*, phone: str, code: str) -> Registration | None:
    return (
        Registration.objects.filter(phone=phone, code=code.strip().upper())
        .select_related("cohort__programme")
        .first()
    )


def resend_codes(*, phone: str, by: User | None = None) -> int:
    """Send each active registration of a mobile number its code and private link again, by
    SMS (and mail where it has an address), for a trainee who lost them.

    One audit entry per registration (`bookings.registration.resend_code`, no phone in it),
    in the transaction that queues the notices; they go out after commit. Returns how many
    registrations were sent: the caller must not tell the visitor, or the form would say which
    numbers are registered.
    """
    with transaction.atomic():
        registrations = list(
            Registration.objects.filter(
                phone=phone, status__in=Registration.ACTIVE_STATUSES
            ).order_by("created_at", "pk")
        )
        now = timezone.now()
        for registration in registrations:
            log(registration, "bookings.registration.resend_code", user=by, timestamp=now)
        notify_after_commit(registrations, Notice.CODE)
    return len(registrations)


def update_details(registration: Registration, *, by: User | None) -> Registration:
    """Save staff's corrections to a registration's details (`Registration.DETAIL_FIELDS`,
    which `registration` carries, unsaved) and log Wagtail's `wagtail.edit`, in one transaction.

    Only those fields are written, on the row locked: a cancellation or a decision made since
    the form was loaded stays as it is. A registration purged since (`purge_personal_data`)
    raises InvalidTransition, and no name or unit comes back into it.
    """
    with transaction.atomic():
        if lock_object(Registration.objects.only("purged_at"), registration.pk).purged_at:
            raise InvalidTransition()
        registration.save(update_fields=[*Registration.DETAIL_FIELDS, "updated_at"])
        log(registration, "wagtail.edit", user=by, content_changed=True)
    return registration


def rotate_token(registration: Registration, *, by: User | None = None) -> Registration:
    """Give the registration a new private token, revoking its old page and calendar links.

    `by` is None when the trainee resets their own link. Logged as
    `bookings.registration.reset_link`, without either token.
    """
    with transaction.atomic():
        registration.token = new_token()
        registration.save(update_fields=["token", "updated_at"])
        log(
            registration,
            "bookings.registration.reset_link",
            user=by,
            timestamp=registration.updated_at,
        )
    return registration
