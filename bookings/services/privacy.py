"""Personal data is kept as long as the training's records need it, then purged.

`purge_personal_data` clears what identifies a trainee (name, mobile, email, ID number,
position, party organisation) from the registrations of cohorts that ended before a day, and
the contact of their groups; `manage.py purge_personal_data` runs it for the cohorts that ended
more than `PERSONAL_DATA_RETENTION_DAYS` ago (the privacy notice states the period).

What stays: the registration itself (code, status, unit, origin, times) and everything that
counts it, so attendance, study hours, certificates and the academy's figures still add up.
The mobile number becomes a pseudonym (`phone_pseudonym`), the same for the same number, so a
person who came to several cohorts is still counted once. The audit log's labels of the purged
registrations lose the name too; each cohort's purge is logged with its counts.
"""

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from ..models import Cohort, Registration, RegistrationGroup
from ..models.registrations import PURGED_NAME, phone_pseudonym

CLEARED_FIELDS = ("email", "id_number", "position", "party_organisation")


@dataclass
class PurgeCount:
    cohorts: int = 0
    registrations: int = 0
    groups: int = 0


def cohorts_to_purge(ended_before: datetime.date):
    """Cohorts that ended before the day and still hold a registration with personal data."""
    return (
        Cohort.objects.filter(ends_on__lt=ended_before, registrations__purged_at__isnull=True)
        .distinct()
        .order_by("ends_on", "pk")
    )


def purge_personal_data(*, ended_before: datetime.date, by=None) -> PurgeCount:
    """Purge the personal data of every cohort that ended before `ended_before`, one cohort per
    transaction (a cohort is purged entirely or not at all)."""
    count = PurgeCount()
    for cohort in cohorts_to_purge(ended_before):
        registrations, groups = purge_cohort(cohort, by=by)
        count.cohorts += 1
        count.registrations += registrations
        count.groups += groups
    return count


@transaction.atomic
def purge_cohort(cohort: Cohort, *, by=None) -> tuple[int, int]:
    now = timezone.now()
    registrations = list(
        Registration.objects.select_for_update().filter(cohort=cohort, purged_at__isnull=True)
    )
    for registration in registrations:
        registration.name = PURGED_NAME
        registration.phone = phone_pseudonym(registration.phone)
        for field in CLEARED_FIELDS:
            setattr(registration, field, "")
        registration.purged_at = now
    Registration.objects.bulk_update(
        registrations, ["name", "phone", *CLEARED_FIELDS, "purged_at"], batch_size=500
    )
    relabel_log_entries(registrations)

    groups = list(
        RegistrationGroup.objects.filter(cohort=cohort).exclude(contact_phone__startswith="x")
    )
    for group in groups:
        group.contact_name = PURGED_NAME
        group.contact_phone = phone_pseudonym(group.contact_phone)
        group.contact_email = ""
    RegistrationGroup.objects.bulk_update(
        groups, ["contact_name", "contact_phone", "contact_email"], batch_size=500
    )

    log(
        cohort,
        "bookings.cohort.purge_personal_data",
        user=by,
        data={"registrations": len(registrations), "groups": len(groups)},
        timestamp=now,
    )
    return len(registrations), len(groups)


def relabel_log_entries(registrations: list[Registration]) -> None:
    """The audit log keeps each entry's label (the registration's name and code at the time):
    write the purged label over it."""
    labels = {str(registration.pk): str(registration) for registration in registrations}
    entries = list(
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Registration),
            object_id__in=list(labels),
        ).only("pk", "object_id", "label")
    )
    for entry in entries:
        entry.label = labels[entry.object_id]
    ModelLogEntry.objects.bulk_update(entries, ["label"], batch_size=500)
