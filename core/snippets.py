"""The base of every snippet viewset of ours: choosers and bulk actions that answer only those
who may see the model.

Wagtail's snippet chooser (choose, its results, chosen and chosen-multiple) checks no permission
at all, only its "create" tab asks for "add": any user with admin access could page through every
registration's name and code, and fetch one by id. Ours ask the model's permission policy (the
one registered for it, e.g. `RegistrationPermissionPolicy`) for "view" or "change", as a listing
would; a user without either gets Wagtail's permission-denied answer.

Wagtail's bulk actions check each object's permission only to sort them into those the action
applies to and those it lists by name as out of reach: any user with admin access could read
the name and code of a registration from its confirmation page. Ours refuse the whole request
to a user without the action's permission on the model.
"""

from django.utils.functional import cached_property
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.permissions import policy_registry
from wagtail.snippets.bulk_actions import delete
from wagtail.snippets.views import chooser
from wagtail.snippets.views.snippets import InspectView as SnippetInspectView
from wagtail.snippets.views.snippets import SnippetViewSet


class ChooserPermissionMixin(PermissionCheckedMixin):
    """Choosing an object shows it: who may choose is who may view or change the model."""

    any_permission_required = ["view", "change"]

    @cached_property
    def permission_policy(self):
        return policy_registry.get_by_type(self.model_class)


class ChooseView(ChooserPermissionMixin, chooser.ChooseView):
    pass


class ChooseResultsView(ChooserPermissionMixin, chooser.ChooseResultsView):
    pass


class ChosenView(ChooserPermissionMixin, chooser.SnippetChosenView):
    pass


class ChosenMultipleView(ChooserPermissionMixin, chooser.SnippetChosenMultipleView):
    pass


class SnippetChooserViewSet(chooser.SnippetChooserViewSet):
    choose_view_class = ChooseView
    choose_results_view_class = ChooseResultsView
    chosen_view_class = ChosenView
    chosen_multiple_view_class = ChosenMultipleView


class InspectView(SnippetInspectView):
    """Wagtail prints an empty field as "None"; ours show "-", as Wagtail does an empty list."""

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return "-" if value is None else value


class AcademySnippetViewSet(SnippetViewSet):
    """A snippet viewset whose chooser checks permissions (see the module's docstring)."""

    chooser_viewset_class = SnippetChooserViewSet
    inspect_view_class = InspectView


class DeleteBulkAction(PermissionCheckedMixin, delete.DeleteBulkAction):
    """Wagtail's Delete for snippets, refused to users who may not delete the model."""

    permission_required = "delete"
