"""Rounds with their rubric, judges' profiles, assignments (conflicts flagged, reassigned
through `reassign`) and scores (reopened through `reopen_score`) in the admin.

Assignments are checked by the model on every save (a judge of the project's organisation is
refused in the admin form too); scores are written only by judges through the services, so
nobody adds, changes or deletes one here.
"""

import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import ListingButton
from wagtail.snippets.views import snippets as snippet_views

from core.imports.buttons import ImportExportButtonsMixin
from core.snippets import AcademySnippetViewSet, InspectView

from ..models import Assignment, CompetitionPage, JudgeProfile, Round, Score, judges
from ..models.judging import judge_name
from ..services import auto_assign, reassign, reopen_score
from .common import ObjectFormView, ServicesOnlyPolicy

ASSIGN_PERMISSION = "competitions.add_assignment"
REASSIGN_PERMISSION = "competitions.change_assignment"
REOPEN_PERMISSION = "competitions.reopen_score"


class RoundFilterSet(WagtailFilterSet):
    competition = django_filters.ModelChoiceFilter(
        label=gettext_lazy("competition"),
        queryset=CompetitionPage.objects.order_by("-year", "title"),
    )

    class Meta:
        model = Round
        fields = ["competition", "status"]


def with_next(url: str, next_url: str) -> str:
    return url + "?" + urlencode({"next": next_url})


class RoundIndexView(snippet_views.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.request.user.has_perm(ASSIGN_PERMISSION) and not instance.is_closed:
            url = reverse(
                Round.snippet_viewset.get_url_name("auto_assign"), args=[quote(instance.pk)]
            )
            buttons.append(
                ListingButton(
                    _("Assign judges automatically"),
                    url=with_next(url, self.request.get_full_path()),
                    priority=1,
                )
            )
        return buttons


class AutoAssignForm(forms.Form):
    k = forms.IntegerField(
        label=gettext_lazy("Judges per project"),
        min_value=1,
        max_value=50,
        help_text=gettext_lazy(
            "Each eligible project gets this many judges in all, counting those already assigned."
        ),
    )


class AutoAssignView(ObjectFormView):
    """Each eligible project of the round's competition gets K judges, with balanced loads,
    never a judge of its own organisation (`auto_assign`)."""

    model = Round
    permission = ASSIGN_PERMISSION
    form_class = AutoAssignForm
    page_title = gettext_lazy("Assign judges automatically")
    header_icon = "group"
    submit_label = gettext_lazy("Assign")

    def get_initial(self):
        return {"k": self.object.judges_per_project}

    def act(self, form):
        created = auto_assign(self.object, k=form.cleaned_data["k"], by=self.request.user)
        return _("%(count)d assignments made.") % {"count": len(created)}


class RoundViewSet(AcademySnippetViewSet):
    model = Round
    icon = "list-ol"
    menu_label = gettext_lazy("Rounds and rubrics")
    index_view_class = RoundIndexView
    copy_view_enabled = False
    list_display = ["title", "competition", "sort_order", "status", "is_live", "starts_at"]
    filterset_class = RoundFilterSet
    search_fields = ["title"]
    search_backend_name = None
    ordering = ["competition", "sort_order"]

    def get_queryset(self, request):
        return Round.objects.select_related("competition")

    @property
    def auto_assign_view(self):
        return AutoAssignView.as_view(index_url_name=self.get_url_name("list"))

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("auto-assign/<int:pk>/", self.auto_assign_view, name="auto_assign"),
        ]


class JudgeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return judge_name(user)


