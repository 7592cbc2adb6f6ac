from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.menus import MenuItem
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from core.imports.kinds import HOOK as IMPORT_KINDS
from core.snippets import DeleteBulkAction

from .admin.common import ServicesOnlyPolicy
from .admin.judging import (
    AssignmentPermissionPolicy,
    AssignmentViewSet,
    JudgeProfileViewSet,
    RoundViewSet,
    ScorePermissionPolicy,
    ScoreViewSet,
)
from .admin.projects import CategoryViewSet, ProjectPermissionPolicy, ProjectViewSet
from .admin.results import AwardViewSet, ObjectionViewSet, ResultPublicationViewSet
from .admin_results import (
    VIEW_SCORES,
    JudgingProgressPanel,
    admin_urls,
    kind_export_url,
    round_results_url,
)
from .models import (
    Assignment,
    Award,
    Category,
    JudgeProfile,
    Objection,
    Project,
    ResultPublication,
    Round,
    Score,
)
from .resources import assignment_kind, project_kind, ranking_kind, score_kind


class CompetitionsGroup(SnippetViewSetGroup):
    items = (
        ProjectViewSet,
        RoundViewSet,
        AssignmentViewSet,
        ScoreViewSet,
        AwardViewSet,
        ResultPublicationViewSet,
        ObjectionViewSet,
        JudgeProfileViewSet,
        CategoryViewSet,
    )
    menu_icon = "trophy"
    menu_label = _("Competitions")
    menu_name = "competitions"
    menu_order = 210


# Before the viewsets are registered, which would otherwise create the default policies.
register_permission_policy(Project, ProjectPermissionPolicy(Project))
register_permission_policy(Assignment, AssignmentPermissionPolicy(Assignment))
register_permission_policy(Score, ScorePermissionPolicy(Score))
register_permission_policy(Objection, ServicesOnlyPolicy(Objection))

register_snippet(CompetitionsGroup)

for kind in (project_kind, assignment_kind, score_kind, ranking_kind):
    hooks.register(IMPORT_KINDS, kind)


class CompetitionsDeleteBulkAction(DeleteBulkAction):
    """Refused to users who may not delete the model: for projects, assignments, scores and
    objections, everybody (their policies keep deleting to the services, which never do)."""

    models = [
        Project,
        Round,
        Assignment,
        Score,
        Award,
        ResultPublication,
        Objection,
        JudgeProfile,
        Category,
    ]


# After wagtail.snippets' Delete (order 0): the registry keeps the last action of a type.
hooks.register("register_bulk_action", CompetitionsDeleteBulkAction, order=1)


@hooks.register("register_log_actions")
def register_log_actions(actions):
    actions.register_action(
        "competitions.project.review", _("Review eligibility"), _("Eligibility reviewed")
    )
    actions.register_action(
        "competitions.assignment.conflict",
        _("Declare a conflict of interest"),
        _("Conflict of interest declared"),
    )
    actions.register_action(
        "competitions.assignment.reassign", _("Reassign"), _("Assignment withdrawn and reassigned")
    )
    actions.register_action(
        "competitions.score.draft", _("Save score draft"), _("Score draft saved")
    )
    actions.register_action("competitions.score.submit", _("Submit score"), _("Score submitted"))
    actions.register_action("competitions.score.reopen", _("Reopen score"), _("Score reopened"))
    actions.register_action("competitions.award.set", _("Set award"), _("Award set"))
    actions.register_action("competitions.award.remove", _("Remove award"), _("Award removed"))


@hooks.register("register_admin_urls")
def register_results_urls():
    """A round's results and the exports (competitions/admin_results.py)."""
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
    """结果, and the round's ranking and scores tables (the `rankings` and `scores` kinds),
    from a round's row in the rounds' listing."""
    if isinstance(snippet, Round) and user.has_perm(VIEW_SCORES):
        yield MenuItem(_("Results"), url=round_results_url(snippet), icon_name="list-ol")
        yield MenuItem(
            _("Export the ranking table (Excel)"),
            url=kind_export_url("rankings", snippet),
            icon_name="download",
        )
        yield MenuItem(
            _("Export every score (Excel)"),
            url=kind_export_url("scores", snippet),
            icon_name="download",
        )
