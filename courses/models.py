"""Courses (名课): what the academy teaches, in which format, by whom and where."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Prefetch
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import (
    FieldPanel,
    InlinePanel,
    MultiFieldPanel,
    MultipleChooserPanel,
    PageChooserPanel,
)
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from core.blocks import BaseStreamBlock
from core.models import (
    IndexPage,
    SearchablePage,
    Topic,
    streamfield_text,
    with_renditions,
)
from lecturers.models import LecturerPage


class CourseFormat(models.TextChoices):
    LECTURE = "lecture", _("Lecture")
    ONSITE = "onsite", _("On-site teaching")
    SITUATIONAL = "situational", _("Situational teaching")
    ROADSHOW = "roadshow", _("Project roadshow")
    SEMINAR = "seminar", _("Seminar")
    SALON = "salon", _("Secretary salon")
    BRAINSTORM = "brainstorm", _("Brainstorm")


class CourseIndexPage(IndexPage):
    """The catalogue of courses, filtered by format and topic, the newest published first.

    Order: first published, newest first (a course never published live is last), then the
    newest page; stable from one page of the list to the next, so a new course is on page 1.
    """

    menu_label = _("Courses")

    child_select_related = ("base", "image")
    cache_query_params = ("format", "topic", "page")
    subpage_types = ["courses.CoursePage"]

    class Meta:
        verbose_name = _("course index page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        courses = CoursePage.objects.live().child_of(self)
        fmt = self.choice_param(request, "format", CourseFormat)
        if fmt:
            courses = courses.filter(format=fmt)
        topics = list(Topic.objects.filter(courses__isnull=False).distinct())
        topic = self.slug_param(request, "topic", topics)
        if topic:
            courses = courses.filter(topics=topic)
        courses = courses.select_related("base").prefetch_related(
            with_renditions("image"),
            Prefetch("lecturers", queryset=lecturer_queryset()),
        )
        context["courses_page"] = self.paginate(
            request, courses.order_by(F("first_published_at").desc(nulls_last=True), "-pk")
        )
        context["formats"] = CourseFormat.choices
        context["topics"] = topics
        context["current_format"] = fmt
        context["current_topic"] = topic
        return context


def lecturer_queryset():
    return LecturerPage.objects.live().only("id", "title", "url_path", "path", "depth")


class CoursePage(SearchablePage):
    """A course: its format, topics, study hours, lecturers, training base and materials."""

    # Apps above add sections to this page through this hook (core.sections).
    section_hook = "register_course_page_section"

    format = models.CharField(_("format"), max_length=16, choices=CourseFormat.choices)
    # Chosen in the editor through `topic_links` and `lecturer_links` (searchable choosers),
    # read through these.
    topics = models.ManyToManyField(
        Topic,
        verbose_name=_("topics"),
        blank=True,
        related_name="courses",
        through="courses.CourseTopic",
    )
    study_hours = models.DecimalField(
        _("study hours"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("2.0"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("99"))],
    )
    summary = models.TextField(_("summary"), max_length=500)
    body = StreamField(BaseStreamBlock(), verbose_name=_("body"), blank=True)
    lecturers = models.ManyToManyField(
        "lecturers.LecturerPage",
        verbose_name=_("lecturers"),
        blank=True,
        related_name="courses",
        through="courses.CourseLecturer",
    )
    base = models.ForeignKey(
        "bases.TrainingBasePage",
        verbose_name=_("training base"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="courses",
        help_text=_("Where on-site teaching takes place."),
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    featured = models.BooleanField(_("featured on the home page"), default=False)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("format"), FieldPanel("study_hours")],
            heading=_("Format and study hours"),
        ),
        MultipleChooserPanel(
            "topic_links", chooser_field_name="topic", label=_("Topics"), heading=_("Topics")
        ),
        FieldPanel("summary"),
        FieldPanel("image"),
        FieldPanel("body"),
        MultipleChooserPanel(
            "lecturer_links",
            chooser_field_name="lecturer",
            label=_("Lecturers"),
            heading=_("Lecturers"),
        ),
        FieldPanel("base"),
        InlinePanel("materials", label=_("Teaching materials")),
        FieldPanel("featured"),
    ]
    search_fields = [
        *SearchablePage.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("format"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def clean(self):
        super().clean()
        if self.format == CourseFormat.ONSITE and not self.base_id:
            raise ValidationError({"base": _("On-site teaching needs a training base.")})

    def search_texts(self):
        return [self.title, self.summary, streamfield_text(self.body)]

    def search_snippet_text(self):
        return self.summary

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["lecturers"] = (
            LecturerPage.objects.live()
            .filter(courses=self)
            .prefetch_related(with_renditions("photo"))
        )
        # From the page's own links, so a preview shows the topics of the draft.
        context["course_topics"] = [
            link.topic for link in self.topic_links.select_related("topic").order_by("topic__name")
        ]
        context["materials"] = self.materials.select_related("document")
        context["base_page"] = self.base if self.base and self.base.live else None
        return context


class CourseTopic(Orderable):
    """A topic of a course, in the editor's order; a topic once per course."""

    page = ParentalKey(CoursePage, on_delete=models.CASCADE, related_name="topic_links")
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="+"
    )

    panels = [FieldPanel("topic")]

    class Meta(Orderable.Meta):
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        constraints = [models.UniqueConstraint(fields=["page", "topic"], name="course_topic_once")]


class CourseLecturer(Orderable):
    """A lecturer of a course, in the editor's order; a lecturer once per course."""

    page = ParentalKey(CoursePage, on_delete=models.CASCADE, related_name="lecturer_links")
    lecturer = models.ForeignKey(
        "lecturers.LecturerPage",
        verbose_name=_("lecturer"),
        on_delete=models.CASCADE,
        related_name="+",
    )

    panels = [PageChooserPanel("lecturer", "lecturers.LecturerPage")]

    class Meta(Orderable.Meta):
        verbose_name = _("lecturer")
        verbose_name_plural = _("lecturers")
        constraints = [
            models.UniqueConstraint(fields=["page", "lecturer"], name="course_lecturer_once")
        ]


class CourseMaterial(Orderable):
    """A teaching material (名教材) attached to a course, as a Wagtail document."""

    page = ParentalKey(CoursePage, on_delete=models.CASCADE, related_name="materials")
    document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=120, blank=True)

    panels = [FieldPanel("document"), FieldPanel("title")]

    class Meta(Orderable.Meta):
        verbose_name = _("teaching material")
        verbose_name_plural = _("teaching materials")

    @property
    def display_title(self):
        return self.title or self.document.title
