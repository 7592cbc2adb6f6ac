"""Awards (funding), published results and objections in the admin.

An award is saved through `set_award`, which locks the competition and refuses a total over
its budget; the form checks it first, so the usual case reads as a field error. Results are
published through `publish_results`.
"""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views import snippets as snippet_views

from core.locking import LockTimeout
from core.snippets import AcademySnippetViewSet

from ..models import Award, CompetitionPage, Objection, Project, ResultPublication, Round
from ..services import CompetitionError, check_budget, publish_results, set_award


class AwardForm(forms.ModelForm):
    """Only eligible projects; an amount that would take the awards over budget is refused."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.eligible().select_related("competition")

    def clean(self):
        cleaned_data = super().clean()
        project, amount = cleaned_data.get("project"), cleaned_data.get("amount")
        if project and amount is not None:
            try:
                check_budget(project.competition, project_id=project.pk, amount=amount)
            except CompetitionError as refusal:
                self.add_error("amount", refusal.message)
        return cleaned_data


class ServiceSaveMixin:
    """The create and edit views save through the service; a refusal shows on the form."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except (CompetitionError, LockTimeout) as refusal:
            form.add_error(None, refusal.message)
            return self.form_invalid(form)


class AwardSaveMixin(ServiceSaveMixin):
    def save_instance(self):
        data = self.form.cleaned_data
        return set_award(
            data["project"],
            amount=data["amount"],
            tier=data["tier"],
            note=data.get("note", ""),
            by=self.request.user,
        )


class AwardCreateView(AwardSaveMixin, snippet_views.CreateView):
    pass


class AwardEditView(AwardSaveMixin, snippet_views.EditView):
    pass


class AwardFilterSet(WagtailFilterSet):
    competition = django_filters.ModelChoiceFilter(
        label=gettext_lazy("competition"),
        field_name="project__competition",
        queryset=CompetitionPage.objects.order_by("-year", "title"),
    )

    class Meta:
        model = Award
        fields = ["competition", "tier"]


class AwardViewSet(AcademySnippetViewSet):
    model = Award
    icon = "success"
    menu_label = gettext_lazy("Awards and funding")
    add_view_class = AwardCreateView
    edit_view_class = AwardEditView
    copy_view_enabled = False
    list_display = [
        "project",
        Column(
            "competition",
            label=gettext_lazy("competition"),
            accessor=lambda award: award.project.competition,
        ),
        "tier",
        "amount",
    ]
    filterset_class = AwardFilterSet
    search_fields = ["project__title", "project__organisation_name"]
    search_backend_name = None
    panels = [
        FieldPanel("project", widget=forms.Select),
        FieldPanel("tier"),
        FieldPanel("amount"),
        FieldPanel("note"),
    ]

    def get_form_class(self, for_update=False):
        return type("AwardAdminForm", (AwardForm, super().get_form_class(for_update)), {})

    def get_queryset(self, request):
        return Award.objects.select_related("project__competition")


class PublicationCreateView(ServiceSaveMixin, snippet_views.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return publish_results(
            data["competition"],
            round_=data.get("round"),
            title=data["title"],
            note=data.get("note", ""),
            notice_starts_at=data["notice_starts_at"],
            notice_ends_at=data["notice_ends_at"],
            by=self.request.user,
        )


class PublicationForm(forms.ModelForm):
    def clean(self):
        cleaned_data = super().clean()
        round_, competition = cleaned_data.get("round"), cleaned_data.get("competition")
        if round_ and competition and round_.competition_id != competition.pk:
            self.add_error("round", gettext_lazy("This round is of another competition."))
        elif round_ and not round_.is_closed:
            self.add_error("round", gettext_lazy("Close the round before publishing its results."))
        return cleaned_data


class ResultPublicationViewSet(AcademySnippetViewSet):
    model = ResultPublication
    icon = "globe"
    menu_label = gettext_lazy("Published results")
    add_view_class = PublicationCreateView
    copy_view_enabled = False
    list_display = ["title", "competition", "round", "notice_starts_at", "notice_ends_at"]
    search_fields = ["title"]
    search_backend_name = None
    panels = [
        FieldPanel("competition", widget=forms.Select),
        FieldPanel("round", widget=forms.Select),
        FieldPanel("title"),
        FieldPanel("note"),
        FieldPanel("notice_starts_at"),
        FieldPanel("notice_ends_at"),
    ]

    def get_form_class(self, for_update=False):
        form_class = type(
            "PublicationAdminForm", (PublicationForm, super().get_form_class(for_update)), {}
        )
        form_class.base_fields["round"].queryset = Round.objects.select_related("competition")
        return form_class

    def get_queryset(self, request):
        return ResultPublication.objects.select_related("competition", "round")


class ObjectionViewSet(AcademySnippetViewSet):
    model = Objection
    icon = "warning"
    menu_label = gettext_lazy("Objections")
    copy_view_enabled = False
    inspect_view_enabled = True
    # The objector's mobile stays out of the admin's pages: the listing shows it masked.
    inspect_view_fields = [
        "publication",
        "project",
        "name",
        "text",
        "lodged_at",
        "handled_at",
        "response",
    ]
    list_display = [
        "name",
        Column("masked_phone", label=gettext_lazy("mobile")),
        "project",
        "publication",
        "lodged_at",
        "handled_at",
    ]
    search_fields = ["name", "text"]
    search_backend_name = None
    # Lodged by the public during the notice period; staff record how they handled it.
    panels = [FieldPanel("handled_at"), FieldPanel("response")]

    def get_queryset(self, request):
        return Objection.objects.select_related("publication", "project")
