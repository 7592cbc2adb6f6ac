"""Projects in the admin: the list staff review (资格审查), each project's page with its
attachments, and the eligibility decision, which goes through `review_project`. Nobody adds or
deletes a project here: organisations submit them on the site."""

import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import HeaderButton, ListingButton
from wagtail.snippets.views import snippets as snippet_views

from core.imports.buttons import ImportExportButtonsMixin
from core.snippets import AcademySnippetViewSet, InspectView

from ..models import Category, CompetitionPage, Project
from ..services import review_project
from .common import ObjectFormView, ServicesOnlyPolicy

REVIEW_PERMISSION = "competitions.review_project"


class ProjectPermissionPolicy(ServicesOnlyPolicy):
    """Projects are submitted on the site and never deleted."""


class ProjectFilterSet(WagtailFilterSet):
    competition = django_filters.ModelChoiceFilter(
        label=gettext_lazy("competition"),
        queryset=CompetitionPage.objects.order_by("-year", "title"),
    )

    class Meta:
        model = Project
        fields = ["competition", "status", "category"]


def review_url(project, *, next_url: str = "") -> str:
    url = reverse(Project.snippet_viewset.get_url_name("review"), args=[quote(project.pk)])
    return url + ("?" + urlencode({"next": next_url}) if next_url else "")


class ProjectIndexView(ImportExportButtonsMixin, snippet_views.IndexView):
    """The projects' listing, with the `projects` kind's 导入 and exports (of what the
    listing's filters show)."""

    import_kind = "projects"

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.request.user.has_perm(REVIEW_PERMISSION):
            url = review_url(instance, next_url=self.request.get_full_path())
            label = (
                _("Review") if instance.status == Project.Status.SUBMITTED else _("Review again")
            )
            buttons.append(ListingButton(label, url=url, priority=1))
        return buttons


class ProjectInspectView(InspectView):
    def get_contact_phone_display_value(self):
        return self.object.masked_contact_phone

    def get_attachments_display_value(self):
        attachments = list(self.object.attachments.all())
        if not attachments:
            return "-"
        return format_html_join(
            ", ", '<a href="{}">{}</a>', ((a.file.url, a.name) for a in attachments)
        )

    @cached_property
    def header_buttons(self):
        if not self.request.user.has_perm(REVIEW_PERMISSION):
            return []
        return [HeaderButton(_("Review eligibility"), url=review_url(self.object), priority=1)]


class ReviewForm(forms.Form):
    decision = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("eligible", gettext_lazy("Eligible")),
            ("ineligible", gettext_lazy("Not eligible")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (when not eligible)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        cleaned_data = super().clean()
        if (
            cleaned_data.get("decision") == "ineligible"
            and not cleaned_data.get("reason", "").strip()
        ):
            self.add_error("reason", _("Say why the project is not eligible."))
        return cleaned_data


class ProjectReviewView(ObjectFormView):
    """资格审查: staff decide whether a project is eligible; the applicant is told."""

    model = Project
    permission = REVIEW_PERMISSION
    form_class = ReviewForm
    page_title = gettext_lazy("Eligibility review")
    header_icon = "tasks"
    submit_label = gettext_lazy("Save the decision")
    help_text = gettext_lazy("The applicant is told the decision by SMS and mail.")

    def get_initial(self):
        initial = {"reason": self.object.ineligible_reason}
        if self.object.status != Project.Status.SUBMITTED:
            initial["decision"] = self.object.status
        return initial

    def act(self, form):
        eligible = form.cleaned_data["decision"] == "eligible"
        review_project(
            self.object, eligible=eligible, reason=form.cleaned_data["reason"], by=self.request.user
        )
        return _("%(title)s: %(status)s.") % {
            "title": self.object.title,
            "status": _("Eligible") if eligible else _("Not eligible"),
        }


class ProjectViewSet(AcademySnippetViewSet):
    model = Project
    icon = "doc-full"
    menu_label = gettext_lazy("Projects")
    index_view_class = ProjectIndexView
    inspect_view_class = ProjectInspectView
    inspect_view_enabled = True
    inspect_view_fields = [
        "competition",
        "status",
        "ineligible_reason",
        *Project.APPLICANT_FIELDS,
        "attachments",
        "running_order",
        "submitted_at",
        "updated_at",
        "reviewed_at",
    ]
    copy_view_enabled = False
    list_display = [
        "title",
        "organisation_name",
        "category",
        Column("competition", label=gettext_lazy("competition"), accessor="competition"),
        "status",
        "budget_requested",
        "submitted_at",
    ]
    filterset_class = ProjectFilterSet
    search_fields = ["title", "organisation_name", "credit_code"]
    search_backend_name = None
    ordering = "-submitted_at"
    # The running order of a live round; what the applicant wrote stays theirs, and the
    # eligibility decision has its own screen.
    panels = [FieldPanel("running_order")]

    def get_queryset(self, request):
        return Project.objects.select_related("competition", "category")

    @property
    def review_view(self):
        return ProjectReviewView.as_view(index_url_name=self.get_url_name("list"))

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("review/<int:pk>/", self.review_view, name="review"),
        ]

    def get_permissions_to_register(self):
        return (
            super()
            .get_permissions_to_register()
            .exclude(codename__in=["add_project", "delete_project"])
        )


class CategoryViewSet(AcademySnippetViewSet):
    model = Category
    icon = "tag"
    menu_label = gettext_lazy("Project categories")
    list_display = ["name", "sort_order"]
    copy_view_enabled = False
    search_fields = ["name"]
    search_backend_name = None
    ordering = ["sort_order", "name"]
