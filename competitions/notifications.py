"""Notices to an applicant by email and SMS: the project was received (with its private
link), and what staff decided on its eligibility. Queued with the write that gives rise to
them (core.outbox), one task per message, sent by the worker."""

from enum import StrEnum

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from core.outbox import enqueue_with_write
from core.sms import sms_backend

from .models import Project

try:
    from django.tasks import task
except ImportError:  # Django < 6.0: the backport
    from django_tasks import task


class Notice(StrEnum):
    SUBMITTED = "submitted"
    REVIEWED = "reviewed"


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


def notify_applicant(project: Project, notice: Notice) -> None:
    """One message by mail and one by SMS, sent once the caller's write commits."""
    enqueue_with_write(
        send_project_notice,
        [(project.pk, str(notice), str(channel)) for channel in Channel],
        model=Project,
    )


@task()
def send_project_notice(project_id: int, notice: str, channel: str) -> bool:
    """Send one message of a notice; False if the project is gone."""
    project = Project.objects.select_related("competition").filter(pk=project_id).first()
    if project is None:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "project": project,
            "notice": notice,
            "manage_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + project.get_absolute_url(),
        }
        message = render_to_string("competitions/notices/message.txt", context).strip()
        if channel == Channel.EMAIL:
            subject = render_to_string("competitions/notices/subject.txt", context).strip()
            EmailMessage(subject, message, None, [project.email]).send()
        else:
            sms_backend().send(project.contact_phone, message)
    return True
