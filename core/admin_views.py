"""Admin views every app's staff screens share."""

from django.urls import reverse
from wagtail.admin.views.generic.base import BaseOperationView, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin


class ConfirmActionView(PermissionCheckedMixin, WagtailAdminTemplateMixin, BaseOperationView):
    """Wagtail's operation view (the action on POST, then back to `next` or the listing) with a
    confirmation page on GET. `perform_operation` calls a service and says how it went."""

    permission_required = "change"
    template_name = "core/admin/confirm_action.html"
    index_url_name = None
    header_icon = ""
    confirmation_message = ""
    button_label = ""
    button_classname = ""

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return []

    def get_success_url(self) -> str:
        return self.next_url or reverse(self.index_url_name)

    def get_confirmation_message(self) -> str:
        return self.confirmation_message

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            next_url=self.get_success_url(),
            confirmation_message=self.get_confirmation_message(),
        )
        return context

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data())

    def perform_operation(self) -> None:
        raise NotImplementedError
