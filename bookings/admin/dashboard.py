"""The training panels of the staff dashboard (`core.dashboard`): registrations waiting for
approval, waiting lists, today's and this week's sessions, upcoming cohorts with seats left.
Each reads in a fixed number of queries, whatever the number of rows."""

import datetime

from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from core.dashboard import TRAINING_ORDER, DashboardPanel

from ..models import Cohort, Registration
from ..models.cohorts import academy_today
from ..selectors import session_queryset
from .registrations import ADD_PERMISSION, staff_registration_url

REGISTRATIONS_LIST_URL_NAME = "wagtailsnippets_bookings_registration:list"
LIMIT = 8


def registrations_url(**filters) -> str:
    return reverse(REGISTRATIONS_LIST_URL_NAME) + "?" + urlencode(filters)


class PendingRegistrationsPanel(DashboardPanel):
    """How many registrations wait for approval, and the oldest of them (2 queries)."""

    name = "pending_registrations"
    order = TRAINING_ORDER
    permission = "bookings.change_registration"
    template_name = "bookings/admin/dashboard/pending_registrations.html"

    def get_context_data(self, parent_context):
        pending = Registration.objects.filter(status=Registration.Status.PENDING)
        return {
            "count": pending.count(),
            "oldest": list(
                pending.select_related("cohort__programme").order_by("created_at", "pk")[:LIMIT]
            ),
            "list_url": registrations_url(status=Registration.Status.PENDING),
        }


class WaitingListsPanel(DashboardPanel):
    """Cohorts not yet over with trainees on their waiting list, and how many (1 query)."""

    name = "waiting_lists"
    order = TRAINING_ORDER + 10
    permission = "bookings.view_registration"
    template_name = "bookings/admin/dashboard/waiting_lists.html"

    def get_context_data(self, parent_context):
        cohorts = list(
            Cohort.objects.unfinished()
            .with_seats()
            .filter(waitlisted__gt=0)
            .order_by("starts_on", "pk")[:LIMIT]
        )
        for cohort in cohorts:
            cohort.waiting_url = registrations_url(
                cohort=cohort.pk, status=Registration.Status.WAITLISTED
            )
        return {"cohorts": cohorts}


class SessionsPanel(DashboardPanel):
    """Today's sessions and the rest of this week's (Monday to Sunday, Asia/Shanghai), not
    cancelled: time, course, place, lecturers (3 queries)."""

    name = "sessions_this_week"
    order = TRAINING_ORDER + 20
    permission = "bookings.view_session"
    template_name = "bookings/admin/dashboard/sessions.html"

    def get_context_data(self, parent_context):
        zone = timezone.get_default_timezone()
        today = academy_today()
        tomorrow = today + datetime.timedelta(days=1)
        week_end = today + datetime.timedelta(days=7 - today.weekday())

        def midnight(day):
            return datetime.datetime.combine(day, datetime.time(), tzinfo=zone)

        sessions = list(
            session_queryset()
            .select_related("cohort__programme")
            .scheduled()
            .filter(starts_at__lt=midnight(week_end), ends_at__gt=midnight(today))
            .order_by("starts_at", "pk")
        )
        return {
            "today": [s for s in sessions if s.starts_at < midnight(tomorrow)],
            "later": [s for s in sessions if s.starts_at >= midnight(tomorrow)],
        }


class UpcomingCohortsPanel(DashboardPanel):
    """Cohorts yet to begin whose registration has not closed, with seats left (1 query)."""

    name = "upcoming_cohorts"
    order = TRAINING_ORDER + 30
    permission = "bookings.view_cohort"
    template_name = "bookings/admin/dashboard/upcoming_cohorts.html"

    def get_context_data(self, parent_context):
        user = parent_context["request"].user
        cohorts = list(
            Cohort.objects.with_seats()
            .filter(
                starts_on__gt=academy_today(),
                registration_closes_at__gt=timezone.now(),
                seats_taken__lt=F("capacity"),
            )
            .order_by("starts_on", "pk")[:LIMIT]
        )
        can_register = user.has_perm(ADD_PERMISSION)
        can_edit = user.has_perm("bookings.change_cohort")
        edit_url_name = Cohort.snippet_viewset.get_url_name("edit")
        for cohort in cohorts:
            cohort.edit_url = reverse(edit_url_name, args=[cohort.pk]) if can_edit else ""
            cohort.register_url = staff_registration_url(cohort.pk) if can_register else ""
        return {"cohorts": cohorts}


def training_panels() -> list[DashboardPanel]:
    return [
        PendingRegistrationsPanel(),
        WaitingListsPanel(),
        SessionsPanel(),
        UpcomingCohortsPanel(),
    ]
