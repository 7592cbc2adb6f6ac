"""Text messages: the backend settings.SMS_BACKEND names, and two that send nothing."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from .validators import mask_phone

logger = logging.getLogger(__name__)


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
