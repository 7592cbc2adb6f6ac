"""Who came to which session, and the rules of a programme that turn it into study hours."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

# The permission (Attendance's Meta) that lets staff and scanner apps take attendance.
TAKE_ATTENDANCE = "attendance.take_attendance"


class AttendanceRule(models.Model):
    """A programme's attendance rules: lateness, what a late arrival earns, what completes it.

    A programme without a row follows the defaults below (`for_programme`).
    """

    class LateCredit(models.TextChoices):
        FULL = "full", _("Full study hours")
        HALF = "half", _("Half the study hours")
        NONE = "none", _("No study hours")

    programme = models.OneToOneField(
        "bookings.ProgrammePage",
        on_delete=models.CASCADE,
        related_name="attendance_rule",
        verbose_name=_("programme"),
    )
    late_after_minutes = models.PositiveSmallIntegerField(
        _("late after (minutes)"),
        default=10,
        help_text=_("A check-in this many minutes after the session starts counts as late."),
    )
    late_credit = models.CharField(
        _("a late arrival earns"), max_length=4, choices=LateCredit.choices, default=LateCredit.FULL
    )
    completion_percent = models.PositiveSmallIntegerField(
        _("completion: share of scheduled study hours (%)"),
        default=80,
        validators=[MaxValueValidator(100)],
    )
    allow_unexcused_absence = models.BooleanField(
        _("completion allows an unexcused absence"), default=False
    )
    opens_minutes_before = models.PositiveSmallIntegerField(
        _("self check-in opens (minutes before the start)"), default=30
    )
    closes_minutes_after = models.PositiveSmallIntegerField(
        _("self check-in closes (minutes after the start)"), default=30
    )

    class Meta:
        verbose_name = _("attendance rule")
        verbose_name_plural = _("attendance rules")

    def __str__(self):
        return str(self.programme)

    @classmethod
    def for_programme(cls, programme) -> "AttendanceRule":
        """The programme's rule, or an unsaved one with the defaults."""
        try:
            return programme.attendance_rule
        except cls.DoesNotExist:
            return cls(programme=programme)

    @classmethod
    def for_cohort(cls, cohort_id: int) -> "AttendanceRule":
        """The rule of the cohort's programme, or an unsaved one with the defaults: one query,
        without loading the programme's page."""
        return cls.objects.filter(programme__cohorts=cohort_id).first() or cls()

    @classmethod
    def late_after_minutes_of(cls, cohort_id) -> Coalesce:
        """The late threshold of the cohort's programme (the default without a rule), as an
        expression: a session's query reads it with the session (`OuterRef("cohort_id")`)."""
        rule = cls.objects.filter(programme__cohorts=cohort_id).values("late_after_minutes")
        default = cls._meta.get_field("late_after_minutes").default
        return Coalesce(Subquery(rule[:1]), Value(default))

    def credited_hours(self, study_hours: Decimal, status: str) -> Decimal:
        """The study hours an attendance of `status` earns for a session of `study_hours`."""
        if status == Attendance.Status.PRESENT:
            return study_hours
        if status == Attendance.Status.LATE:
            return {
                self.LateCredit.FULL: study_hours,
                self.LateCredit.HALF: study_hours / 2,
                self.LateCredit.NONE: Decimal(0),
            }[self.late_credit]
        return Decimal(0)


class Attendance(models.Model):
    """One trainee's attendance at one session: at most one row per registration and session.

    Made by the first check-in (scan, typed code, self check-in) or by staff on the roster;
    later scans find it and record nothing new. Rows are never deleted: the session and the
    registration are protected, and a cancelled session keeps its check-ins.
    """

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        EXCUSED = "excused", _("Excused")
        ABSENT = "absent", _("Absent")

    class Source(models.TextChoices):
        SCAN = "scan", _("Scanned by staff")
        CODE = "code", _("Code typed by staff")
        SELF = "self", _("Self check-in")
        ROSTER = "roster", _("Roster")

    ATTENDED = (Status.PRESENT, Status.LATE)
    # Nothing refers to a check-in: Wagtail need not index its references at each scan.
    wagtail_reference_index_ignore = True

    session = models.ForeignKey(
        "bookings.Session",
        on_delete=models.PROTECT,
        related_name="attendances",
        verbose_name=_("session"),
    )
    registration = models.ForeignKey(
        "bookings.Registration",
        on_delete=models.PROTECT,
        related_name="attendances",
        verbose_name=_("registration"),
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    checked_in_at = models.DateTimeField(
        _("checked in at"),
        null=True,
        blank=True,
        help_text=_("When the code was scanned, even if the scan reached the server later."),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["session__starts_at", "registration__name"]
        # Scanning codes at the door and marking the roster (the API, the scanner, the roster).
        permissions = [("take_attendance", _("Can take attendance"))]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "registration"], name="attendance_once_per_session"
            ),
        ]

    def __str__(self):
        return f"{self.registration.name} · {self.session} · {self.get_status_display()}"

    @property
    def attended(self) -> bool:
        return self.status in self.ATTENDED
