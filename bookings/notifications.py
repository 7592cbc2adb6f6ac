"""Notices to trainees by email and SMS, sent through Django's tasks API after commit, one task
per message (a registration and a channel).

The tasks are queued with the write that gives rise to them (a transactional outbox,
core.outbox): they commit or roll back with the registrations.

A confirmation mail carries the cohort's sessions as an invitation (METHOD:REQUEST), a
cancellation mail cancels them (METHOD:CANCEL), so mail clients put them in or take them out.
"""

from email.mime.text import MIMEText
from email.utils import parseaddr
from enum import StrEnum

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core import outbox
from core.outbox import enqueue_with_write
from core.sms import sms_backend

from .calendars import build as calendars
from .models.registrations import Registration

try:
    from django.tasks import task
except ImportError:  # Django < 6.0: the backport
    from django_tasks import task


class Notice(StrEnum):
    CONFIRMED = "confirmed"
    PENDING = "pending"
    WAITLISTED = "waitlisted"
    PROMOTED = "promoted"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    # To a group's contact (registration: the group's first member), with the group's page.
    GROUP = "group"
    # A trainee who lost their code asked for it again (bookings.services.resend_codes).
    CODE = "code"

    @classmethod
    def for_status(cls, status: str) -> "Notice":
        return cls(status)


class Channel(StrEnum):
    EMAIL = "email"  # with the invitation, for a registration that gave an address
    SMS = "sms"


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
# What a group notice reads besides: the contact and the group's page, not the member's.
GROUP_NOTICE_FIELDS = (
    "group__token",
    "group__unit",
    "group__contact_name",
    "group__contact_phone",
    "group__contact_email",
)


def notify_after_commit(registrations, notice: Notice) -> None:
    """Queue one task per message, so a message that fails loses or repeats no other: each is
    sent once the write commits, or kept as FAILED to be queued again, on its own."""
    queue_messages(
        [
            (registration.pk, str(notice), str(channel))
            for registration in registrations
            for channel in channels(registration)
        ]
    )


def notify_group_after_commit(group, registrations) -> None:
    """Tell a group's contact where the group's page is: its messages name the group's first
    member's registration, so they are queued, logged and sent again as every other notice."""
    first = min(registrations, key=lambda registration: registration.pk)
    group_channels = [Channel.EMAIL, Channel.SMS] if group.contact_email else [Channel.SMS]
    queue_messages([(first.pk, str(Notice.GROUP), str(channel)) for channel in group_channels])


def channels(registration) -> list[Channel]:
    return [Channel.EMAIL, Channel.SMS] if registration.email else [Channel.SMS]


def recipient(registration, notice: str) -> tuple[str, str]:
    """(mobile, mail address) a notice goes to: the group's contact's for a group notice."""
    if notice == Notice.GROUP and registration.group_id:
        return registration.group.contact_phone, registration.group.contact_email
    return registration.phone, registration.email


def queue_messages(messages: list[tuple[int, str, str]]) -> None:
    """Queue `send_notice(registration id, notice, channel)` for each message, all or none,
    with the registrations' write (core.outbox)."""
    enqueue_with_write(send_notice, messages, model=Registration)


def queues_in_transaction() -> bool:
    """Whether send_notice's rows are written through the connection registrations are."""
    return outbox.queues_in_transaction(send_notice, Registration)


def resent_later(result) -> bool:
    """Whether a newer task row carries the same message: it was queued again after this one."""
    return DBTaskResult.objects.filter(
        task_path=result.task_path,
        args_kwargs__args=result.args_kwargs["args"],
        enqueued_at__gt=result.enqueued_at,
    ).exists()


def resend_failed(task_results) -> int:
    """Queue each failed send_notice task among `task_results` again, as a new task with the
    same arguments; returns how many. The failed rows stay as they are, the others are left.

    Only a message's latest attempt is queued: a second click on "resend" (or two staff at
    once: the rows are locked) finds the new row and sends nothing twice.
    """
    with transaction.atomic():
        failed = (
            DBTaskResult.objects.select_for_update()
            .filter(
                pk__in=[result.pk for result in task_results],
                task_path=send_notice.module_path,
                status=TaskResultStatus.FAILED,
            )
            .order_by("pk")
        )
        messages = [
            tuple(result.args_kwargs["args"]) for result in failed if not resent_later(result)
        ]
        queue_messages(messages)
    return len(messages)


@task()
def send_notice(registration_id: int, notice: str, channel: str) -> bool:
    """Send one message of a notice; False if there is no longer anyone to send it to."""
    channel = Channel(channel)
    # Only what the texts and the invitation use: a whole programme page row per registration
    # (Wagtail's page columns and the body) was a third of a registration's CPU time.
    for_group = notice == Notice.GROUP
    registrations = Registration.objects.filter(pk=registration_id)
    if for_group:
        registrations = registrations.select_related("cohort__programme", "group").only(
            *NOTICE_FIELDS, "group_id", *GROUP_NOTICE_FIELDS
        )
    else:
        registrations = registrations.select_related("cohort__programme").only(*NOTICE_FIELDS)
    registration = registrations.first()
    if registration is None or (for_group and registration.group_id is None):
        return False
    phone, address = recipient(registration, notice)
    if channel == Channel.EMAIL and not address:
        return False
    page = registration.group if for_group else registration
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "registration": registration,
            "group": registration.group if for_group else None,
            "notice": notice,
            "manage_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + page.get_absolute_url(),
        }
        message = render_to_string("bookings/notices/message.txt", context).strip()
        if channel == Channel.EMAIL:
            subject = render_to_string("bookings/notices/subject.txt", context).strip()
            email = EmailMessage(subject, message, None, [address])
            invitation = calendar_attachment(registration, notice)
            if invitation:
                email.attach(invitation)
            email.send()
        else:
            sms_backend().send(phone, message)
    return True


def invitation_method(registration, notice: str) -> str | None:
    if notice in (Notice.CONFIRMED, Notice.PROMOTED) and (
        registration.status == registration.Status.CONFIRMED
    ):
        return "REQUEST"
    if notice == Notice.CANCELLED:
        return "CANCEL"
    return None


def calendar_attachment(registration, notice: str) -> MIMEText | None:
    """The cohort's sessions as an iTIP invitation or cancellation, or None for other notices."""
    method = invitation_method(registration, notice)
    if method is None:
        return None
    sessions = calendars.load_sessions(
        calendars.calendar_sessions().filter(cohort_id=registration.cohort_id)
    )
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
