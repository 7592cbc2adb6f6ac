"""Staff screens for registrations in the Wagtail admin.

Seats change only through `bookings.services`: staff approve, reject and cancel with actions
that call the services, and nobody adds or deletes a registration here. The edit form holds
only the trainee's details that do not touch a seat. Phone numbers are shown masked; only
an export by a user with `bookings.view_personal_data` carries them in full.
"""

import django_filters
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.views import snippets as snippet_views

from core.exports import SafeExportMixin
from core.locking import LockTimeout
from core.snippets import AcademySnippetViewSet, InspectView

from ..models import Cohort, Registration
from ..selectors import cohorts_with_seats
from ..services import (
    BookingError,
    approve_registrations,
    cancel_registration,
    reject_registrations,
)
from .common import ConfirmActionView

PERSONAL_DATA_PERMISSION = "bookings.view_personal_data"


class RegistrationPermissionPolicy(ModelPermissionPolicy):
    """Nobody, superusers included, adds or deletes a registration in the admin."""

    services_only = frozenset({"add", "delete"})

    def user_has_permission(self, user, action):
        return action not in self.services_only and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        actions = set(actions) - self.services_only
        if not actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(actions)


class RegistrationFilterSet(WagtailFilterSet):
    cohort = django_filters.ModelChoiceFilter(
        label=gettext_lazy("cohort"),
        queryset=Cohort.objects.select_related("programme").order_by("-starts_on", "pk"),
    )

    class Meta:
        model = Registration
        fields = ["cohort", "status"]


class RegistrationIndexView(SafeExportMixin, snippet_views.IndexView):
    cancel_url_name = None

    @cached_property
    def can_see_personal_data(self) -> bool:
        return self.request.user.has_perm(PERSONAL_DATA_PERMISSION)

    @cached_property
    def filtered_cohort(self):
        """The cohort the listing is filtered by, with its seat counts."""
        if self.filters and self.filters.is_valid():
            cohort = self.filters.form.cleaned_data.get("cohort")
            if cohort:
                return cohorts_with_seats(Cohort.objects.filter(pk=cohort.pk)).get()
        return None

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["seat_cohort"] = self.filtered_cohort
        return context

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.is_active and self.user_has_permission("change"):
            url = reverse(self.cancel_url_name, args=[quote(instance.pk)])
            url += "?" + urlencode({"next": self.request.get_full_path()})
            buttons.append(
                MenuItem(_("Cancel registration"), url=url, icon_name="cross", priority=25)
            )
        return buttons

    def to_row_dict(self, item):
        row = super().to_row_dict(item)
        if not self.can_see_personal_data:
            row["phone"] = item.masked_phone
        row["status"] = item.get_status_display()
        # Local time without a zone: spreadsheets would otherwise show UTC.
        row["created_at"] = timezone.make_naive(item.created_at).replace(microsecond=0)
        return row


class RegistrationInspectView(InspectView):
    def get_phone_display_value(self):
        return self.object.masked_phone

    def get_id_number_display_value(self):
        return self.object.masked_id_number


class RegistrationCancelView(ConfirmActionView):
    """Staff cancel a registration through the service, which frees the seat."""

    page_title = gettext_lazy("Cancel registration")
    button_label = gettext_lazy("Yes, cancel the registration")
    button_classname = "serious"

    def get_base_object_queryset(self):
        return Registration.objects.select_related("cohort__programme")

    def get_confirmation_message(self):
        return _(
            "Cancel the registration of %(name)s (%(code)s) for %(cohort)s? Their seat goes to "
            "the next trainee on the waiting list."
        ) % {"name": self.object.name, "code": self.object.code, "cohort": self.object.cohort}

    def perform_operation(self):
        try:
            promoted = cancel_registration(self.object, by=self.request.user)
        except (BookingError, LockTimeout) as error:
            messages.error(self.request, error.message)
            return
        message = _("Registration %(code)s cancelled.") % {"code": self.object.code}
        if promoted:
            message += " " + ngettext(
                "%(count)d trainee moved up from the waiting list.",
                "%(count)d trainees moved up from the waiting list.",
                len(promoted),
            ) % {"count": len(promoted)}
        messages.success(self.request, message)


