"""Staff screens for study hours, completion and certificates in the Wagtail admin.

- 结业审核 (`completion`): the cohorts; per cohort, each confirmed trainee's hours, share and
  unexcused absences against the rule, with 颁发结业证书 for everyone who meets it and has no
  certificate yet, and every valid certificate of the cohort in one PDF for printing;
- 结业证书 (`certificates`): every certificate, searchable and exportable, each with revoke
  (with a reason); nobody adds, edits or deletes one here;
- 学时台账 (`study_hours`): the ledger's lines, filtered by trainee (mobile), cohort or year,
  with a trainee's totals per cohort and per year, exportable to Excel and CSV.

Permissions: `attendance.view_attendance` for the ledger and completion,
`attendance.view_certificate` for the certificates, `attendance.issue_certificate` to issue and
revoke (granted to 教务 and 学院管理员, academy/migrations/0006_certificate_permissions.py).
State changes go through `attendance.results.services`, which log them.
"""

import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.generic.base import BaseListingView, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.models import IndexView, InspectView
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy

from bookings.models import Cohort, Registration
from core.imports.buttons import ImportExportButtonsMixin
from core.locking import LockTimeout
from core.validators import MOBILE_INPUT

from ..models import Attendance, Certificate
from .completion import cohort_completions
from .hours import format_hours, hours_by_cohort, hours_by_year, ledger_entries, total_hours
from .pdf import render_certificates
from .services import CertificateError, issue_certificates, revoke_certificate

VIEW_LEDGER = "attendance.view_attendance"
VIEW_CERTIFICATES = "attendance.view_certificate"
ISSUE = "attendance.issue_certificate"


def require(user, permission: str) -> None:
    if not user.has_perm(permission):
        raise PermissionDenied


def menu_item_class(permission: str):
    """A menu item shown to users with `permission` only."""
    return type(
        "PermissionMenuItem",
        (MenuItem,),
        {"is_shown": lambda self, request: request.user.has_perm(permission)},
    )


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# -- 结业审核: completion per cohort ---------------------------------------------------------


class CompletionCohortsView(BaseListingView):
    """The cohorts, most recent first, with their confirmed trainees and certificates."""

    page_title = gettext_lazy("Completion")
    header_icon = "success"
    paginate_by = 30
    index_url_name = "completion:index"
    index_results_url_name = "completion:index_results"
    verbose_name_plural = gettext_lazy("cohorts")
    default_ordering = "-starts_on"

    def dispatch(self, request, *args, **kwargs):
        require(request.user, VIEW_LEDGER)
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "title",
                label=gettext_lazy("cohort"),
                accessor=str,
                get_url=lambda cohort: reverse("completion:cohort", args=[cohort.pk]),
            ),
            DateColumn("starts_on", label=gettext_lazy("first day"), sort_key="starts_on"),
            DateColumn("ends_on", label=gettext_lazy("last day")),
            Column("status_label", label=gettext_lazy("status")),
            Column("confirmed", label=gettext_lazy("confirmed trainees")),
            Column("certified", label=gettext_lazy("certificates issued")),
        ]

    def get_base_queryset(self):
        return Cohort.objects.select_related("programme").annotate(
            confirmed=Count(
                "registrations",
                filter=Q(registrations__status=Registration.Status.CONFIRMED),
                distinct=True,
            ),
            certified=Count(
                "registrations__certificates",
                filter=Q(registrations__certificates__revoked_at__isnull=True),
                distinct=True,
            ),
        )


