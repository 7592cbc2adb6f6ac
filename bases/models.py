"""Training bases (实训基地): the 160+ real sites across the city used for on-site teaching."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from core.blocks import BaseStreamBlock
from core.models import (
    District,
    IndexPage,
    SearchablePage,
    streamfield_text,
    with_renditions,
)
from core.validators import validate_office_phone


class TrainingBaseCategory(models.TextChoices):
    COMMUNITY = "community", _("Community")
    PARK = "park", _("Industrial park")
    BUSINESS_DISTRICT = "business_district", _("Business district")
    BUILDING = "building", _("Office building")
    RED_PROPERTY = "red_property", _("Red property management")
    SOCIAL_ORGANISATION = "social_organisation", _("Social organisation")
    VILLAGE = "village", _("Village")
    ENTERPRISE = "enterprise", _("Enterprise")
    INSTITUTION = "institution", _("Public institution")


class TrainingBaseIndexPage(IndexPage):
    """The map of training bases, filtered by district and category."""

    menu_label = _("Training bases")

    child_select_related = ("district", "photo")
    cache_query_params = ("category", "district", "page")
    subpage_types = ["bases.TrainingBasePage"]

    class Meta:
        verbose_name = _("training base index page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        bases = TrainingBasePage.objects.live().child_of(self)
        category = self.choice_param(request, "category", TrainingBaseCategory)
        if category:
            bases = bases.filter(category=category)
        districts = list(District.objects.all())
        district = self.slug_param(request, "district", districts)
        if district:
            bases = bases.filter(district=district)
        bases = bases.select_related("district").prefetch_related(with_renditions("photo"))
        context["bases_page"] = self.paginate(
            request, bases.order_by("district__sort_order", "title", "pk")
        )
        context["categories"] = TrainingBaseCategory.choices
        context["districts"] = districts
        context["current_category"] = category
        context["current_district"] = district
        return context


class TrainingBasePage(SearchablePage):
    """A training base: where it is, what it teaches, how many visitors it takes at once."""

    # Apps above add sections to this page through this hook (core.sections).
    section_hook = "register_base_page_section"

    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="bases"
    )
    category = models.CharField(_("category"), max_length=24, choices=TrainingBaseCategory.choices)
    summary = models.TextField(_("summary"), max_length=500, blank=True)
    address = models.CharField(_("address"), max_length=200)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    capacity = models.PositiveIntegerField(
        _("capacity per visit"), default=40, validators=[MinValueValidator(1)]
    )
    opening_hours = models.CharField(_("opening hours"), max_length=120, blank=True)
    contact_phone = models.CharField(
        _("office phone"), max_length=30, blank=True, validators=[validate_office_phone]
    )
    # The base's contact person's admin account (a user in the 基地联系人 group): the apps
    # above let them act for the base, e.g. confirm the study visits it received.
    contact_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact person's account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_bases",
        limit_choices_to={"groups__name": "基地联系人"},
        help_text=_("A user in the 基地联系人 group: they confirm the study visits to this base."),
    )
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("main photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    teaching_points = StreamField(BaseStreamBlock(), verbose_name=_("teaching points"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("district"), FieldPanel("category")]),
                FieldPanel("address"),
                FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
            ],
            heading=_("Location"),
        ),
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("capacity"),
                FieldPanel("opening_hours"),
                FieldPanel("contact_phone"),
                FieldPanel("contact_user", permission="bases.change_trainingbasepage"),
            ],
            heading=_("Visits"),
        ),
        FieldPanel("photo"),
        FieldPanel("teaching_points"),
        InlinePanel("gallery_images", label=_("Photo gallery")),
    ]
    search_fields = [
        *SearchablePage.search_fields,
        index.SearchField("summary"),
        index.SearchField("address"),
        index.SearchField("teaching_points"),
        index.FilterField("category"),
        index.FilterField("district_id"),
    ]
    parent_page_types = ["bases.TrainingBaseIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("training base")
        verbose_name_plural = _("training bases")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="base_coordinates_both_or_neither",
            )
        ]

    def clean(self):
        super().clean()
        from django.core.exceptions import ValidationError

        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(_("Give both latitude and longitude, or neither."))

    def search_texts(self):
        return [self.title, self.summary, self.address, streamfield_text(self.teaching_points)]

    def search_snippet_text(self):
        return self.summary or self.address

    @property
    def map_url(self) -> str:
        """The spot on AMap (高德地图); coordinates are WGS-84 and AMap converts them."""
        if self.latitude is None or self.longitude is None:
            query = {"keyword": f"{self.address} {self.title}", "city": "烟台"}
            return "https://uri.amap.com/search?" + urlencode(query)
        query = {
            "position": f"{self.longitude},{self.latitude}",
            "name": self.title,
            "coordinate": "wgs84",
            "callnative": 1,
        }
        return "https://uri.amap.com/marker?" + urlencode(query, safe=",")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["gallery"] = self.gallery_images.prefetch_related(with_renditions("image"))
        # The courses app's reverse relation: this app imports neither courses nor bookings.
        context["courses"] = (
            self.courses.live()
            .order_by("title")
            .only("id", "title", "url_path", "path", "depth", "format", "study_hours", "base")
        )
        return context


class TrainingBaseGalleryImage(Orderable):
    """A photo in a base's gallery."""

    page = ParentalKey(TrainingBasePage, on_delete=models.CASCADE, related_name="gallery_images")
    image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("image"), on_delete=models.CASCADE, related_name="+"
    )
    caption = models.CharField(_("caption"), max_length=200, blank=True)

    panels = [FieldPanel("image"), FieldPanel("caption")]

    class Meta(Orderable.Meta):
        verbose_name = _("gallery photo")
        verbose_name_plural = _("gallery photos")
