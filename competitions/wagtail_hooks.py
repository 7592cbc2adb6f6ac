from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.menus import MenuItem

from .admin_results import VIEW_SCORES, JudgingProgressPanel, admin_urls, round_results_url
from .models import Round


@hooks.register("register_admin_urls")
def register_results_urls():
    return [
        path(
            "competitions/results/",
            include((admin_urls(), "competitions_results"), namespace="competitions_results"),
        )
    ]


@hooks.register("construct_homepage_panels")
def add_judging_panel(request, panels):
    panels.append(JudgingProgressPanel())


@hooks.register("register_snippet_listing_buttons")
def round_results_button(snippet, user, next_url=None):
    """结果 from a round's row in the rounds' listing."""
    if isinstance(snippet, Round) and user.has_perm(VIEW_SCORES):
        yield MenuItem(_("Results"), url=round_results_url(snippet), icon_name="list-ol")