class JudgeProfileForm(forms.ModelForm):
    """The judge is chosen among the judges' group (评委)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = judges().order_by("username")


class JudgeProfileViewSet(AcademySnippetViewSet):
    model = JudgeProfile
    icon = "user"
    menu_label = gettext_lazy("Judges")
    list_display = ["__str__", "title", "organisation_name"]
    copy_view_enabled = False
    search_fields = ["organisation_name", "user__username", "user__first_name", "user__last_name"]
    search_backend_name = None
    panels = [
        FieldPanel("user", widget=forms.Select),
        FieldPanel("title"),
        FieldPanel("organisation_name"),
        FieldPanel("credit_code"),
        FieldPanel("affiliations"),
    ]

    def get_form_class(self, for_update=False):
        form_class = super().get_form_class(for_update)
        return type("JudgeProfileAdminForm", (JudgeProfileForm, form_class), {})

    def get_queryset(self, request):
        return JudgeProfile.objects.select_related("user")


class AssignmentFilterSet(WagtailFilterSet):
    round = django_filters.ModelChoiceFilter(
        label=gettext_lazy("round"), queryset=Round.objects.select_related("competition")
    )
    conflict = django_filters.BooleanFilter(
        label=gettext_lazy("conflict declared"),
        field_name="conflict_declared_at",
        lookup_expr="isnull",
        exclude=True,
    )
    withdrawn = django_filters.BooleanFilter(
        label=gettext_lazy("withdrawn"),
        field_name="withdrawn_at",
        lookup_expr="isnull",
        exclude=True,
    )

    class Meta:
        model = Assignment
        fields = ["round", "judge"]


def conflict_cell(assignment) -> str:
    if assignment.withdrawn_at:
        return _("Withdrawn")
    if assignment.conflict_declared_at:
        return format_html(
            '<strong class="w-text-critical-200">{}</strong> {}',
            _("Conflict declared"),
            assignment.conflict_reason,
        )
    return ""


class AssignmentIndexView(ImportExportButtonsMixin, snippet_views.IndexView):
    """The assignments' listing, with the `assignments` kind's 导入 and exports (of the round
    and judge the listing is filtered by)."""

    import_kind = "assignments"

    def export_params(self) -> dict:
        return {
            name: self.request.GET[name]
            for name in ("round", "judge")
            if str(self.request.GET.get(name, "")).isdigit()
        }

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.request.user.has_perm(REASSIGN_PERMISSION) and instance.is_active:
            url = reverse(
                Assignment.snippet_viewset.get_url_name("reassign"), args=[quote(instance.pk)]
            )
            buttons.append(
                ListingButton(
                    _("Reassign"),
                    url=with_next(url, self.request.get_full_path()),
                    classname="serious" if instance.has_conflict else "",
                    priority=1,
                )
            )
        return buttons


class AssignmentForm(forms.ModelForm):
    """By hand: the model refuses a judge of the project's organisation, an ineligible project
    and a closed round (Assignment.clean), with the reason on the form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["judge"].queryset = judges().order_by("username")
        self.fields["round"].queryset = Round.objects.exclude(status=Round.Status.CLOSED)

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk and Score.objects.filter(assignment=self.instance).exists():
            # The score would pass to another judge or project: reassign instead.
            raise forms.ValidationError(
                _("This assignment has a score and can no longer change; reassign it instead.")
            )
        return cleaned_data


class ReassignForm(forms.Form):
    judge = JudgeChoiceField(label=gettext_lazy("New judge"), queryset=judges().none())

    def __init__(self, *args, assignment, **kwargs):
        super().__init__(*args, **kwargs)
        taken = Assignment.objects.filter(
            round_id=assignment.round_id, project_id=assignment.project_id
        ).values("judge_id")
        self.fields["judge"].queryset = judges().exclude(pk__in=taken).order_by("username")


class ReassignView(ObjectFormView):
    """Give the assignment to another judge (after a declared conflict): the old one is
    withdrawn, and a judge of the project's organisation is refused."""

    model = Assignment
    permission = REASSIGN_PERMISSION
    form_class = ReassignForm
    page_title = gettext_lazy("Reassign")
    header_icon = "resubmit"
    submit_label = gettext_lazy("Reassign")

    def get_queryset(self):
        return Assignment.objects.select_related("project", "judge", "round")

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"assignment": self.object}

    @property
    def help_text(self):
        if self.object.has_conflict:
            return _("Conflict declared by the judge: %(reason)s") % {
                "reason": self.object.conflict_reason
            }
        return ""

    def act(self, form):
        replacement = reassign(self.object, judge=form.cleaned_data["judge"], by=self.request.user)
        return _("%(project)s is now assigned to %(judge)s.") % {
            "project": replacement.project,
            "judge": form.fields["judge"].label_from_instance(replacement.judge),
        }


class AssignmentPermissionPolicy(ServicesOnlyPolicy):
    """Assignments are withdrawn (reassigned), never deleted: scores point to them."""

    services_only = frozenset({"delete"})


