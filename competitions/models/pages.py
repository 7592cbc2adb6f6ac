"""Competitions as pages: the list of competitions, and a competition with its categories,
timeline, rules and budget. The submission and private-link pages are routes of the
competition page (served by `competitions.views`)."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from core.models import IndexPage, SearchablePage

RULES_FEATURES = ["h3", "h4", "bold", "italic", "link", "ol", "ul", "hr", "document-link"]


def current_year() -> int:
    return timezone.localdate().year


class Category(models.Model):
    """A field of service a project belongs to (为老服务, 助残, 儿童青少年, …); data, shared by
    every competition, which offers the ones it chooses."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    panels = [FieldPanel("name"), FieldPanel("sort_order")]

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("project category")
        verbose_name_plural = _("project categories")

    def __str__(self):
        return self.name


class CompetitionIndexPage(IndexPage):
    """The list of competitions, the current ones first."""

    menu_label = _("Competitions")

    subpage_types = ["competitions.CompetitionPage"]

    class Meta:
        verbose_name = _("competition index page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["competitions"] = (
            CompetitionPage.objects.live().child_of(self).order_by("-year", "-submissions_open_at")
        )
        return context


def view(name: str):
    """A view of `competitions.views`, looked up when a route is served: the views import the
    services, which import this module's models."""
    return import_string(f"competitions.views.{name}")


class CompetitionPage(RoutablePageMixin, SearchablePage):
    """A competition (公益创投大赛 or 志愿服务项目大赛) of one year: its budget, rules, categories,
    timeline and submission window. Staff publish it; its rounds, projects and results are
    records that point to it."""

    class Kind(models.TextChoices):
        VENTURE = "venture", _("Public-interest venture competition")
        VOLUNTEER = "volunteer", _("Volunteer-service project competition")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.VENTURE)
    year = models.PositiveSmallIntegerField(_("year"), default=current_year)
    organiser = models.CharField(_("organiser"), max_length=120, blank=True)
    summary = models.TextField(_("summary"), max_length=500, blank=True)
    budget = models.DecimalField(
        _("budget (yuan)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("The most the awards together may reach."),
    )
    max_request = models.DecimalField(
        _("most a project may request (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Leave empty for no limit."),
    )
    rules = RichTextField(_("rules"), blank=True, features=RULES_FEATURES)
    categories = ParentalManyToManyField(
        Category, verbose_name=_("categories"), related_name="competitions", blank=True
    )
    submissions_open_at = models.DateTimeField(_("submissions open"))
    submissions_close_at = models.DateTimeField(_("submissions close"))
    contact_name = models.CharField(_("contact person"), max_length=40, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("kind"), FieldPanel("year")]),
        FieldPanel("organiser"),
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("budget"), FieldPanel("max_request")]),
        MultiFieldPanel(
            [FieldPanel("submissions_open_at"), FieldPanel("submissions_close_at")],
            heading=_("Submissions"),
        ),
        FieldPanel("categories", widget=forms.CheckboxSelectMultiple),
        FieldPanel("rules"),
        InlinePanel("timeline", label=_("Timeline")),
        MultiFieldPanel(
            [FieldPanel("contact_name"), FieldPanel("contact_phone")], heading=_("Contact")
        ),
    ]
    search_fields = [
        *SearchablePage.search_fields,
        index.SearchField("summary"),
        index.FilterField("kind"),
        index.FilterField("year"),
    ]
    parent_page_types = ["competitions.CompetitionIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("competition")
        verbose_name_plural = _("competitions")

    def search_texts(self):
        return [self.title, self.summary, self.organiser]

    def search_snippet_text(self):
        return self.summary

    def clean(self):
        super().clean()
        if (
            self.submissions_open_at
            and self.submissions_close_at
            and self.submissions_close_at <= self.submissions_open_at
        ):
            raise ValidationError(
                {"submissions_close_at": _("Submissions must close after they open.")}
            )

    @path("")
    def competition(self, request):
        response = self.render(
            request, context_overrides={"accepts_submissions": self.accepts_submissions()}
        )
        add_never_cache_headers(response)  # the submission window opens and closes
        return response

    @path("submit/", name="submit")
    def submit(self, request):
        return view("submit_page")(request, self)

    def accepts_submissions(self, at=None) -> bool:
        """Whether `at` (now by default) is in the submission window: from its opening,
        included, to its closing, excluded. Editing a submitted project follows it too."""
        at = at or timezone.now()
        return self.submissions_open_at <= at < self.submissions_close_at


class TimelineStep(Orderable):
    """One step of a competition's timeline (申报, 资格审查, 初审, 复赛, 决赛路演, 公示, …)."""

    page = ParentalKey(CompetitionPage, on_delete=models.CASCADE, related_name="timeline")
    title = models.CharField(_("title"), max_length=60)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
        FieldPanel("note"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("timeline step")
        verbose_name_plural = _("timeline")

    def __str__(self):
        return self.title
