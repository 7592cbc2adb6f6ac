"""The completion rule (结业): who has earned enough of a cohort's hours, without skipping.

A confirmed registration completes its cohort when

1. its credited hours (the ledger's, `hours.credited_hours`) reach the programme's
   `completion_percent` of the cohort's scheduled hours: the `study_hours` of every session
   not cancelled, held or still to come; and
2. it has no unexcused absence, unless the programme allows them: a session marked absent, or
   a session already over (not cancelled) with no attendance at all, since nobody asked for
   leave (请假, "excused") for it.

A cohort with no scheduled hours completes nobody. The comparison is exact (decimal): 24 of 30
hours is 80 % and meets an 80 % rule.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from bookings.models import Cohort, Registration, Session

from ..models import Attendance, AttendanceRule, Certificate
from .hours import HOURS, ZERO, format_hours, ledger_entries, sum_hours


@dataclass(frozen=True)
class Completion:
    """How one registration stands against its cohort's completion rule."""

    registration: Registration
    hours: Decimal
    scheduled_hours: Decimal
    attended: int
    excused: int
    unexcused_absences: int
    rule: AttendanceRule
    certificate: Certificate | None = None

    @property
    def percent(self) -> Decimal:
        """The share of scheduled hours earned, in per cent, to one decimal (for display)."""
        if not self.scheduled_hours:
            return Decimal("0.0")
        return (self.hours * 100 / self.scheduled_hours).quantize(Decimal("0.1"))

    @property
    def hours_text(self) -> str:
        return format_hours(self.hours)

    @property
    def meets_hours(self) -> bool:
        return bool(self.scheduled_hours) and (
            self.hours * 100 >= self.rule.completion_percent * self.scheduled_hours
        )

    @property
    def meets_attendance(self) -> bool:
        return self.rule.allow_unexcused_absence or self.unexcused_absences == 0

    @property
    def completes(self) -> bool:
        """Whether the registration meets the rule: a certificate may be issued."""
        return (
            self.registration.status == Registration.Status.CONFIRMED
            and self.meets_hours
            and self.meets_attendance
        )

    @property
    def needs_certificate(self) -> bool:
        return self.completes and self.certificate is None


def cohort_completions(cohort: Cohort, *, registrations=None, at=None) -> list[Completion]:
    """Each confirmed registration of the cohort (or of `registrations`) against the rule,
    with its valid certificate, if any, in name order. `at` (now by default) is when held
    sessions are counted: those over by then.

    A constant number of queries whatever the cohort's size.
    """
    at = at or timezone.now()
    rule = AttendanceRule.for_programme(cohort.programme)
    scheduled = Session.objects.scheduled().filter(cohort=cohort)
    totals = scheduled.aggregate(
        hours=Coalesce(Sum("study_hours"), Value(ZERO), output_field=HOURS),
        held=Count("pk", filter=Q(ends_at__lte=at)),
    )
    if registrations is None:
        registrations = Registration.objects.filter(
            cohort=cohort, status=Registration.Status.CONFIRMED
        ).order_by("name", "pk")
    registrations = list(registrations)
    ids = [registration.pk for registration in registrations]
    per_registration = {
        row["registration_id"]: row
        for row in ledger_entries(cohort=cohort)
        .filter(registration_id__in=ids)
        .order_by()
        .values("registration_id")
        .annotate(
            hours=sum_hours(),
            attended=Count("pk", filter=Q(status__in=Attendance.ATTENDED)),
            excused=Count("pk", filter=Q(status=Attendance.Status.EXCUSED)),
            absent=Count("pk", filter=Q(status=Attendance.Status.ABSENT)),
            recorded_held=Count("pk", filter=Q(session__ends_at__lte=at)),
        )
    }
    certificates = {
        certificate.registration_id: certificate
        for certificate in Certificate.objects.valid().filter(registration_id__in=ids)
    }
    completions = []
    for registration in registrations:
        row = per_registration.get(registration.pk, {})
        unrecorded = totals["held"] - row.get("recorded_held", 0)
        completions.append(
            Completion(
                registration=registration,
                hours=row.get("hours", ZERO),
                scheduled_hours=totals["hours"],
                attended=row.get("attended", 0),
                excused=row.get("excused", 0),
                unexcused_absences=row.get("absent", 0) + unrecorded,
                rule=rule,
                certificate=certificates.get(registration.pk),
            )
        )
    return completions


def registration_completion(registration: Registration, *, at=None) -> Completion:
    """One registration against its cohort's rule, whatever its status."""
    [completion] = cohort_completions(registration.cohort, registrations=[registration], at=at)
    return completion
