"""Pieces the training admin screens share."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import View
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin


class ConfirmActionView(PermissionCheckedMixin, BaseObjectMixin, WagtailAdminTemplateMixin, View):
    """A confirmation page for an action on one object (GET), and the action itself (POST)."""

    permission_required = "change"
    template_name = "bookings/admin/confirm_action.html"
    index_url_name = None
    header_icon = ""
    confirmation_message = ""
    button_label = ""
    button_classname = ""

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return []

    @cached_property
    def next_url(self) -> str:
        return get_valid_next_url_from_request(self.request) or reverse(self.index_url_name)

    def get_confirmation_message(self) -> str:
        return self.confirmation_message

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            next_url=self.next_url,
            confirmation_message=self.get_confirmation_message(),
        )
        return context

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        self.perform()
        return redirect(self.next_url)

    def perform(self) -> None:
        raise NotImplementedError
