"""Issuing and revoking completion certificates: the only writers of `Certificate`.

Each takes the acting member of staff (`by`) and writes its audit entries (Wagtail's log) in
the transaction of the change. Locks go through `core.locking`, pretix's rules: the cohort is
locked before its completions are read, so two staff pressing 颁发结业证书 at once issue each
certificate once (the partial unique constraint holds it too), and the year's serial numbers
are drawn under a lock of their own.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from bookings.models import Cohort
from core.locking import lock_key, lock_object
from core.models import User

from ..models import Certificate
from ..models.certificates import SERIAL_PREFIX
from .completion import Completion, cohort_completions

# `core.locking.lock_key` spaces in use: 1102 rooms (bookings); this one, the serial numbers.
SERIAL_LOCK_SPACE = 1111
SERIAL_DIGITS = 6
ISSUE_ACTION = "attendance.certificate.issue"
REVOKE_ACTION = "attendance.certificate.revoke"


class CertificateError(Exception):
    """A certificate that cannot be issued or revoked; the message is for staff."""

    default_message = _("The certificate could not be changed.")
    code = "certificate_error"

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class AlreadyRevoked(CertificateError):
    code = "already_revoked"
    default_message = _("This certificate has already been revoked.")


class ReasonRequired(CertificateError):
    code = "reason_required"
    default_message = _("Give a reason for revoking the certificate.")


def serial_numbers(year: int, count: int) -> list[str]:
    """The next `count` serial numbers of `year` (YTDJ-2026-000123), under the year's lock:
    call inside the transaction that saves them."""
    lock_key(SERIAL_LOCK_SPACE, str(year))
    prefix = f"{SERIAL_PREFIX}-{year}-"
    last = (
        Certificate.objects.filter(serial__startswith=prefix)
        .order_by("-serial")
        .values_list("serial", flat=True)
        .first()
    )
    start = int(last.removeprefix(prefix)) + 1 if last else 1
    return [f"{prefix}{number:0{SERIAL_DIGITS}d}" for number in range(start, start + count)]


def certificate_for(completion: Completion, *, serial: str, by: User | None, now) -> Certificate:
    registration = completion.registration
    cohort = registration.cohort
    return Certificate(
        registration=registration,
        serial=serial,
        name=registration.name,
        programme_title=cohort.programme.title,
        cohort_title=cohort.title,
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
        hours=completion.hours,
        issued_at=now,
        issued_by=by,
    )


def issue_certificates(
    cohort: Cohort, *, by: User | None, registration_ids: Iterable[int] | None = None
) -> list[Certificate]:
    """Issue a certificate to everyone in the cohort who meets the completion rule and holds
    no valid one (or to those of `registration_ids` who do); the certificates issued.

    1. In one transaction: lock the cohort, then read every confirmed registration's
       completion (hours, absences, certificate) afresh.
    2. Draw the year's next serial numbers under their lock.
    3. Insert the certificates in one statement and log `attendance.certificate.issue` for
       each, with who and when.
    """
    with transaction.atomic():
        lock_object(Cohort, cohort.pk)
        # Read after the lock; the programme's page row is not locked.
        cohort = Cohort.objects.select_related("programme").get(pk=cohort.pk)
        completions = [
            completion for completion in cohort_completions(cohort) if completion.needs_certificate
        ]
        if registration_ids is not None:
            wanted = set(registration_ids)
            completions = [c for c in completions if c.registration.pk in wanted]
        if not completions:
            return []
        now = timezone.now()
        year = timezone.localdate(now, timezone=timezone.get_default_timezone()).year
        serials = serial_numbers(year, len(completions))
        for completion in completions:
            # The registration's cohort is the one locked: no query per certificate.
            completion.registration.cohort = cohort
        certificates = Certificate.objects.bulk_create(
            certificate_for(completion, serial=serial, by=by, now=now)
            for completion, serial in zip(completions, serials, strict=True)
        )
        for certificate in certificates:
            log(
                certificate,
                ISSUE_ACTION,
                user=by,
                timestamp=now,
                data={"serial": certificate.serial, "hours": str(certificate.hours)},
            )
    return certificates


def revoke_certificate(certificate: Certificate, *, by: User | None, reason: str) -> Certificate:
    """Revoke a valid certificate, with the reason staff give; its verification page says
    "revoked" from now on and the trainee can no longer download it. The registration may be
    issued a new certificate (a new serial) later. Logged as `attendance.certificate.revoke`
    with the reason, in the same transaction."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ReasonRequired()
    with transaction.atomic():
        certificate = lock_object(Certificate, certificate.pk)
        if not certificate.is_valid:
            raise AlreadyRevoked()
        now = timezone.now()
        certificate.revoked_at = now
        certificate.revoked_by = by
        certificate.revoke_reason = reason[
            : Certificate._meta.get_field("revoke_reason").max_length
        ]
        certificate.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        log(
            certificate,
            REVOKE_ACTION,
            user=by,
            timestamp=now,
            data={"serial": certificate.serial, "reason": certificate.revoke_reason},
        )
    return certificate
