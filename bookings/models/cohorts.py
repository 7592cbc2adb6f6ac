"""Cohorts (班次) and each cohort's timetable of sessions."""

import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Q
from django.db.models.functions import Trim
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.validators import validate_office_phone

from .registrations import Registration


def academy_today():
    """Today in the academy's time zone (settings.TIME_ZONE, Asia/Shanghai), whatever zone is
    active for the request."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


class CohortQuerySet(models.QuerySet):
    def unfinished(self):
        """The cohorts whose last day is today or later: those `is_finished` leaves out."""
        return self.filter(ends_on__gte=academy_today())

    def still_open(self, at=None):
        """The cohorts a trainee can still look forward to: not begun (its first day after
        today), registration not yet closed at `at` (now by default), the programme live.
        Soonest first: what the home page offers as the next training classes."""
        return self.filter(
            programme__live=True,
            starts_on__gt=academy_today(),
            registration_closes_at__gt=at or timezone.now(),
        ).order_by("starts_on", "pk")

    def with_seats(self):
        """With `seats_taken` and `waitlisted` annotated, and the programme: what the seat rules
        (`seats_left`, `new_registration_status`) read."""
        return self.select_related("programme").annotate(**cohort_seat_counts())


class Cohort(models.Model):
    """One run (班次) of a programme; it never holds more seats than its capacity.

    Its rules (finished, registration window, the status a new registration gets) are methods
    here, which pages, the API and the services all ask.
    """

    programme = models.ForeignKey(
        "bookings.ProgrammePage",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="cohorts",
    )
    title = models.CharField(_("title"), max_length=120, help_text=_("For example 第3期."))
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    capacity = models.PositiveIntegerField(_("seats"), validators=[MinValueValidator(1)])
    registration_opens_at = models.DateTimeField(_("registration opens"))
    registration_closes_at = models.DateTimeField(_("registration closes"))
    requires_approval = models.BooleanField(_("staff approve each registration"), default=False)
    waitlist_enabled = models.BooleanField(_("keep a waiting list"), default=True)
    waitlist_capacity = models.PositiveIntegerField(
        _("waiting list places"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no limit."),
    )
    asks_id_number = models.BooleanField(_("ask for the ID number"), default=False)
    audience = models.CharField(_("audience"), max_length=200, blank=True)
    location = models.CharField(_("main venue"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=40, blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=30, blank=True, validators=[validate_office_phone]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CohortQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "pk"]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="cohort_ends_after_it_starts",
                violation_error_message=_("The last day cannot be before the first day."),
            ),
            models.CheckConstraint(
                condition=Q(registration_closes_at__gt=models.F("registration_opens_at")),
                name="cohort_registration_window_ordered",
                violation_error_message=_("Registration must close after it opens."),
            ),
        ]

    def __str__(self):
        return f"{self.programme.title} {self.title}" if self.programme_id else self.title

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The last day cannot be before the first day.")})
        if (
            self.registration_opens_at
            and self.registration_closes_at
            and self.registration_closes_at <= self.registration_opens_at
        ):
            raise ValidationError(
                {"registration_closes_at": _("Registration must close after it opens.")}
            )

    def accepts_registrations(self, at=None) -> bool:
        """Whether `at` (now by default) is in the registration window: from its opening,
        included, to its closing, excluded."""
        at = at or timezone.now()
        return self.registration_opens_at <= at < self.registration_closes_at

    def registration_not_yet_open(self, at=None) -> bool:
        """Whether `at` (now by default) is before the registration window opens."""
        return (at or timezone.now()) < self.registration_opens_at

    @property
    def is_finished(self) -> bool:
        """Its last day is over: it is before today in the academy's time zone (Asia/Shanghai)."""
        return self.ends_on < academy_today()

    def status_for_new(self, count: int = 1, *, seats_taken: int, waiting: int) -> str | None:
        """The status `count` registrations made together would get, or None when the cohort is
        full: seats for all of them, else the waiting list for all of them, else nothing."""
        Status = Registration.Status
        if seats_taken + count <= self.capacity:
            return Status.PENDING if self.requires_approval else Status.CONFIRMED
        room_to_wait = self.waitlist_capacity is None or waiting + count <= self.waitlist_capacity
        if self.waitlist_enabled and room_to_wait:
            return Status.WAITLISTED
        return None

    @property
    def has_begun(self) -> bool:
        """Its first day has come in the academy's time zone: a trainee may no longer cancel."""
        return self.starts_on <= academy_today()

    @property
    def seats_left(self) -> int:
        """Free seats; needs `Cohort.objects.with_seats()`."""
        return max(0, self.capacity - self.seats_taken)

    @property
    def new_registration_status(self) -> str | None:
        """The status one more registration would get now; needs `Cohort.objects.with_seats()`."""
        return self.status_for_new(1, seats_taken=self.seats_taken, waiting=self.waitlisted)

    @property
    def status_label(self) -> str:
        now = timezone.now()
        if self.is_finished:
            return _("Finished")
        if self.has_begun:
            return _("Running")
        if self.registration_not_yet_open(now):
            return _("Registration not yet open")
        if self.accepts_registrations(now):
            return _("Registration open")
        return _("Registration closed")

    def get_url(self, request=None) -> str:
        return self.programme.url + self.programme.reverse_subpage(
            "cohort", kwargs={"cohort_id": self.pk}
        )


