"""The site's top: the home page, which gathers what every section offers."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from core.models import SearchablePage

from .selectors import featured_courses, latest_news, next_cohorts, site_figures


class HomePage(SearchablePage):
    """The academy's front page: who it is, live figures, the next training classes, featured
    courses and latest news."""

    tagline = models.CharField(_("tagline"), max_length=120, blank=True)
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("hero image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("tagline"),
        FieldPanel("intro"),
        FieldPanel("hero_image"),
    ]
    subpage_types = [
        "courses.CourseIndexPage",
        "lecturers.LecturerIndexPage",
        "bases.TrainingBaseIndexPage",
        "bookings.ProgrammeIndexPage",
        "competitions.CompetitionIndexPage",
        "core.NewsIndexPage",
        "core.StandardPage",
    ]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def search_texts(self):
        return [self.title, self.tagline, self.intro]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["figures"] = site_figures()
        context["next_cohorts"] = next_cohorts()
        context["featured_courses"] = featured_courses()
        context["latest_news"] = latest_news()
        return context
