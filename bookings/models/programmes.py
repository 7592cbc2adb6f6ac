"""Training programmes (培训班) as pages: the list of programmes, and a programme with its cohorts,
each cohort's page and its group registration page (routes served by `bookings.views`)."""

from django.db import models
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from core.blocks import BaseStreamBlock
from core.models import IndexPage, SearchablePage, streamfield_text

from .. import views
from .cohorts import Cohort


class ProgrammeIndexPage(IndexPage):
    """The list of training programmes with their open and upcoming cohorts."""

    menu_label = _("Training programmes")

    subpage_types = ["bookings.ProgrammePage"]

    class Meta:
        verbose_name = _("programme index page")

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        add_never_cache_headers(response)  # seat counts are live
        return response

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        programmes = list(
            ProgrammePage.objects.live()
            .child_of(self)
            .order_by("title")
            .only("id", "title", "url_path", "path", "depth", "summary")
        )
        upcoming = (
            Cohort.objects.filter(programme__in=programmes)
            .unfinished()
            .with_seats()
            .order_by("starts_on")
        )
        by_programme = {}
        for cohort in upcoming:
            by_programme.setdefault(cohort.programme_id, []).append(cohort)
        for programme in programmes:
            programme.upcoming_cohorts = by_programme.get(programme.pk, [])
        context["programmes"] = programmes
        return context


class ProgrammePage(RoutablePageMixin, SearchablePage):
    """A training programme (培训班); each run is a cohort with dates, seats and a timetable."""

    summary = models.TextField(_("summary"), max_length=500)
    audience = models.CharField(_("audience"), max_length=200, blank=True)
    body = StreamField(BaseStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("audience"),
        FieldPanel("body"),
    ]
    search_fields = [*SearchablePage.search_fields, index.SearchField("summary")]
    parent_page_types = ["bookings.ProgrammeIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("training programme")
        verbose_name_plural = _("training programmes")

    def search_texts(self):
        return [self.title, self.summary, self.audience, streamfield_text(self.body)]

    def search_snippet_text(self):
        return self.summary

    @path("")
    def programme(self, request):
        cohorts = self.cohorts.with_seats().order_by("-starts_on")
        response = self.render(request, context_overrides={"cohorts": cohorts})
        add_never_cache_headers(response)  # seat counts are live
        return response

    @path("cohorts/<int:cohort_id>/", name="cohort")
    def cohort(self, request, cohort_id):
        return views.cohort_page(request, self, cohort_id)

    @path("cohorts/<int:cohort_id>/group/", name="cohort_group")
    def cohort_group(self, request, cohort_id):
        return views.group_registration_page(request, self, cohort_id)

    @path("cohorts/<int:cohort_id>/group/sheet/", name="cohort_group_sheet")
    def cohort_group_sheet(self, request, cohort_id):
        return views.group_sheet_page(request, self, cohort_id)