class CohortAdminView(WagtailAdminTemplateMixin, TemplateView):
    """An admin page about one cohort (`cohort_id`), for users holding `permission`."""

    permission = ""
    header_icon = "success"

    def dispatch(self, request, *args, **kwargs):
        require(request.user, self.permission)
        self.cohort = get_object_or_404(
            Cohort.objects.select_related("programme"), pk=kwargs["cohort_id"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.cohort)


class CohortCompletionView(CohortAdminView):
    """Each confirmed trainee of a cohort against its completion rule."""

    template_name = "attendance/admin/cohort_completion.html"
    permission = VIEW_LEDGER

    def get_page_title(self):
        return _("Completion")

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("completion:index"), "label": _("Completion")},
            {"url": "", "label": str(self.cohort)},
        ]

    @cached_property
    def completions(self):
        return cohort_completions(self.cohort)

    @cached_property
    def header_buttons(self):
        user = self.request.user
        buttons = []
        if user.has_perm(ISSUE) and any(c.needs_certificate for c in self.completions):
            buttons.append(
                HeaderButton(
                    _("Issue completion certificates"),
                    url=reverse("completion:issue", args=[self.cohort.pk]),
                    icon_name="success",
                    priority=10,
                )
            )
        if user.has_perm(VIEW_CERTIFICATES) and any(c.certificate for c in self.completions):
            buttons.append(
                HeaderButton(
                    _("All certificates (PDF)"),
                    url=reverse("completion:certificates_pdf", args=[self.cohort.pk]),
                    icon_name="download",
                    priority=20,
                )
            )
        ledger = reverse("study_hours:index") + "?" + urlencode({"cohort": self.cohort.pk})
        buttons.append(
            HeaderButton(_("Study hours ledger"), url=ledger, icon_name="list-ul", priority=30)
        )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        completions = self.completions
        rule = completions[0].rule if completions else None
        context.update(
            cohort=self.cohort,
            completions=completions,
            rule=rule,
            scheduled_hours=format_hours(completions[0].scheduled_hours) if completions else "",
            meeting=sum(1 for c in completions if c.completes),
            to_issue=sum(1 for c in completions if c.needs_certificate),
            sessions_to_come=self.cohort.sessions.scheduled()
            .filter(ends_at__gt=timezone.now())
            .count(),
            can_see_certificates=self.request.user.has_perm(VIEW_CERTIFICATES),
        )
        return context


class IssueCertificatesView(CohortAdminView):
    """颁发结业证书: a confirmation page naming who will get a certificate; the POST issues
    them all in one transaction (`issue_certificates`)."""

    template_name = "attendance/admin/confirm_issue.html"
    permission = ISSUE

    def get_page_title(self):
        return _("Issue completion certificates")

    def get_breadcrumbs_items(self):
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            cohort=self.cohort,
            recipients=[c for c in cohort_completions(self.cohort) if c.needs_certificate],
            back_url=reverse("completion:cohort", args=[self.cohort.pk]),
        )
        return context

    def post(self, request, *args, **kwargs):
        back_url = reverse("completion:cohort", args=[self.cohort.pk])
        try:
            issued = issue_certificates(self.cohort, by=request.user)
        except LockTimeout as busy:
            messages.error(request, busy.message)
            return redirect(back_url)
        if issued:
            messages.success(
                request,
                ngettext(
                    "%(count)d completion certificate issued.",
                    "%(count)d completion certificates issued.",
                    len(issued),
                )
                % {"count": len(issued)},
            )
        else:
            messages.warning(request, _("Nobody in this cohort is waiting for a certificate."))
        return redirect(back_url)


def cohort_certificates_pdf(request, cohort_id: int):
    """Every valid certificate of a cohort in one PDF, a page each, for printing."""
    require(request.user, VIEW_CERTIFICATES)
    cohort = get_object_or_404(Cohort, pk=cohort_id)
    certificates = (
        Certificate.objects.valid().filter(registration__cohort=cohort).order_by("serial")
    )
    if not certificates:
        messages.warning(request, _("This cohort has no valid certificate."))
        return redirect("completion:cohort", cohort.pk)
    return pdf_response(render_certificates(certificates), f"certificates-cohort-{cohort.pk}.pdf")


class CompletionViewSet(ViewSet):
    name = "completion"
    url_prefix = "completion"
    icon = "success"
    menu_label = gettext_lazy("Completion")
    menu_item_class = menu_item_class(VIEW_LEDGER)

    def get_urlpatterns(self):
        return [
            path("", CompletionCohortsView.as_view(), name="index"),
            path(
                "results/", CompletionCohortsView.as_view(results_only=True), name="index_results"
            ),
            path("cohort/<int:cohort_id>/", CohortCompletionView.as_view(), name="cohort"),
            path("cohort/<int:cohort_id>/issue/", IssueCertificatesView.as_view(), name="issue"),
            path(
                "cohort/<int:cohort_id>/certificates.pdf",
                cohort_certificates_pdf,
                name="certificates_pdf",
            ),
        ]


# -- 结业证书: the certificates -------------------------------------------------------------


class CertificatePermissionPolicy(ModelPermissionPolicy):
    """Certificates are issued and revoked through the services, never added, edited or
    deleted in the admin, superusers included."""

    services_only = frozenset({"add", "change", "delete"})

    def user_has_permission(self, user, action):
        return action not in self.services_only and super().user_has_permission(user, action)


class CertificateFilterSet(WagtailFilterSet):
    cohort = django_filters.ModelChoiceFilter(
        label=gettext_lazy("cohort"),
        field_name="registration__cohort",
        queryset=Cohort.objects.select_related("programme").order_by("-starts_on", "pk"),
    )
    valid = django_filters.BooleanFilter(
        label=gettext_lazy("valid"), field_name="revoked_at", lookup_expr="isnull"
    )

    class Meta:
        model = Certificate
        fields = ["cohort", "valid"]


