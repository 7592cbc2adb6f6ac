"""Staff screen of notice messages (通知发送记录) in the Wagtail admin, and their resending.

The database task backend keeps a row for every `send_notice` task it is given (django-tasks-db's
DBTaskResult); a message that raised stays FAILED and is never retried by itself. Staff who may
see registrations see these rows, and staff who may change registrations queue a failed message
again: a new task with the same arguments, the failed row left as it is. Rows hold only a
registration id, the notice and the channel; the listing shows the registration's code and its
phone masked, and phone and ID numbers in an error text are masked too.
"""

import re
import uuid

import django_filters
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Permission
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn, Column, TitleColumn
from wagtail.admin.views.bulk_action import BulkAction
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import ButtonWithDropdown
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import policy_registry

from core.admin_views import ConfirmActionView
from core.imports.buttons import ImportExportButtonsMixin
from core.validators import mask_id_number, mask_phone

from ..models import Registration
from ..notifications import (
    Channel,
    Notice,
    queues_in_transaction,
    recipient,
    resend_failed,
    resent_later,
    send_notice,
)

Status = TaskResultStatus

NOTICE_LABELS = {
    Notice.CONFIRMED: gettext_lazy("Confirmation"),
    Notice.PENDING: gettext_lazy("Received, awaiting approval"),
    Notice.WAITLISTED: gettext_lazy("Put on the waiting list"),
    Notice.PROMOTED: gettext_lazy("Moved up from the waiting list"),
    Notice.CANCELLED: gettext_lazy("Cancellation"),
    Notice.REJECTED: gettext_lazy("Rejection"),
    Notice.GROUP: gettext_lazy("Group registered (to its contact)"),
    Notice.CODE: gettext_lazy("Registration code sent again"),
}
CHANNEL_LABELS = {Channel.EMAIL: gettext_lazy("Mail"), Channel.SMS: gettext_lazy("SMS")}
STATUS_LABELS = {
    Status.READY: gettext_lazy("Queued"),
    Status.RUNNING: gettext_lazy("Sending"),
    Status.FAILED: gettext_lazy("Failed"),
    Status.SUCCESSFUL: gettext_lazy("Sent"),
}

# Mainland mobile numbers and resident ID numbers, wherever an error text quotes them.
MOBILE_NUMBER = re.compile(r"(?<!\d)1\d{10}(?!\d)")
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])")
ERROR_LENGTH = 200


def notice_tasks():
    """The database backend's rows of this project's notice messages, and nothing else."""
    return DBTaskResult.objects.filter(task_path=send_notice.module_path)


def message_args(result: DBTaskResult) -> tuple[int | None, str, str]:
    """(registration id, notice, channel) of a notice task row."""
    args = result.args_kwargs.get("args", [])
    if len(args) != 3:
        return None, "", ""
    return args[0], args[1], args[2]


def notice_registrations():
    """What the log shows of a notice's registration: its code and whom the message went to
    (the trainee, or the group's contact for a group notice)."""
    return Registration.objects.select_related("group").only(
        "code", "phone", "email", "group_id", "group__contact_phone", "group__contact_email"
    )


def recipient_masked_phone(result: DBTaskResult, registration=None) -> str:
    registration = registration or getattr(result, "registration", None)
    if registration is None:
        return ""
    return mask_phone(recipient(registration, message_args(result)[1])[0])


def mask_personal_numbers(text: str) -> str:
    return MOBILE_NUMBER.sub(
        lambda match: mask_phone(match[0]),
        ID_NUMBER.sub(lambda match: mask_id_number(match[0]), text),
    )


def error_text(result: DBTaskResult) -> str:
    """The exception's class and message, e.g. "ConnectionError: SMS gateway unreachable".

    The traceback ends with them (as `traceback.format_exception` writes a class outside
    builtins: with its module); a chained exception's causes come before it.
    """
    if result.status != Status.FAILED or not result.exception_class_path:
        return ""
    name = result.exception_class_path.removeprefix("builtins.")
    traceback = "\n" + result.traceback.rstrip("\n")
    start = traceback.rfind("\n" + name + ":")
    last = traceback[start + 1 :] if start >= 0 else name
    return Truncator(mask_personal_numbers(last)).chars(ERROR_LENGTH)


