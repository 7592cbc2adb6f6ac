"""Pieces the competition admin screens share."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.permission_policies import ModelPermissionPolicy

from core.locking import LockTimeout

from ..services import CompetitionError


class ServicesOnlyPolicy(ModelPermissionPolicy):
    """Nobody, superusers included, takes the `services_only` actions in the admin's own
    views: those changes go through `competitions.services`, from views of their own."""

    services_only = frozenset({"add", "delete"})

    def user_has_permission(self, user, action):
        return action not in self.services_only and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        actions = set(actions) - self.services_only
        if not actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(actions)


class ObjectFormView(WagtailAdminTemplateMixin, FormView):
    """A form about one object whose valid answer calls a service (`act`), then goes back to
    `next` or the listing with a message; a refusal of the service shows on the form.

    Refused (403) to users without `permission` (an "app.codename")."""

    template_name = "competitions/admin/object_form.html"
    model = None
    permission = ""
    index_url_name = None
    header_icon = ""
    submit_label = ""
    help_text = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return self.model._default_manager.all()

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return []

    def get_success_url(self) -> str:
        next_url = self.request.POST.get("next") or self.request.GET.get("next", "")
        if next_url.startswith("/") and not next_url.startswith("//"):
            return next_url
        return reverse(self.index_url_name)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object, next_url=self.get_success_url(), help_text=self.help_text
        )
        return context

    def form_valid(self, form):
        try:
            message = self.act(form)
        except (CompetitionError, LockTimeout) as refusal:
            form.add_error(None, refusal.message)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(self.get_success_url())

    def act(self, form) -> str:
        """Call the service; the success message."""
        raise NotImplementedError
