from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult
from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from .admin_views import (
    ApproveRegistrationsBulkAction,
    RefuseDeletingRegistrationsBulkAction,
    RegistrationPermissionPolicy,
    RejectRegistrationsBulkAction,
    TrainingGroup,
)
from .models import Registration
from .notice_admin import NoticeTaskPermissionPolicy, ResendNoticesBulkAction

# Before the viewsets are registered, which would otherwise create the default policies.
register_permission_policy(Registration, RegistrationPermissionPolicy(Registration))
register_permission_policy(DBTaskResult, NoticeTaskPermissionPolicy(DBTaskResult))

register_snippet(TrainingGroup)

hooks.register("register_bulk_action", ApproveRegistrationsBulkAction)
hooks.register("register_bulk_action", RejectRegistrationsBulkAction)
hooks.register("register_bulk_action", ResendNoticesBulkAction)
# After wagtail.snippets' Delete (order 0): the registry keeps the last action of a type.
hooks.register("register_bulk_action", RefuseDeletingRegistrationsBulkAction, order=1)


@hooks.register("register_log_actions")
def register_registration_log_actions(actions):
    actions.register_action(
        "bookings.registration.approve", _("Approve registration"), _("Registration approved")
    )
    actions.register_action(
        "bookings.registration.reject", _("Reject registration"), _("Registration rejected")
    )
    actions.register_action(
        "bookings.registration.cancel", _("Cancel registration"), _("Registration cancelled")
    )
