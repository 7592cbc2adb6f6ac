from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from .admin_views import CohortDeleteBulkAction, SessionDeleteBulkAction

# Registered after wagtail.snippets' own delete action (order 0), so these replace it for
# cohorts and sessions. The cohorts and sessions viewsets are registered with the "Training"
# menu in bookings/wagtail_hooks.py.
hooks.register("register_bulk_action", CohortDeleteBulkAction, order=1)
hooks.register("register_bulk_action", SessionDeleteBulkAction, order=1)


@hooks.register("register_log_actions")
def register_session_log_actions(actions):
    actions.register_action("courses.session.cancel", _("Cancel session"), _("Session cancelled"))
    actions.register_action("courses.session.restore", _("Restore session"), _("Session restored"))
