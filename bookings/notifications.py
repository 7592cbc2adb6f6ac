"""Notices to trainees by email and SMS, sent through Django's tasks API after commit."""

import logging
from enum import StrEnum

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.module_loading import import_string

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


def notify_after_commit(registrations, notice: Notice) -> None:
    ids = [registration.pk for registration in registrations]
    if ids:
        transaction.on_commit(lambda: send_notices.enqueue(ids, str(notice)))


@task()
def send_notices(registration_ids: list[int], notice: str) -> int:
    from .models import Registration

    sent = 0
    registrations = Registration.objects.filter(pk__in=registration_ids).select_related(
        "cohort__programme"
    )
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
                send_mail(subject, message, None, [registration.email])
            sms_backend().send(registration.phone, message)
            sent += 1
    return sent


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
