"""The foundation's models: users, districts, organisations, topics, the pages every section
builds on (searchable pages, index pages), news and standard pages, and site settings.

Nothing here knows a feature: the home page that gathers them all lives in `academy`."""

from django.apps import apps
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.search import index

from .blocks import BaseStreamBlock
from .search import TitleBigramsField, bigram_text
from .slugs import PinyinSlugPageForm, PinyinSlugPageMixin
from .validators import normalize_digits, validate_credit_code, validate_office_phone

INDEX_PAGE_SIZE = 12


class User(AbstractUser):
    """An account for staff, lecturers, base contacts and judges; trainees need none."""

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class District(models.Model):
    """One of Yantai's 15 county-level areas (区市); data, so a new area needs no release."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self):
        return self.name


class Topic(models.Model):
    """A subject that courses and lecturers share, such as 党建引领基层治理."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name


class Organisation(index.Indexed, models.Model):
    """A unit or social organisation; its unified social credit code, when given, is valid."""

    class Kind(models.TextChoices):
        PARTY_GOVERNMENT = "party_government", _("Party or government body")
        PUBLIC_INSTITUTION = "public_institution", _("Public institution")
        ENTERPRISE = "enterprise", _("Enterprise")
        SOCIAL_ORGANISATION = "social_organisation", _("Social organisation")
        COMMUNITY = "community", _("Sub-district or community")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices, default=Kind.OTHER)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("18 characters (GB 32100); leave empty if unknown."),
    )
    district = models.ForeignKey(
        District,
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organisations",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_phone = models.CharField(
        _("office phone"), max_length=30, blank=True, validators=[validate_office_phone]
    )

    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="organisation_unique_credit_code",
                violation_error_message=_(
                    "An organisation with this unified social credit code already exists."
                ),
            )
        ]

    def __str__(self):
        return self.name

    def clean_fields(self, exclude=None):
        # Normalise first, so a code typed with spaces passes the length check.
        self.credit_code = normalize_digits(self.credit_code)
        super().clean_fields(exclude=exclude)


class SearchablePage(PinyinSlugPageMixin, Page):
    """A page whose title and text are also indexed as Chinese bigrams (see core.search);
    a match in the title ranks above a match in the text only. Its slug is pinyin, never
    Chinese (core.slugs)."""

    base_form_class = PinyinSlugPageForm

    search_fields = [
        *Page.search_fields,
        TitleBigramsField("title", boost=2),  # as the title's own field: weighed alike
        index.SearchField("search_bigrams"),
    ]

    class Meta:
        abstract = True

    def search_texts(self) -> list[str]:
        return [self.title]

    def search_bigrams(self) -> str:
        return bigram_text(*self.search_texts())

    def search_snippet_text(self) -> str:
        return self.search_description


class IndexPageMixin:
    """Routes to a child in one query that fetches the specific page directly.

    Wagtail's `Page.route` fetches the child as a plain Page and then its specific row; an index
    whose children are all of one type (its one `subpage_types`) can ask for that type at once.
    Kept apart from `IndexPage` because migrations name it among their models' bases.
    """

    child_select_related: tuple[str, ...] = ()
    # The GET parameters the index reads, its filters and "page": the page cache keys on these
    # alone (core.cache), so the helpers below refuse to read one left out.
    cache_query_params: tuple[str, ...] = ("page",)

    def query_param(self, request, name: str) -> str:
        if name not in self.cache_query_params:
            raise ImproperlyConfigured(
                f"{type(self).__name__} reads ?{name}= but does not declare it in "
                "cache_query_params: the page cache would serve one filter's page for another."
            )
        return request.GET.get(name, "")

    def choice_param(self, request, name: str, choices: type[models.TextChoices]) -> str:
        """The filter's value from the query string, or "" when absent or unknown."""
        value = self.query_param(request, name)
        return value if value in choices.values else ""

    def slug_param(self, request, name: str, objects):
        """The one of `objects` whose slug the query string names, or None."""
        slug = self.query_param(request, name)
        return next((item for item in objects if item.slug == slug), None)

    def paginate(self, request, queryset):
        """A page of the list; a bad number shows the first page, too large a one the last."""
        return Paginator(queryset, INDEX_PAGE_SIZE).get_page(self.query_param(request, "page"))

    def route(self, request, path_components):
        if not path_components:
            return super().route(request, path_components)
        [child_model] = self.subpage_types
        model = apps.get_model(child_model)
        children = model.objects.child_of(self).select_related(*self.child_select_related)
        try:
            child = children.get(slug=path_components[0])
        except model.DoesNotExist as error:
            raise Http404 from error
        child._cached_parent_obj = self
        return child.route(request, path_components[1:])


