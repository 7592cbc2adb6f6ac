"""Study visits (来烟学习交流) in the admin: staff record them; the contact person of a visited
base confirms them with the actual headcount and sees only the visits to their bases."""

import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views.generic import CreateView, EditView, IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import ListingButton
from wagtail.permission_policies import ModelPermissionPolicy

from bases.models import TrainingBasePage
from bookings.forms import MobileField
from core.forms import StorableTextMixin
from core.imports.buttons import ImportExportButtonsMixin
from core.locking import LockTimeout
from core.models import District

from .models import StudyVisit
from .services_visits import (
    CONFIRM_PERMISSION,
    VisitError,
    confirm_visit,
    may_confirm,
    record_visit,
)

VIEW_ALL = "attendance.view_studyvisit"


def visible_visits(user):
    """All visits for staff who may view them; a base contact's, those to their bases."""
    visits = StudyVisit.objects.all()
    if user.has_perm(VIEW_ALL):
        return visits
    if user.has_perm(CONFIRM_PERMISSION):
        return visits.to_bases_of(user)
    return visits.none()


class StudyVisitPermissionPolicy(ModelPermissionPolicy):
    """The model's permissions; a base contact (`confirm_studyvisit`) may also view the
    listing, which shows them the visits to their own bases only."""

    def user_has_permission(self, user, action):
        if action == "view" and user.is_active and user.has_perm(CONFIRM_PERMISSION):
            return True
        return super().user_has_permission(user, action)


class StudyVisitFilterSet(WagtailFilterSet):
    visited_on = django_filters.DateFromToRangeFilter(
        label=gettext_lazy("date of the visit"), widget=DateRangePickerWidget
    )
    province = django_filters.CharFilter(label=gettext_lazy("province"), lookup_expr="icontains")
    base = django_filters.ModelChoiceFilter(
        label=gettext_lazy("training base"),
        field_name="bases",
        queryset=TrainingBasePage.objects.order_by("title"),
    )
    district = django_filters.ModelChoiceFilter(
        label=gettext_lazy("district"),
        field_name="bases__district",
        queryset=District.objects.all(),
        distinct=True,
    )
    confirmed = django_filters.ChoiceFilter(
        label=gettext_lazy("confirmed"),
        choices=[("yes", gettext_lazy("Confirmed")), ("no", gettext_lazy("Not yet confirmed"))],
        method="filter_confirmed",
    )

    class Meta:
        model = StudyVisit
        fields = []

    def filter_confirmed(self, queryset, name, value):
        return queryset.filter(confirmed_at__isnull=value != "yes")


def base_names(visit) -> str:
    return "、".join(base.title for base in visit.bases.all())


class StudyVisitForm(StorableTextMixin, WagtailAdminModelForm):
    """The staff's form: the contact's mobile taken as people type it (+86, spaces, dashes)."""

    contact_phone = MobileField(label=gettext_lazy("contact mobile"))


class RecordsThroughTheService:
    """The create and edit views save through `record_visit` (validation, lock, log in one
    transaction), as an import's rows do; its refusal is the form's error."""

    def save_instance(self):
        return record_visit(
            self.form.instance, bases=self.form.cleaned_data["bases"], by=self.request.user
        )

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as refusal:
            form.add_error(None, refusal)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class StudyVisitCreateView(RecordsThroughTheService, CreateView):
    pass


class StudyVisitEditView(RecordsThroughTheService, EditView):
    pass


class StudyVisitIndexView(ImportExportButtonsMixin, IndexView):
    """The listing; "导入" and the exports are the `visits` spreadsheet kind's
    (`attendance.resources.StudyVisitResource`), exporting what the filters show."""

    confirm_url_name = None
    import_kind = "visits"

    def get_base_queryset(self):
        return (
            visible_visits(self.request.user)
            .select_related("confirmed_by")
            .prefetch_related(
                Prefetch(
                    "bases",
                    queryset=TrainingBasePage.objects.only("title", "contact_user_id"),
                )
            )
        )

    @cached_property
    def columns(self):
        columns = [
            self._get_title_column("organisation"),
            Column("origin", label=gettext_lazy("from")),
            Column("visited_on", label=gettext_lazy("date of the visit"), sort_key="visited_on"),
            Column("bases", label=gettext_lazy("training bases visited"), accessor=base_names),
            Column("planned_headcount", label=gettext_lazy("planned headcount")),
            Column("actual_headcount", label=gettext_lazy("actual headcount")),
            Column("contact_name", label=gettext_lazy("contact person")),
            Column("masked_contact_phone", label=gettext_lazy("contact mobile")),
            BooleanColumn("is_confirmed", label=gettext_lazy("confirmed")),
        ]
        return columns

    def get_edit_url(self, instance):
        if not self.user_has_permission("change"):
            return None
        return super().get_edit_url(instance)

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.may_confirm(instance):
            url = reverse(self.confirm_url_name, args=[quote(instance.pk)])
            url += "?" + urlencode({"next": self.request.get_full_path()})
            label = _("Correct the headcount") if instance.is_confirmed else _("Confirm")
            buttons.append(ListingButton(label, url=url, icon_name="tick", priority=1))
        return buttons

    def may_confirm(self, visit) -> bool:
        # From the prefetched bases, without a query per row.
        user = self.request.user
        return user.has_perm(CONFIRM_PERMISSION) and any(
            base.contact_user_id == user.pk for base in visit.bases.all()
        )