class CertificateIndexView(ImportExportButtonsMixin, IndexView):
    """The listing; its exports are the `certificates` spreadsheet kind's
    (`attendance.results.resources.CertificateResource`), of what the filters show."""

    import_kind = "certificates"

    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        if instance.is_valid and self.request.user.has_perm(ISSUE):
            buttons.append(
                MenuItem(
                    _("Revoke"),
                    url=revoke_url(instance, next_url=self.request.get_full_path()),
                    icon_name="cross",
                    priority=30,
                )
            )
        return buttons


def revoke_url(certificate: Certificate, *, next_url: str = "") -> str:
    url = reverse("attendance_certificates:revoke", args=[quote(certificate.pk)])
    return url + "?" + urlencode({"next": next_url}) if next_url else url


class CertificateInspectView(InspectView):
    def get_hours_display_value(self):
        return format_hours(self.object.hours)

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return "-" if value is None else value

    @cached_property
    def header_buttons(self):
        buttons = []
        if self.object.is_valid and self.request.user.has_perm(ISSUE):
            buttons.append(
                HeaderButton(
                    _("Revoke"), url=revoke_url(self.object), icon_name="cross", priority=10
                )
            )
        return buttons


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for revoking"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Kept with the certificate and in the log; not shown to the public."
        ),
    )


class RevokeCertificateView(WagtailAdminTemplateMixin, FormView):
    """Revoke a valid certificate with a reason, through `revoke_certificate`."""

    template_name = "attendance/admin/revoke_certificate.html"
    form_class = RevokeForm
    header_icon = "cross"

    def dispatch(self, request, *args, **kwargs):
        require(request.user, ISSUE)
        self.certificate = get_object_or_404(Certificate, pk=kwargs["pk"])
        if not self.certificate.is_valid:
            messages.warning(request, _("This certificate has already been revoked."))
            return redirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Revoke certificate")

    def get_page_subtitle(self):
        return str(self.certificate)

    def get_breadcrumbs_items(self):
        return []

    def get_success_url(self) -> str:
        next_url = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if next_url.startswith("/") and not next_url.startswith("//"):
            return next_url
        return reverse("attendance_certificates:index")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(certificate=self.certificate, next_url=self.get_success_url())
        return context

    def form_valid(self, form):
        try:
            revoke_certificate(
                self.certificate, by=self.request.user, reason=form.cleaned_data["reason"]
            )
        except (CertificateError, LockTimeout) as refusal:
            form.add_error(None, refusal.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Certificate %(serial)s revoked.") % {"serial": self.certificate.serial},
        )
        return redirect(self.get_success_url())


class CertificateViewSet(ModelViewSet):
    model = Certificate
    name = "attendance_certificates"
    url_prefix = "certificates"
    icon = "doc-full"
    menu_label = gettext_lazy("Completion certificates")
    permission_policy = CertificatePermissionPolicy(Certificate)
    index_view_class = CertificateIndexView
    inspect_view_class = CertificateInspectView
    inspect_view_enabled = True
    inspect_view_fields = [
        "serial",
        "status",
        "name",
        "programme_title",
        "cohort_title",
        "starts_on",
        "ends_on",
        "hours",
        "issued_at",
        "issued_by",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
    ]
    copy_view_enabled = False
    filterset_class = CertificateFilterSet
    search_fields = ["serial", "name"]
    search_backend_name = None
    ordering = ["-issued_at", "-pk"]

    @cached_property
    def list_display(self):
        return [
            TitleColumn(
                "serial",
                label=gettext_lazy("serial number"),
                get_url=lambda certificate: reverse(
                    self.get_url_name("inspect"), args=[quote(certificate.pk)]
                ),
            ),
            "name",
            Column(
                "programme_title",
                label=gettext_lazy("cohort"),
                accessor=lambda c: f"{c.programme_title} {c.cohort_title}",
            ),
            Column(
                "hours", label=gettext_lazy("study hours"), accessor=lambda c: format_hours(c.hours)
            ),
            DateColumn("issued_at", label=gettext_lazy("issued at"), sort_key="issued_at"),
            Column("status", label=gettext_lazy("status")),
        ]

    def get_queryset(self, request):
        return Certificate.objects.all()

    def get_index_view_kwargs(self, **kwargs):
        # Only the listing and the inspect view exist: no add, edit, copy or delete screens.
        return super().get_index_view_kwargs(
            add_url_name=None,
            edit_url_name=None,
            copy_url_name=None,
            delete_url_name=None,
            **kwargs,
        )

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(edit_url_name=None, delete_url_name=None, **kwargs)

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("revoke/<int:pk>/", RevokeCertificateView.as_view(), name="revoke"),
        ]


