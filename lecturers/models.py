"""The lecturer pool (百人讲师团): public profiles of the academy's lecturers."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from core.models import IndexPage, SearchablePage, Topic, with_renditions
from core.search import bigram_text


class LecturerCategory(models.TextChoices):
    ENTREPRENEUR = "entrepreneur", _("Entrepreneur")
    EXPERT = "expert", _("Expert or scholar")
    CADRE = "cadre", _("Party or government cadre")
    COMMUNITY_SECRETARY = "community_secretary", _("Community party secretary")
    SOCIAL_WORKER = "social_worker", _("Social organisation leader")
    MODEL_WORKER = "model_worker", _("Exemplary worker")


class LecturerIndexPage(IndexPage):
    """The lecturer pool, filtered by category and topic."""

    menu_label = _("Lecturers")

    child_select_related = ("photo",)
    cache_query_params = ("category", "topic", "page")
    subpage_types = ["lecturers.LecturerPage"]

    class Meta:
        verbose_name = _("lecturer index page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        lecturers = LecturerPage.objects.live().child_of(self)
        category = self.choice_param(request, "category", LecturerCategory)
        if category:
            lecturers = lecturers.filter(category=category)
        topics = list(Topic.objects.filter(lecturers__isnull=False).distinct())
        topic = self.slug_param(request, "topic", topics)
        if topic:
            lecturers = lecturers.filter(topics=topic)
        lecturers = lecturers.prefetch_related(with_renditions("photo"))
        context["lecturers_page"] = self.paginate(request, lecturers.order_by("title", "pk"))
        context["categories"] = LecturerCategory.choices
        context["topics"] = topics
        context["current_category"] = category
        context["current_topic"] = topic
        return context


class LecturerPage(SearchablePage):
    """A lecturer's public profile; the courses they teach come from the course pages."""

    # Apps above add sections to this page through this hook (core.sections).
    section_hook = "register_lecturer_page_section"

    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    job_title = models.CharField(_("title or position"), max_length=120, blank=True)
    unit = models.CharField(_("unit"), max_length=120, blank=True)
    category = models.CharField(_("category"), max_length=24, choices=LecturerCategory.choices)
    topics = ParentalManyToManyField(
        Topic, verbose_name=_("topics"), blank=True, related_name="lecturers"
    )
    biography = RichTextField(
        _("biography"), blank=True, features=["bold", "italic", "link", "ol", "ul"]
    )
    # The lecturer's own admin account (a user in the 讲师 group): the apps above show them
    # what concerns their sessions, e.g. their evaluations. Set by administrators only.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lecturer's account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lecturer_pages",
        limit_choices_to={"groups__name": "讲师"},
        help_text=_("A user in the 讲师 group: they see the evaluations of their sessions."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("photo"),
        MultiFieldPanel(
            [FieldPanel("job_title"), FieldPanel("unit"), FieldPanel("category")],
            heading=_("Position"),
        ),
        FieldPanel("topics"),
        FieldPanel("biography"),
        FieldPanel("user", permission="lecturers.change_lecturerpage"),
    ]
    search_fields = [
        *SearchablePage.search_fields,
        index.SearchField("job_title"),
        index.SearchField("unit"),
        index.SearchField("biography"),
        index.FilterField("category"),
        # The page chooser autocompletes from the start of the name as one word ("王…"); its
        # bigrams let "建国" find 王建国 too.
        index.AutocompleteField("name_bigrams"),
    ]
    parent_page_types = ["lecturers.LecturerIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("lecturer")
        verbose_name_plural = _("lecturers")

    def search_texts(self):
        return [self.title, self.job_title, self.unit, self.biography]

    def search_snippet_text(self):
        return " ".join(filter(None, [self.unit, self.job_title, self.biography]))

    def name_bigrams(self) -> str:
        return bigram_text(self.title)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["lecturer_topics"] = self.topics.all()
        # The courses app's reverse relation: this app imports neither courses nor bookings.
        context["courses"] = (
            self.courses.live()
            .order_by("title")
            .only("id", "title", "url_path", "path", "depth", "format", "study_hours")
        )
        return context