class AssignmentViewSet(AcademySnippetViewSet):
    model = Assignment
    icon = "group"
    menu_label = gettext_lazy("Assignments")
    index_view_class = AssignmentIndexView
    copy_view_enabled = False
    list_display = [
        "project",
        Column("judge", label=gettext_lazy("judge"), accessor=lambda a: judge_name(a.judge)),
        "round",
        Column("conflict", label=gettext_lazy("conflict"), accessor=conflict_cell),
        "assigned_at",
    ]
    filterset_class = AssignmentFilterSet
    search_fields = ["project__title", "judge__username", "judge__first_name"]
    search_backend_name = None
    ordering = ["round", "project", "pk"]
    panels = [
        FieldPanel("round", widget=forms.Select),
        FieldPanel("project", widget=forms.Select),
        FieldPanel("judge", widget=forms.Select),
    ]

    def get_form_class(self, for_update=False):
        form_class = super().get_form_class(for_update)
        return type("AssignmentAdminForm", (AssignmentForm, form_class), {})

    def get_queryset(self, request):
        return Assignment.objects.select_related("project", "judge", "round__competition")

    @property
    def reassign_view(self):
        return ReassignView.as_view(index_url_name=self.get_url_name("list"))

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("reassign/<int:pk>/", self.reassign_view, name="reassign"),
        ]

    def get_permissions_to_register(self):
        return super().get_permissions_to_register().exclude(codename="delete_assignment")


class ScoreFilterSet(WagtailFilterSet):
    round = django_filters.ModelChoiceFilter(
        label=gettext_lazy("round"),
        field_name="assignment__round",
        queryset=Round.objects.select_related("competition"),
    )

    class Meta:
        model = Score
        fields = ["round", "status"]


class ScoreIndexView(snippet_views.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.request.user.has_perm(REOPEN_PERMISSION) and instance.is_submitted:
            url = reverse(Score.snippet_viewset.get_url_name("reopen"), args=[quote(instance.pk)])
            buttons.append(
                ListingButton(
                    _("Reopen"), url=with_next(url, self.request.get_full_path()), priority=1
                )
            )
        return buttons


class ScoreInspectView(InspectView):
    def get_values_display_value(self):
        return "；".join(
            f"{row.criterion.name} {row.value}"
            for row in self.object.values.select_related("criterion").order_by(
                "criterion__sort_order"
            )
        )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why it is reopened"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReopenScoreView(ObjectFormView):
    """Staff reopen a submitted score so its judge can change it; logged with the reason."""

    model = Score
    permission = REOPEN_PERMISSION
    form_class = ReopenForm
    page_title = gettext_lazy("Reopen score")
    header_icon = "lock-open"
    submit_label = gettext_lazy("Reopen")
    help_text = gettext_lazy(
        "The judge can then change the score and must submit it again; the reopening is "
        "logged with your name and the reason."
    )

    def get_queryset(self):
        return Score.objects.select_related("assignment__project", "assignment__judge")

    def act(self, form):
        reopen_score(self.object, reason=form.cleaned_data["reason"], by=self.request.user)
        return _("The score of %(assignment)s is reopened.") % {"assignment": self.object}


class ScorePermissionPolicy(ServicesOnlyPolicy):
    """Judges write scores on their own pages; staff only read and reopen them."""

    services_only = frozenset({"add", "change", "delete"})


class ScoreViewSet(AcademySnippetViewSet):
    model = Score
    icon = "pick"
    menu_label = gettext_lazy("Scores")
    index_view_class = ScoreIndexView
    inspect_view_class = ScoreInspectView
    inspect_view_enabled = True
    inspect_view_fields = [
        "assignment",
        "status",
        "values",
        "total",
        "comment",
        "submitted_at",
        "reopened_at",
        "reopened_by",
    ]
    copy_view_enabled = False
    list_display = [
        Column("assignment", label=gettext_lazy("assignment"), accessor="assignment"),
        "status",
        "total",
        "submitted_at",
        "reopened_at",
    ]
    filterset_class = ScoreFilterSet
    search_fields = ["assignment__project__title", "assignment__judge__username"]
    search_backend_name = None
    ordering = ["assignment__round", "assignment__project", "pk"]

    def get_queryset(self, request):
        return Score.objects.select_related("assignment__project", "assignment__judge")

    @property
    def reopen_view(self):
        return ReopenScoreView.as_view(index_url_name=self.get_url_name("list"))

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("reopen/<int:pk>/", self.reopen_view, name="reopen"),
        ]

    def get_permissions_to_register(self):
        return (
            super()
            .get_permissions_to_register()
            .filter(codename__in=["view_score", "reopen_score"])
        )