def local_time(value) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else ""


class NoticeTaskPermissionPolicy(BasePermissionPolicy):
    """Notices are about registrations: who may see registrations sees their notices, who may
    change registrations sends a failed one again. Nobody adds, edits or deletes a row here."""

    registration_actions = {"view": ("view", "change"), "resend": ("change",)}

    @property
    def registration_policy(self):
        return policy_registry.get_by_type(Registration)

    def user_has_permission(self, user, action):
        return self.registration_policy.user_has_any_permission(
            user, self.registration_actions.get(action, ())
        )

    def users_with_any_permission(self, actions):
        return self.registration_policy.users_with_any_permission(
            {
                registration_action
                for action in actions
                for registration_action in self.registration_actions.get(action, ())
            }
        )


class NoticeTaskFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("status"),
        choices=[(status, STATUS_LABELS[status]) for status in Status if status != Status.RUNNING],
    )

    class Meta:
        model = DBTaskResult
        fields = ["status"]


class NoticeTaskPaginator(WagtailPaginator):
    verbose_name = gettext_lazy("notice message")
    verbose_name_plural = gettext_lazy("notice messages")


class NoticeTaskIndexView(ImportExportButtonsMixin, IndexView):
    # The log's exports, as filtered, from the notices' kind (bookings.resources).
    import_kind = "notices"
    page_title = gettext_lazy("Notice log")
    verbose_name = gettext_lazy("notice message")
    verbose_name_plural = gettext_lazy("notice messages")
    paginator_class = NoticeTaskPaginator
    template_name = "bookings/admin/notice_index.html"
    any_permission_required = ["view"]
    resend_url_name = None
    queryset = notice_tasks()

    @cached_property
    def can_resend(self) -> bool:
        return self.user_has_permission("resend")

    @cached_property
    def columns(self):
        title_column = self._get_title_column_class(TitleColumn)
        columns = [
            title_column(
                "enqueued_at",
                label=gettext_lazy("Queued at"),
                accessor=lambda result: local_time(result.enqueued_at),
                sort_key="enqueued_at",
                get_url=self.get_inspect_url,
                get_title_id=lambda result: f"notice_{quote(result.pk)}_title",
            ),
            Column(
                "code",
                label=gettext_lazy("registration code"),
                accessor=lambda result: result.registration.code if result.registration else "",
            ),
            Column(
                "masked_phone",
                label=gettext_lazy("mobile"),
                accessor=recipient_masked_phone,
            ),
            Column(
                "notice",
                label=gettext_lazy("Notice"),
                accessor=lambda result: NOTICE_LABELS.get(message_args(result)[1], ""),
            ),
            Column(
                "channel",
                label=gettext_lazy("Channel"),
                accessor=lambda result: CHANNEL_LABELS.get(message_args(result)[2], ""),
            ),
            Column(
                "status",
                label=gettext_lazy("status"),
                accessor=lambda result: STATUS_LABELS.get(result.status, result.status),
                sort_key="status",
            ),
            Column("error", label=gettext_lazy("Why it failed"), accessor=error_text),
        ]
        if self.can_resend:
            columns.insert(0, BulkActionsCheckboxColumn("bulk_actions", obj_type="notice"))
        return columns

    def paginate_queryset(self, queryset, page_size):
        paginator, page, results, is_paginated = super().paginate_queryset(queryset, page_size)
        results = list(results)
        registrations = notice_registrations().in_bulk(
            {message_args(result)[0] for result in results} - {None}
        )
        for result in results:
            result.registration = registrations.get(message_args(result)[0])
        return paginator, page, results, is_paginated

    def export_params(self) -> dict:
        if self.filters and self.filters.is_valid() and self.filters.form.cleaned_data["status"]:
            return {"status": self.filters.form.cleaned_data["status"]}
        return {}

    @cached_property
    def no_results_message(self):
        if not queues_in_transaction():
            return _("Notices are sent at once, so there is no record of sending.")
        return super().no_results_message

    def get_list_buttons(self, instance):
        # Wagtail names the row's menu after str(instance), "DBTaskResult object (<uuid>)".
        buttons = super().get_list_buttons(instance)
        for button in buttons:
            if isinstance(button, ButtonWithDropdown):
                button.attrs["aria-label"] = _("More options for '%(title)s'") % {
                    "title": local_time(instance.enqueued_at)
                }
        return buttons

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.status == Status.FAILED and self.can_resend:
            url = reverse(self.resend_url_name, args=[quote(instance.pk)])
            url += "?" + urlencode({"next": self.request.get_full_path()})
            buttons.append(MenuItem(_("Resend"), url=url, icon_name="mail", priority=5))
        return buttons

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["can_resend"] = self.can_resend
        return context


