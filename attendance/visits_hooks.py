"""Wagtail hooks of evaluations (评教), study visits (来烟学习交流) and the figures; imported by
attendance/wagtail_hooks.py."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.permissions import register_permission_policy

# -- Evaluations (评教), study visits (来烟学习交流) and the figures (issue 11, "visits") --
from . import views_evaluations
from .admin_evaluations import EvaluationPermissionPolicy, EvaluationViewSet
from .admin_figures import FiguresViewSet
from .admin_visits import StudyVisitPermissionPolicy, StudyVisitViewSet
from .models import Evaluation, StudyVisit

# Before the viewsets are registered, which would otherwise create the default policies.
register_permission_policy(Evaluation, EvaluationPermissionPolicy(Evaluation))
register_permission_policy(StudyVisit, StudyVisitPermissionPolicy(StudyVisit))


class VisitsAndEvaluationsGroup(ViewSetGroup):
    items = (StudyVisitViewSet, EvaluationViewSet, FiguresViewSet)
    menu_icon = "group"
    menu_label = _("Visits and evaluations")
    menu_name = "visits_evaluations"


@hooks.register("register_admin_viewset")
def register_visits_and_evaluations():
    return VisitsAndEvaluationsGroup()


@hooks.register("register_log_actions")
def register_visit_log_actions(actions):
    actions.register_action(
        "attendance.study_visit.confirm", _("Confirm study visit"), _("Study visit confirmed")
    )


# After the lower apps' sections (order 0): the ratings close a lecturer's or course's page.
hooks.register("register_registration_page_section", views_evaluations.registration_section)
hooks.register("register_lecturer_page_section", views_evaluations.lecturer_section, order=10)
hooks.register("register_course_page_section", views_evaluations.course_section, order=10)
# -- end of evaluations, study visits and figures --