class IndexPage(IndexPageMixin, SearchablePage):
    """The one list of a section under the home page (courses, lecturers, bases, programmes,
    news): an introduction, then its children, all of its one `subpage_types`."""

    introduction = models.TextField(_("introduction"), blank=True)
    # The main menu's label for the section, in the visitor's language; the title otherwise.
    menu_label = ""

    content_panels = [*Page.content_panels, FieldPanel("introduction")]
    parent_page_types = ["academy.HomePage"]
    max_count = 1

    class Meta:
        abstract = True


def with_renditions(field: str) -> Prefetch:
    """Prefetch an image foreign key with its renditions, so a list of cards costs two queries.

    Don't also `select_related` the field: Django then skips the prefetch.
    """
    return Prefetch(field, queryset=get_image_model().objects.prefetch_renditions())


def streamfield_text(value) -> str:
    return " ".join(str(part) for part in value.stream_block.get_searchable_content(value))


class StandardPage(SearchablePage):
    """A plain page such as 'about' or 'contact'."""

    introduction = models.TextField(_("introduction"), blank=True)
    body = StreamField(BaseStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("introduction"), FieldPanel("body")]
    search_fields = [*SearchablePage.search_fields, index.SearchField("introduction")]
    subpage_types = ["core.StandardPage"]

    class Meta:
        verbose_name = _("standard page")

    def search_texts(self):
        return [self.title, self.introduction, streamfield_text(self.body)]

    def search_snippet_text(self):
        return self.introduction or streamfield_text(self.body)


class NewsIndexPage(IndexPage):
    """The list of news, salons, brainstorms and events, newest first."""

    menu_label = _("News")

    child_select_related = ("image",)
    cache_query_params = ("kind", "page")
    subpage_types = ["core.NewsPage"]

    class Meta:
        verbose_name = _("news index page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        kind = self.choice_param(request, "kind", NewsPage.Kind)
        news = NewsPage.objects.live().child_of(self)
        if kind:
            news = news.filter(kind=kind)
        context["news_page"] = self.paginate(request, news.order_by("-date", "-pk"))
        context["kinds"] = NewsPage.Kind.choices
        context["current_kind"] = kind
        return context


class NewsPage(SearchablePage):
    """A news item: a secretary salon, a brainstorm, an event or plain news."""

    class Kind(models.TextChoices):
        NEWS = "news", _("News")
        SALON = "salon", _("Secretary salon")
        BRAINSTORM = "brainstorm", _("Brainstorm")
        EVENT = "event", _("Event")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.NEWS)
    date = models.DateField(_("date"), default=timezone.localdate)
    summary = models.TextField(_("summary"), max_length=400, blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(BaseStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("kind"), FieldPanel("date")], heading=_("Kind and date")),
        FieldPanel("summary"),
        FieldPanel("image"),
        FieldPanel("body"),
    ]
    search_fields = [
        *SearchablePage.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("kind"),
        index.FilterField("date"),
    ]
    parent_page_types = ["core.NewsIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("news page")
        verbose_name_plural = _("news pages")

    def search_texts(self):
        return [self.title, self.summary, streamfield_text(self.body)]

    def search_snippet_text(self):
        return self.summary or streamfield_text(self.body)


@register_setting(icon="site")
class AcademySettings(BaseSiteSetting):
    """Contact details printed in every page's footer."""

    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(
        _("office phone"), max_length=30, blank=True, validators=[validate_office_phone]
    )
    email = models.EmailField(_("email"), blank=True)
    icp_number = models.CharField(_("ICP licence number"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("academy settings")


from .imports.models import ImportRecord  # noqa: E402 (the import machinery's one model)

__all__ = ["ImportRecord"]