class SessionQuerySet(models.QuerySet):
    def scheduled(self):
        return self.filter(cancelled_at__isnull=True)

    def upcoming(self, at=None):
        """Scheduled sessions not yet over at `at` (now by default), of live programmes, soonest
        first: what a course's, lecturer's or base's page lists."""
        return (
            self.scheduled()
            .filter(ends_at__gt=at or timezone.now(), cohort__programme__live=True)
            .order_by("starts_at", "pk")
        )

    def overlapping(self, starts_at, ends_at):
        return self.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)

    def sharing(self, *, lecturer_ids, base_id, room: str):
        """Sessions that share a lecturer, the training base or the room with a session so
        placed (see `sharing_q`); with nothing to share, none."""
        shared = sharing_q(lecturer_ids=lecturer_ids, base_id=base_id, room=room)
        return self.annotate(room_key=Trim("room")).filter(shared) if shared else self.none()

    def clashing_with(self, sessions):
        """Scheduled sessions that overlap one of `sessions` (their lecturers prefetched) and
        share a lecturer, base or room with it, in one query; the sessions themselves included
        when they clash with each other. Cancelled ones among `sessions` book nothing.
        `Session.shared_with` says which of them each result clashes with, and how."""
        clash = Q()
        for session in sessions:
            shared = sharing_q(
                lecturer_ids=[lecturer.pk for lecturer in session.lecturers.all()],
                base_id=session.base_id,
                room=session.room,
            )
            if shared and not session.is_cancelled:
                clash |= Q(starts_at__lt=session.ends_at, ends_at__gt=session.starts_at) & shared
        if not clash:
            return self.none()
        return self.scheduled().annotate(room_key=Trim("room")).filter(clash)


def sharing_q(*, lecturer_ids, base_id, room: str) -> Q:
    """What a session with these lecturers, base and room shares with another: a lecturer, the
    base, or the room, a room being its name at one place (the base, or the academy when there
    is none). Rooms are compared without surrounding spaces (the `room_key` annotation) and an
    empty room shares nothing. An empty Q when the session has nothing to share."""
    room = (room or "").strip()
    shared = Q()
    if lecturer_ids:
        shared |= Q(pk__in=Session.objects.filter(lecturers__in=lecturer_ids).values("pk"))
    if base_id:
        shared |= Q(base_id=base_id)
    if room:
        # base_id=None matches the academy's own rooms (IS NULL).
        shared |= Q(base_id=base_id, room_key=room)
    return shared


class Session(models.Model):
    """One slot of a cohort's timetable; cancelled, never deleted, once people count on it."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cohort = models.ForeignKey(
        Cohort, verbose_name=_("cohort"), on_delete=models.PROTECT, related_name="sessions"
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    title = models.CharField(_("title"), max_length=120, blank=True)
    lecturers = models.ManyToManyField(
        "lecturers.LecturerPage", verbose_name=_("lecturers"), blank=True, related_name="sessions"
    )
    base = models.ForeignKey(
        "bases.TrainingBasePage",
        verbose_name=_("training base"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    room = models.CharField(
        _("room"), max_length=120, blank=True, help_text=_("For example 学院301教室.")
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    study_hours = models.DecimalField(
        _("study hours"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("2.0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("24"))],
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_it_starts",
                violation_error_message=_("A session must end after it starts."),
            )
        ]

    def __str__(self):
        return self.display_title

    @property
    def display_title(self) -> str:
        return self.title or (self.course.title if self.course_id else str(_("Session")))

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def place(self) -> str:
        parts = [self.base.title if self.base_id else "", self.room]
        return " ".join(part for part in parts if part)

    def overlaps(self, other: "Session") -> bool:
        """Whether the two sessions' times overlap (one ending as the other starts does not)."""
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("A session must end after it starts.")})
        if not (self.title or self.course_id):
            raise ValidationError({"title": _("Give the session a title or choose a course.")})

    def has_dependants(self) -> bool:
        """Whether people count on this session, so it may only be cancelled."""
        return self.cohort.registrations.exists()


def cohort_seat_counts():
    """Annotations for seats taken (confirmed or pending) and places on the waiting list."""
    return {
        "seats_taken": Count(
            "registrations", filter=Q(registrations__status__in=Registration.SEAT_STATUSES)
        ),
        "waitlisted": Count(
            "registrations",
            filter=Q(registrations__status=Registration.Status.WAITLISTED),
        ),
    }