class DecideRegistrationsBulkAction(PermissionCheckedMixin, SnippetBulkAction):
    """Approve or reject pending registrations through the service; others stay as they are.
    Refused to users who may not change registrations, whose names it would list."""

    models = [Registration]
    permission_required = "change"
    template_name = "bookings/admin/confirm_bulk_decide.html"
    decide = None

    @classmethod
    def get_queryset(cls, model, object_ids):
        return list(model.objects.filter(pk__in=object_ids).select_related("cohort__programme"))

    def check_perm(self, registration):
        return self.permission_policy.user_has_permission_for_instance(
            self.request.user, "change", registration
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pending = Registration.Status.PENDING
        context["pending"] = [item for item in context["items"] if item["item"].status == pending]
        context["unchanged"] = [item for item in context["items"] if item["item"].status != pending]
        return context

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except LockTimeout as busy:
            messages.error(self.request, busy.message)
            return redirect(self.next_url)

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        by = kwargs["self"].request.user
        return cls.decide([registration.pk for registration in objects], by=by), 0


class RefuseDeletingRegistrationsBulkAction(SnippetBulkAction):
    """Wagtail registers its Delete bulk action for every snippet. Registrations are cancelled,
    never deleted: the listing offers no Delete, and its URL, reached by hand, deletes nothing
    and says what to do instead. Registered after Wagtail's, for registrations only."""

    models = [Registration]
    display_name = gettext_lazy("Delete")
    action_type = "delete"
    aria_label = gettext_lazy("Delete selected snippets")

    def dispatch(self, request, *args, **kwargs):
        refusal = _("Registrations are never deleted: cancel a registration instead.")
        messages.error(request, refusal)
        return redirect(Registration.snippet_viewset.get_url_name("list"))


class ApproveRegistrationsBulkAction(DecideRegistrationsBulkAction):
    display_name = gettext_lazy("Approve")
    action_type = "approve"
    aria_label = gettext_lazy("Approve the selected registrations")
    action_priority = 10
    decide = staticmethod(approve_registrations)

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d registration approved.",
            "%(count)d registrations approved.",
            num_parent_objects,
        ) % {"count": num_parent_objects}


class RejectRegistrationsBulkAction(DecideRegistrationsBulkAction):
    display_name = gettext_lazy("Reject")
    action_type = "reject"
    aria_label = gettext_lazy("Reject the selected registrations")
    action_priority = 20
    classes = {"serious"}
    decide = staticmethod(reject_registrations)

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d registration rejected.",
            "%(count)d registrations rejected.",
            num_parent_objects,
        ) % {"count": num_parent_objects}


class RegistrationViewSet(AcademySnippetViewSet):
    model = Registration
    icon = "clipboard-list"
    menu_label = gettext_lazy("Registrations")
    index_view_class = RegistrationIndexView
    inspect_view_class = RegistrationInspectView
    inspect_view_enabled = True
    inspect_view_fields = [
        "name",
        "phone",
        "unit",
        "position",
        "party_organisation",
        "origin_province",
        "origin_city",
        "email",
        "id_number",
        "cohort",
        "group",
        "status",
        "source",
        "code",
        "created_at",
        "decided_at",
        "cancelled_at",
    ]
    copy_view_enabled = False
    # Offers the bulk actions without Wagtail's Delete, which every snippet gets.
    index_template_name = "bookings/admin/registration_index.html"
    index_results_template_name = "bookings/admin/registration_index_results.html"
    list_display = [
        "name",
        Column("masked_phone", label=gettext_lazy("mobile")),
        "unit",
        Column("cohort", label=gettext_lazy("cohort"), accessor="cohort", sort_key="cohort"),
        "status",
        "code",
        "created_at",
    ]
    list_export = [
        "name",
        "phone",
        "unit",
        "position",
        "party_organisation",
        "cohort",
        "status",
        "code",
        "created_at",
    ]
    export_filename = "registrations"
    filterset_class = RegistrationFilterSet
    search_fields = ["name", "code"]
    search_backend_name = None
    ordering = "-created_at"
    # Only details that do not touch a seat; status changes through the actions.
    panels = [
        FieldPanel("name"),
        FieldPanel("unit"),
        FieldPanel("position"),
        FieldPanel("party_organisation"),
        FieldPanel("email"),
    ]

    def get_queryset(self, request):
        return Registration.objects.select_related("cohort__programme")

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(cancel_url_name=self.get_url_name("cancel"), **kwargs)

    @property
    def cancel_view(self):
        return self.construct_view(RegistrationCancelView)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("cancel/<int:pk>/", self.cancel_view, name="cancel"),
        ]

    def get_permissions_to_register(self):
        # Add and delete are never granted (RegistrationPermissionPolicy); don't offer them.
        return (
            super()
            .get_permissions_to_register()
            .exclude(codename__in=["add_registration", "delete_registration"])
        )