class NoticeTaskInspectView(InspectView):
    """One message with its whole traceback, numbers in it masked."""

    any_permission_required = ["view"]
    labels = {
        "enqueued_at": gettext_lazy("Queued at"),
        "finished_at": gettext_lazy("Finished at"),
        "registration": gettext_lazy("registration"),
        "notice": gettext_lazy("Notice"),
        "channel": gettext_lazy("Channel"),
        "status": gettext_lazy("status"),
        "error": gettext_lazy("Why it failed"),
        "traceback": gettext_lazy("Traceback"),
    }

    def get_object(self, queryset=None):
        return get_object_or_404(notice_tasks(), pk=self.pk)

    def get_page_title(self):
        return _("Notice message")

    def get_page_subtitle(self):
        return local_time(self.object.enqueued_at)

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse(self.index_url_name), "label": _("Notice log")},
            {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()},
        ]

    def get_field_label(self, field_name, field):
        return self.labels[field_name]

    @cached_property
    def registration(self):
        registration_id = message_args(self.object)[0]
        return notice_registrations().filter(pk=registration_id).first()

    def get_enqueued_at_display_value(self):
        return local_time(self.object.enqueued_at)

    def get_finished_at_display_value(self):
        return local_time(self.object.finished_at) or "-"

    def get_registration_display_value(self):
        if self.registration is None:
            return _("(deleted)")
        phone = recipient_masked_phone(self.object, self.registration)
        return f"{self.registration.code} · {phone}"

    def get_notice_display_value(self):
        return NOTICE_LABELS.get(message_args(self.object)[1], "")

    def get_channel_display_value(self):
        return CHANNEL_LABELS.get(message_args(self.object)[2], "")

    def get_status_display_value(self):
        return STATUS_LABELS.get(self.object.status, self.object.status)

    def get_error_display_value(self):
        return error_text(self.object) or "-"

    def get_traceback_display_value(self):
        if not self.object.traceback:
            return "-"
        return format_html("<pre>{}</pre>", mask_personal_numbers(self.object.traceback))


