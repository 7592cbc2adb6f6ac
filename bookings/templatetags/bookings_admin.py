"""Template tags for the staff screens of registrations."""

from django import template
from django.urls import reverse
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.admin.widgets.button import ListingButton

register = template.Library()


@register.inclusion_tag("wagtailadmin/shared/buttons.html")
def bulk_action_choices_without(app_label: str, model_name: str, *hidden: str):
    """Wagtail's `bulk_action_choices` buttons, less the bulk actions whose types are named.

    Wagtail offers every bulk action registered for a model and registers its Delete for every
    snippet, with no way to withdraw it for one model. Unlike Wagtail's tag this never folds
    actions into a "More" menu: the listings that use it have few.
    """
    actions = bulk_action_registry.get_bulk_actions_for_model(app_label, model_name)
    # No `next` parameter: the footer is not redrawn after a search, so Wagtail's script adds it.
    buttons = [
        ListingButton(
            action.display_name,
            reverse("wagtail_bulk_action", args=[app_label, model_name, action.action_type]),
            attrs={"aria-label": action.aria_label, "data-bulk-action-button": ""},
            priority=action.action_priority,
            classname=" ".join(action.classes | {"bulk-action-btn"}),
        )
        for action in sorted(actions, key=lambda action: action.action_priority)
        if action.action_type not in hidden
    ]
    return {"buttons": buttons}