# -- 学时台账: the study-hours ledger -------------------------------------------------------


def year_choices():
    this_year = timezone.localdate().year
    return [(year, str(year)) for year in range(this_year, this_year - 6, -1)]


class StudyHoursFilterSet(WagtailFilterSet):
    phone = django_filters.CharFilter(
        label=gettext_lazy("mobile"),
        method="filter_phone",
        help_text=gettext_lazy("All 11 digits."),
    )
    cohort = django_filters.ModelChoiceFilter(
        label=gettext_lazy("cohort"),
        field_name="session__cohort",
        queryset=Cohort.objects.select_related("programme").order_by("-starts_on", "pk"),
    )
    year = django_filters.TypedChoiceFilter(
        label=gettext_lazy("year"), choices=year_choices, coerce=int
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("status"), choices=Attendance.Status.choices
    )

    class Meta:
        model = Attendance
        fields = ["phone", "cohort", "year", "status"]

    def filter_phone(self, queryset, name, value):
        return queryset.filter(registration__phone=MOBILE_INPUT.normalize(value))


class StudyHoursView(ImportExportButtonsMixin, BaseListingView):
    """The ledger's lines; filtered by a mobile number, a trainee's totals per cohort and per
    year above them. Its exports are the `hours` spreadsheet kind's
    (`attendance.results.resources.StudyHoursResource`): per trainee and cohort, of what the
    filters show."""

    import_kind = "hours"

    page_title = gettext_lazy("Study hours ledger")
    header_icon = "list-ul"
    template_name = "attendance/admin/study_hours.html"
    results_template_name = "attendance/admin/study_hours_results.html"
    paginate_by = 50
    index_url_name = "study_hours:index"
    index_results_url_name = "study_hours:index_results"
    filterset_class = StudyHoursFilterSet
    verbose_name_plural = gettext_lazy("attendance records")
    is_searchable = True
    search_fields = ["registration__name", "registration__code"]

    def dispatch(self, request, *args, **kwargs):
        require(request.user, VIEW_LEDGER)
        return super().dispatch(request, *args, **kwargs)

    columns = [
        Column(
            "day",
            label=gettext_lazy("date"),
            accessor=lambda entry: date_format(timezone.localdate(entry.session.starts_at)),
        ),
        Column("name", label=gettext_lazy("name"), accessor="registration.name"),
        Column("phone", label=gettext_lazy("mobile"), accessor="registration.masked_phone"),
        Column("unit", label=gettext_lazy("unit"), accessor="registration.unit"),
        Column("cohort", label=gettext_lazy("cohort"), accessor="session.cohort"),
        Column("session", label=gettext_lazy("session"), accessor="session.display_title"),
        Column("status", label=gettext_lazy("status"), accessor="get_status_display"),
        Column(
            "study_hours",
            label=gettext_lazy("study hours"),
            accessor=lambda entry: format_hours(entry.session.study_hours),
        ),
        Column(
            "credited",
            label=gettext_lazy("credited study hours"),
            accessor=lambda entry: format_hours(entry.credited_hours),
        ),
    ]

    def get_base_queryset(self):
        return ledger_entries().order_by("-session__starts_at", "registration__name", "pk")

    def get_queryset(self):
        return self.search_queryset(self.filter_queryset(self.get_base_queryset()))

    @cached_property
    def trainee_phone(self) -> str:
        if self.filters and self.filters.is_valid():
            return MOBILE_INPUT.normalize(self.filters.form.cleaned_data.get("phone") or "")
        return ""

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        if self.trainee_phone:
            entries = self.get_queryset()
            context["trainee_totals"] = {
                "by_cohort": hours_by_cohort(entries),
                "by_year": hours_by_year(entries),
                "total": format_hours(total_hours(entries)),
            }
        return context


class StudyHoursViewSet(ViewSet):
    name = "study_hours"
    url_prefix = "study-hours"
    icon = "list-ul"
    menu_label = gettext_lazy("Study hours ledger")
    menu_item_class = menu_item_class(VIEW_LEDGER)

    def get_urlpatterns(self):
        return [
            path("", StudyHoursView.as_view(), name="index"),
            path("results/", StudyHoursView.as_view(results_only=True), name="index_results"),
        ]


class ResultsGroup(ViewSetGroup):
    """学时与结业 in the admin's menu."""

    items = (CompletionViewSet, CertificateViewSet, StudyHoursViewSet)
    menu_icon = "success"
    menu_label = gettext_lazy("Study hours and completion")
    menu_name = "results"