class ResendNoticeView(ConfirmActionView):
    """Staff queue a failed message again, after confirming; a GET changes nothing."""

    permission_required = "resend"
    page_title = gettext_lazy("Resend notice")
    button_label = gettext_lazy("Yes, resend it")

    def get_base_object_queryset(self):
        return notice_tasks()

    def get_page_subtitle(self):
        return local_time(self.object.enqueued_at)

    def get_confirmation_message(self):
        registration_id, notice, channel = message_args(self.object)
        registration = Registration.objects.only("code").filter(pk=registration_id).first()
        return _(
            "Send the %(channel)s “%(notice)s” for registration %(code)s again? The message is "
            "queued as a new task; this failed one stays in the log."
        ) % {
            "channel": CHANNEL_LABELS.get(channel, ""),
            "notice": NOTICE_LABELS.get(notice, ""),
            "code": registration.code if registration else _("(deleted)"),
        }

    def refusal(self) -> str | None:
        if self.object.status != Status.FAILED:
            return _("Only a notice that failed can be sent again.")
        if resent_later(self.object):
            return _("This notice has already been queued again.")
        return None

    def get(self, request, *args, **kwargs):
        if refusal := self.refusal():
            messages.error(request, refusal)
            return redirect(self.get_success_url())
        return super().get(request, *args, **kwargs)

    def perform_operation(self):
        if refusal := self.refusal():
            messages.error(self.request, refusal)
            return
        messages.success(self.request, queued_message(resend_failed([self.object])))


def queued_message(count: int) -> str:
    return ngettext(
        "%(count)d notice queued to be sent again.",
        "%(count)d notices queued to be sent again.",
        count,
    ) % {"count": count}


class ResendNoticesBulkAction(PermissionCheckedMixin, BulkAction):
    """The failed ones among the selected messages are queued again; the others stay as they are."""

    models = [DBTaskResult]
    permission_required = "resend"
    display_name = gettext_lazy("Resend")
    action_type = "resend"
    aria_label = gettext_lazy("Resend the selected failed notices")
    template_name = "bookings/admin/confirm_bulk_resend.html"

    @classmethod
    def get_queryset(cls, model, object_ids):
        ids = []
        for object_id in object_ids:
            try:
                ids.append(uuid.UUID(str(object_id)))
            except ValueError:
                continue  # not a row's id: nothing to resend
        return list(notice_tasks().filter(pk__in=ids).order_by("-enqueued_at"))

    def get_all_objects_in_listing_query(self, parent_id):
        filters = NoticeTaskFilterSet(self.request.GET, queryset=notice_tasks())
        return filters.qs.values_list("pk", flat=True)

    def object_context(self, obj):
        registration_id, notice, channel = message_args(obj)
        return {
            "item": obj,
            "queued_at": local_time(obj.enqueued_at),
            "notice": NOTICE_LABELS.get(notice, ""),
            "channel": CHANNEL_LABELS.get(channel, ""),
            "status": STATUS_LABELS.get(obj.status, obj.status),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["failed"] = [
            item for item in context["items"] if item["item"].status == Status.FAILED
        ]
        context["unchanged"] = [
            item for item in context["items"] if item["item"].status != Status.FAILED
        ]
        return context

    @classmethod
    def execute_action(cls, objects, **kwargs):
        return resend_failed(objects), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return queued_message(num_parent_objects)


class NoticeTaskViewSet(ModelViewSet):
    """The notice rows: a listing, one row's details and resending; no adding, editing or
    deleting. Access follows the registrations' permissions (NoticeTaskPermissionPolicy)."""

    model = DBTaskResult
    name = "notices"
    icon = "mail"
    menu_label = gettext_lazy("Notice log")
    menu_name = "notices"
    index_view_class = NoticeTaskIndexView
    inspect_view_class = NoticeTaskInspectView
    inspect_view_enabled = True
    inspect_view_fields = [
        "enqueued_at",
        "finished_at",
        "registration",
        "notice",
        "channel",
        "status",
        "error",
        "traceback",
    ]
    filterset_class = NoticeTaskFilterSet
    ordering = "-enqueued_at"
    # A task row is saved at every step of its task; indexing it would queue another task.
    add_to_reference_index = False

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(resend_url_name=self.get_url_name("resend"), **kwargs)

    @property
    def resend_view(self):
        return self.construct_view(ResendNoticeView)

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<uuid:pk>/", self.inspect_view, name="inspect"),
            path("resend/<uuid:pk>/", self.resend_view, name="resend"),
        ]

    def get_permissions_to_register(self):
        # Access comes from the registrations' permissions, none of the task rows' own.
        return Permission.objects.none()
