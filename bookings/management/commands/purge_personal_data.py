import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ...models.cohorts import academy_today
from ...services import cohorts_to_purge, purge_personal_data


class Command(BaseCommand):
    help = (
        "Purge trainees' names, mobile numbers, emails and ID numbers from the registrations of "
        "cohorts that ended more than PERSONAL_DATA_RETENTION_DAYS ago (run it daily)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--ended-before",
            type=datetime.date.fromisoformat,
            help="Purge cohorts that ended before this day (YYYY-MM-DD) instead.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say which cohorts would be purged."
        )

    def handle(self, *args, ended_before=None, dry_run=False, **options):
        if ended_before is None:
            days = settings.PERSONAL_DATA_RETENTION_DAYS
            ended_before = academy_today() - datetime.timedelta(days=days)
        if ended_before > academy_today():
            raise CommandError("--ended-before must not be in the future.")
        if dry_run:
            cohorts = list(cohorts_to_purge(ended_before).select_related("programme"))
            for cohort in cohorts:
                self.stdout.write(f"{cohort.ends_on} {cohort}")
            self.stdout.write(
                f"{len(cohorts)} cohorts ended before {ended_before} would be purged."
            )
            return
        count = purge_personal_data(ended_before=ended_before)
        self.stdout.write(
            f"Purged {count.registrations} registrations and {count.groups} groups "
            f"of {count.cohorts} cohorts that ended before {ended_before}."
        )