class ConfirmVisitForm(forms.Form):
    actual_headcount = forms.IntegerField(
        label=gettext_lazy("actual headcount"),
        min_value=0,
        max_value=10000,
        help_text=gettext_lazy("How many people of the delegation came to your base."),
    )


class ConfirmVisitView(WagtailAdminTemplateMixin, FormView):
    """A base contact confirms a visit to their base (`services_visits.confirm_visit`), with
    the actual headcount; refused (403) to everybody else, superusers included."""

    page_title = gettext_lazy("Confirm study visit")
    header_icon = "tick"
    template_name = "attendance/admin/confirm_visit.html"
    form_class = ConfirmVisitForm
    index_url_name = None

    def dispatch(self, request, *args, **kwargs):
        self.visit = visible_visits(request.user).filter(pk=kwargs["pk"]).first()
        if self.visit is None or not may_confirm(self.visit, request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.visit)

    def get_breadcrumbs_items(self):
        return []

    @property
    def next_url(self) -> str:
        next_url = self.request.GET.get("next", "")
        return next_url if next_url.startswith("/admin/") else reverse(self.index_url_name)

    def get_initial(self):
        return {"actual_headcount": self.visit.actual_headcount or self.visit.planned_headcount}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(visit=self.visit, bases=base_names(self.visit), next_url=self.next_url)
        return context

    def form_valid(self, form):
        try:
            visit = confirm_visit(
                self.visit,
                actual_headcount=form.cleaned_data["actual_headcount"],
                by=self.request.user,
            )
        except (VisitError, LockTimeout) as refusal:
            form.add_error(None, refusal.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Study visit of %(organisation)s confirmed: %(count)s people.")
            % {"organisation": visit.organisation, "count": visit.actual_headcount},
        )
        return redirect(self.next_url)


class StudyVisitViewSet(ModelViewSet):
    model = StudyVisit
    name = "study_visits"
    icon = "group"
    menu_label = gettext_lazy("Study visits")
    menu_name = "study_visits"
    index_view_class = StudyVisitIndexView
    add_view_class = StudyVisitCreateView
    edit_view_class = StudyVisitEditView
    filterset_class = StudyVisitFilterSet
    search_fields = ["organisation", "contact_name", "province", "city"]
    search_backend_name = None
    ordering = "-visited_on"
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("organisation"),
                    FieldRowPanel([FieldPanel("province"), FieldPanel("city")]),
                    FieldRowPanel([FieldPanel("contact_name"), FieldPanel("contact_phone")]),
                ],
                heading=gettext_lazy("Delegation"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("visited_on"),
                    FieldPanel("bases", widget=forms.SelectMultiple(attrs={"size": 8})),
                    FieldRowPanel(
                        [FieldPanel("planned_headcount"), FieldPanel("actual_headcount")]
                    ),
                ],
                heading=gettext_lazy("Visit"),
            ),
            FieldPanel("notes"),
        ],
        base_form_class=StudyVisitForm,
    )

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            confirm_url_name=self.get_url_name("confirm"), **kwargs
        )

    @property
    def confirm_view(self):
        return ConfirmVisitView.as_view(index_url_name=self.get_url_name("index"))

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("confirm/<int:pk>/", self.confirm_view, name="confirm"),
        ]

    def get_permissions_to_register(self):
        # The inspect view is off, but `view_studyvisit` is what the listing asks of staff; the
        # model's own permissions (confirm, the figures) are offered too.
        return Permission.objects.filter(content_type=ContentType.objects.get_for_model(StudyVisit))
