"""Panels of the staff dashboard (the Wagtail admin's home page).

Each app adds its own through Wagtail's `construct_homepage_panels` hook, appending instances
of a `DashboardPanel` subclass: a Component with its own template, shown only to users holding
its `permission`, which reads what it shows in a fixed number of queries. Panels are sorted by
`order` with Wagtail's own (110 and above); ours come first, in the ranges below, so a later
issue adds its panel beside the others without touching them.
"""

from wagtail.admin.ui.components import Component

# `order` ranges of the dashboard's panels, by the app that adds them.
TRAINING_ORDER = 10  # bookings: registrations to approve, waiting lists, sessions, cohorts (10–49)
ATTENDANCE_ORDER = 50  # check-in progress (50–69)
COMPETITIONS_ORDER = 70  # judging progress (70–89)
IMPORTS_ORDER = 90  # failed imports (90–99)


class DashboardPanel(Component):
    """One panel of the staff dashboard; renders nothing for a user without `permission`."""

    name = ""
    order = TRAINING_ORDER
    permission = ""

    def render_html(self, parent_context=None):
        user = parent_context["request"].user
        if self.permission and not user.has_perm(self.permission):
            return ""
        return super().render_html(parent_context)
