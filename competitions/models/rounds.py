"""The rounds of a competition (资格审查, 初审, 复赛, 决赛路演) and each round's rubric."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable


class Round(ClusterableModel):
    """One round of a competition, with its rubric (`criteria`), how its scores combine and how
    many projects advance. Judges see other judges' scores only once it is closed."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        OPEN = "open", _("Open for scoring")
        CLOSED = "closed", _("Closed")

    class Aggregate(models.TextChoices):
        TRIMMED_MEAN = "trimmed_mean", _("Trimmed mean (drop the highest and the lowest)")
        MEAN = "mean", _("Mean")
        MEDIAN = "median", _("Median")

    class TieRule(models.TextChoices):
        HEAVIEST_THEN_EARLIER = (
            "heaviest_then_earlier",
            _("Higher score on the heaviest criterion, then the earlier submission"),
        )
        EARLIER = "earlier", _("The earlier submission")
        SHARED = "shared", _("Tied projects share the rank")

    competition = models.ForeignKey(
        "competitions.CompetitionPage",
        verbose_name=_("competition"),
        on_delete=models.PROTECT,
        related_name="rounds",
    )
    title = models.CharField(
        _("title"), max_length=60, help_text=_("For example 初审 or 决赛路演.")
    )
    sort_order = models.PositiveSmallIntegerField(
        _("order"), default=1, help_text=_("Rounds run in this order: 1, 2, 3…")
    )
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    is_live = models.BooleanField(
        _("live roadshow"),
        default=False,
        help_text=_(
            "Projects present in running order and judges score each as it finishes; "
            "the big screen shows each project's score once every judge has submitted."
        ),
    )
    judges_per_project = models.PositiveSmallIntegerField(
        _("judges per project"), default=5, validators=[MinValueValidator(1)]
    )
    advance_count = models.PositiveIntegerField(
        _("projects that advance"),
        null=True,
        blank=True,
        help_text=_("How many of the ranking go on to the next round (or are funded)."),
    )
    aggregate = models.CharField(
        _("how scores combine"),
        max_length=16,
        choices=Aggregate.choices,
        default=Aggregate.TRIMMED_MEAN,
        help_text=_(
            "A trimmed mean drops one highest and one lowest total when 5 or more judges scored."
        ),
    )
    normalise = models.BooleanField(
        _("normalise each judge's totals (z-score)"),
        default=False,
        help_text=_("For panels whose judges score on different scales."),
    )
    tie_rule = models.CharField(
        _("ties"),
        max_length=24,
        choices=TieRule.choices,
        default=TieRule.HEAVIEST_THEN_EARLIER,
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    panels = [
        FieldPanel("competition"),
        FieldRowPanel([FieldPanel("title"), FieldPanel("sort_order")]),
        FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
        FieldPanel("status"),
        MultiFieldPanel(
            [
                FieldPanel("is_live"),
                FieldPanel("judges_per_project"),
                FieldPanel("advance_count"),
                FieldPanel("aggregate"),
                FieldPanel("normalise"),
                FieldPanel("tie_rule"),
            ],
            heading=_("Judging"),
        ),
        InlinePanel("criteria", label=_("Scoring rubric"), min_num=1),
    ]

    class Meta:
        ordering = ["competition", "sort_order", "pk"]
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "sort_order"],
                name="round_unique_order",
                violation_error_message=_("This competition already has a round in this place."),
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True)
                | Q(starts_at__isnull=True)
                | Q(ends_at__gt=models.F("starts_at")),
                name="round_ends_after_it_starts",
                violation_error_message=_("A round must end after it starts."),
            ),
        ]

    def __str__(self):
        if self.competition_id:
            return f"{self.competition.title} · {self.title}"
        return self.title

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("A round must end after it starts.")})

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    def heaviest_criterion(self):
        """The criterion ties are decided on first: the largest weight, then the largest
        maximum, then the first in the rubric."""
        return min(
            self.criteria.all(),
            key=lambda criterion: (-criterion.weight, -criterion.maximum, criterion.sort_order),
            default=None,
        )


class Criterion(Orderable):
    """One line of a round's rubric (评分细则): what a judge scores, from 0 to its maximum."""

    round = ParentalKey(Round, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("name"), max_length=60, help_text=_("For example 需求分析."))
    description = models.TextField(_("description"), max_length=500, blank=True)
    maximum = models.DecimalField(
        _("maximum score"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.1"))],
    )
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("A judge's total is the sum of each score times its weight."),
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("maximum"), FieldPanel("weight")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.CheckConstraint(condition=Q(maximum__gt=0), name="criterion_maximum_positive"),
            models.CheckConstraint(
                condition=Q(weight__gte=0), name="criterion_weight_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.maximum:g}）"
