"""Form widgets shared by the apps' admin forms."""

from django import forms
from django.utils.translation import gettext_lazy as _


class FilterableCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Checkboxes for a many-to-many field with a long list (the hundred lecturers): a box to
    type part of a name into filters the list, the ticked ones stay in view, and a count says
    how many are ticked. Without its script it is a plain list of checkboxes; the form posts
    the same values as a multiple select."""

    # In the app's own templates: Django's form renderer does not look in the project's.
    template_name = "core/widgets/filterable_checkboxes.html"
    placeholder = _("Type part of a name")

    class Media:
        js = ["js/filterable-checkboxes.js"]
        css = {"all": ["css/filterable-checkboxes.css"]}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["placeholder"] = self.placeholder
        return context
