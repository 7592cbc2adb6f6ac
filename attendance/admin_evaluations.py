"""Evaluations (评教) in the admin: staff read them all, with comments; a lecturer reads those
of their own sessions. Nobody adds, changes or deletes one here: trainees write them, and no
listing shows who did."""

import django_filters
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy, pgettext_lazy
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from bookings.models import Cohort
from core.imports.buttons import ImportExportButtonsMixin
from courses.models import CoursePage
from lecturers.models import LecturerPage

from .models import Evaluation

VIEW_ALL = "attendance.view_evaluation"
VIEW_OWN = "attendance.view_own_evaluations"


def visible_evaluations(user):
    """All evaluations for staff who may view them, a lecturer's own sessions' for a lecturer,
    none for anyone else."""
    evaluations = Evaluation.objects.all()
    if user.has_perm(VIEW_ALL):
        return evaluations
    if user.has_perm(VIEW_OWN):
        return evaluations.for_lecturer_user(user)
    return evaluations.none()


class EvaluationPermissionPolicy(ModelPermissionPolicy):
    """Viewing is for holders of `view_evaluation` (all) or `view_own_evaluations` (a
    lecturer's own); nobody, superusers included, adds, changes or deletes one."""

    read_only = frozenset({"add", "change", "delete"})

    def user_has_permission(self, user, action):
        if action in self.read_only:
            return False
        if action == "view" and user.is_active and user.has_perm(VIEW_OWN):
            return True
        return super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        actions = set(actions) - self.read_only
        if not actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(actions)


class EvaluationFilterSet(WagtailFilterSet):
    cohort = django_filters.ModelChoiceFilter(
        label=gettext_lazy("cohort"),
        field_name="session__cohort",
        queryset=Cohort.objects.select_related("programme").order_by("-starts_on", "pk"),
    )
    course = django_filters.ModelChoiceFilter(
        label=gettext_lazy("course"),
        field_name="session__course",
        queryset=CoursePage.objects.order_by("title"),
    )
    lecturer = django_filters.ModelChoiceFilter(
        label=gettext_lazy("lecturer"),
        field_name="session__lecturers",
        queryset=LecturerPage.objects.order_by("title"),
    )
    created_at = django_filters.DateFromToRangeFilter(
        label=gettext_lazy("rated at"), widget=DateRangePickerWidget
    )
    with_comment = django_filters.ChoiceFilter(
        label=gettext_lazy("comment"),
        choices=[("yes", gettext_lazy("With a comment")), ("no", gettext_lazy("Without"))],
        method="filter_with_comment",
    )

    class Meta:
        model = Evaluation
        fields = []

    def filter_with_comment(self, queryset, name, value):
        return queryset.exclude(comment="") if value == "yes" else queryset.filter(comment="")


def local_time(value):
    # Local time without a zone: spreadsheets would otherwise show UTC.
    return timezone.make_naive(value).replace(microsecond=0) if value else value


def lecturer_names(evaluation) -> str:
    return "、".join(lecturer.title for lecturer in evaluation.session.lecturers.all())


class EvaluationIndexView(ImportExportButtonsMixin, IndexView):
    """The listing; its exports are the `evaluations` spreadsheet kind's
    (`attendance.resources.EvaluationResource`), of what the filters show."""

    results_template_name = "attendance/admin/evaluation_index_results.html"
    any_permission_required = ["view"]
    import_kind = "evaluations"

    def get_base_queryset(self):
        return (
            visible_evaluations(self.request.user)
            .select_related("session__cohort__programme", "session__course")
            .prefetch_related(
                Prefetch("session__lecturers", queryset=LecturerPage.objects.only("title"))
            )
        )

    @cached_property
    def columns(self):
        return [
            Column("session", label=gettext_lazy("session"), accessor="session"),
            Column(
                "session_starts_at",
                label=gettext_lazy("session starts"),
                accessor=lambda item: local_time(item.session.starts_at),
                sort_key="session__starts_at",
            ),
            Column("cohort", label=gettext_lazy("cohort"), accessor="session.cohort"),
            Column("lecturers", label=gettext_lazy("lecturers"), accessor=lecturer_names),
            Column("content", label=pgettext_lazy("evaluation", "content")),
            Column("delivery", label=pgettext_lazy("evaluation", "delivery")),
            Column("usefulness", label=pgettext_lazy("evaluation", "usefulness")),
            Column("organisation", label=pgettext_lazy("evaluation", "organisation")),
            Column("average", label=gettext_lazy("average")),
            Column("comment", label=gettext_lazy("comment")),
            Column(
                "created_at",
                label=gettext_lazy("rated at"),
                accessor=lambda item: local_time(item.created_at),
                sort_key="created_at",
            ),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The averages of what the filters leave, above the rows.
        context["summary"] = self.filter_queryset(self.get_base_queryset()).summary()
        return context


class EvaluationViewSet(ModelViewSet):
    """A listing with filters, averages and the `evaluations` kind's exports; nothing else."""

    model = Evaluation
    name = "evaluations"
    icon = "pick"
    menu_label = gettext_lazy("Evaluations")
    menu_name = "evaluations"
    index_view_class = EvaluationIndexView
    filterset_class = EvaluationFilterSet
    ordering = "-created_at"
    add_to_reference_index = False

    def get_index_view_kwargs(self, **kwargs):
        # No edit or inspect page: each row is read in the listing.
        return super().get_index_view_kwargs(**kwargs) | {"edit_url_name": None}

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
        ]

    def get_permissions_to_register(self):
        # View (all) and view_own_evaluations; adding, changing and deleting are never granted.
        return Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(Evaluation),
            codename__in=["view_evaluation", "view_own_evaluations"],
        )
