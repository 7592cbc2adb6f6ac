"""Notices to trainees by email and SMS, sent through Django's tasks API after commit.

A confirmation mail carries the cohort's sessions as an invitation (METHOD:REQUEST), a
cancellation mail cancels them (METHOD:CANCEL), so mail clients put them in or take them out.
"""

import logging
from email.mime.text import MIMEText
from email.utils import parseaddr
from enum import StrEnum

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from academy.validators import mask_phone

try:
    from django.tasks import task
except ImportError:  # Django < 6.0: the backport
    from django_tasks import task

logger = logging.getLogger(__name__)


class Notice(StrEnum):
    CONFIRMED = "confirmed"
    PENDING = "pending"
    WAITLISTED = "waitlisted"
    PROMOTED = "promoted"
    CANCELLED = "cancelled"
    REJECTED = "rejected"

    @classmethod
    def for_status(cls, status: str) -> "Notice":
        return cls(status)


# The fields the notice templates and calendar_attachment read, through cohort and programme.
NOTICE_FIELDS = (
    "status",
    "code",
    "token",
    "name",
    "phone",
    "email",
    "cohort__title",
    "cohort__starts_on",
    "cohort__programme__title",
)


def notify_after_commit(registrations, notice: Notice) -> None:
    ids = [registration.pk for registration in registrations]
    if ids:
        transaction.on_commit(lambda: send_notices.enqueue(ids, str(notice)))


@task()
def send_notices(registration_ids: list[int], notice: str) -> int:
    from .models import Registration

    sent = 0
    # Only what the texts and the invitation use: a whole programme page row per registration
    # (Wagtail's page columns and the body) was a third of a registration's CPU time.
    registrations = (
        Registration.objects.filter(pk__in=registration_ids)
        .select_related("cohort__programme")
        .only(*NOTICE_FIELDS)
    )
    sessions_by_cohort: dict[int, list] = {}
    with translation.override(settings.LANGUAGE_CODE):
        for registration in registrations:
            context = {
                "registration": registration,
                "notice": notice,
                "manage_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/")
                + registration.get_absolute_url(),
            }
            message = render_to_string("bookings/notices/message.txt", context).strip()
            if registration.email:
                subject = render_to_string("bookings/notices/subject.txt", context).strip()
                email = EmailMessage(subject, message, None, [registration.email])
                invitation = calendar_attachment(registration, notice, sessions_by_cohort)
                if invitation:
                    email.attach(invitation)
                email.send()
            sms_backend().send(registration.phone, message)
            sent += 1
    return sent


def invitation_method(registration, notice: str) -> str | None:
    if notice in (Notice.CONFIRMED, Notice.PROMOTED) and (
        registration.status == registration.Status.CONFIRMED
    ):
        return "REQUEST"
    if notice == Notice.CANCELLED:
        return "CANCEL"
    return None


def calendar_attachment(registration, notice: str, sessions_by_cohort: dict) -> MIMEText | None:
    """The cohort's sessions as an iTIP invitation or cancellation, or None for other notices."""
    from . import calendars

    method = invitation_method(registration, notice)
    if method is None:
        return None
    if registration.cohort_id not in sessions_by_cohort:
        sessions_by_cohort[registration.cohort_id] = calendars.load_sessions(
            calendars.calendar_sessions().filter(cohort_id=registration.cohort_id)
        )
    sessions = sessions_by_cohort[registration.cohort_id]
    if not sessions:
        return None
    data = calendars.build_calendar(
        sessions,
        name=str(registration.cohort),
        base_url=settings.WAGTAILADMIN_BASE_URL,
        private_description=_("Registration code: %(code)s") % {"code": registration.code},
        method=method,
        cancelled=method == "CANCEL",
        organizer=parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
        attendee=(registration.email, registration.name),
    ).to_ical()
    part = MIMEText(data.decode(), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    return part


def sms_backend():
    return import_string(settings.SMS_BACKEND)()


class ConsoleSMSBackend:
    """Writes text messages to the log, phone masked; replace with a provider's backend."""

    def send(self, phone: str, message: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), message)


class MemorySMSBackend:
    """Keeps messages in memory, for tests."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, message: str) -> None:
        self.outbox.append((phone, message))
