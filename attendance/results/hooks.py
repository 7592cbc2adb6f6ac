"""Wagtail hooks of study hours, completion and certificates (attendance/wagtail_hooks.py
imports them).

- the trainee's private page shows their hours for the cohort and, once issued, the
  certificate's download link (`Registration.section_hook`);
- the admin's menu 学时与结业, the certificate permission policy, and a 结业审核 link on each
  cohort of the cohort listing;
- the audit log's names for issuing and revoking a certificate.
"""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.menus import MenuItem
from wagtail.log_actions import LogFormatter
from wagtail.permissions import register_permission_policy

from bookings.models import Cohort, Registration

from ..models import Certificate
from .admin import VIEW_LEDGER, CertificatePermissionPolicy, ResultsGroup
from .completion import registration_completion
from .hours import format_hours, ledger_entries
from .services import ISSUE_ACTION, REVOKE_ACTION

# Before the viewsets are registered, which would otherwise create the default policy.
register_permission_policy(Certificate, CertificatePermissionPolicy(Certificate))


@hooks.register("register_admin_viewset")
def register_results_viewsets():
    return ResultsGroup()


@hooks.register(Registration.section_hook)
def registration_results(request, registration: Registration) -> str:
    """The trainee's study hours in this cohort and their certificate, once the cohort has
    begun (or anything is recorded); nothing for a registration that never held a seat."""
    certificates = list(registration.certificates.order_by("-issued_at"))
    entries = list(ledger_entries(registration=registration))
    confirmed = registration.status == Registration.Status.CONFIRMED
    if not (certificates or entries or (confirmed and registration.cohort.has_begun)):
        return ""
    completion = registration_completion(registration)
    for entry in entries:
        entry.hours_text = format_hours(entry.credited_hours)
    valid = next((c for c in certificates if c.is_valid), None)
    context = {
        "registration": registration,
        "completion": completion,
        "entries": entries,
        "hours": format_hours(completion.hours),
        "scheduled_hours": format_hours(completion.scheduled_hours),
        "certificate": valid,
        "revoked": None if valid else next(iter(certificates), None),
        "download_url": reverse("certificates:download", kwargs={"token": registration.token}),
        "verify_url": valid.get_absolute_url() if valid else "",
    }
    return render_to_string(
        "attendance/includes/registration_results.html", context, request=request
    )


@hooks.register("register_snippet_listing_buttons")
def cohort_completion_button(snippet, user, next_url=None):
    """结业审核 from a cohort's row in the cohort listing."""
    if isinstance(snippet, Cohort) and user.has_perm(VIEW_LEDGER):
        yield MenuItem(
            _("Completion"),
            url=reverse("completion:cohort", args=[snippet.pk]),
            icon_name="success",
            priority=40,
        )


class CertificateLogFormatter(LogFormatter):
    def format_message(self, log_entry):
        data = log_entry.data or {}
        if log_entry.action == REVOKE_ACTION and data.get("reason"):
            return _("Certificate %(serial)s revoked: %(reason)s") % {
                "serial": data.get("serial", ""),
                "reason": data["reason"],
            }
        return self.message % {"serial": data.get("serial", "")}


@hooks.register("register_log_actions")
def register_certificate_log_actions(actions):
    @actions.register_action(ISSUE_ACTION)
    class IssueFormatter(CertificateLogFormatter):
        label = _("Issue completion certificate")
        message = _("Certificate %(serial)s issued")

    @actions.register_action(REVOKE_ACTION)
    class RevokeFormatter(CertificateLogFormatter):
        label = _("Revoke completion certificate")
        message = _("Certificate %(serial)s revoked")
