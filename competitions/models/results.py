"""What a competition gives and tells: awards (funding), the published results with their
public-notice period (公示), and objections lodged during it."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.validators import MOBILE_INPUT, NAME_INPUT, mask_phone, validate_mobile


class Award(models.Model):
    """The funding a project receives: a tier and an amount. The amounts of a competition never
    add up to more than its budget (`competitions.services.set_award`, under a lock)."""

    class Tier(models.TextChoices):
        FIRST = "first", _("First prize")
        SECOND = "second", _("Second prize")
        THIRD = "third", _("Third prize")
        FUNDED = "funded", _("Funded")

    project = models.OneToOneField(
        "competitions.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="award",
    )
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices, default=Tier.FUNDED)
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project__competition", "-amount", "pk"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="award_amount_not_negative")
        ]

    def __str__(self):
        return f"{self.project} · {self.get_tier_display()}"


class ResultPublication(models.Model):
    """Results made public, of a round or of the whole competition, with the public-notice
    period (公示) during which anyone may lodge an objection."""

    competition = models.ForeignKey(
        "competitions.CompetitionPage",
        verbose_name=_("competition"),
        on_delete=models.PROTECT,
        related_name="publications",
    )
    round = models.ForeignKey(
        "competitions.Round",
        verbose_name=_("round"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="publications",
        help_text=_("Leave empty for the competition's final results and funding."),
    )
    title = models.CharField(_("title"), max_length=120)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    notice_starts_at = models.DateTimeField(_("public notice starts"))
    notice_ends_at = models.DateTimeField(_("public notice ends"))
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("result publication")
        verbose_name_plural = _("result publications")
        constraints = [
            models.CheckConstraint(
                condition=Q(notice_ends_at__gt=models.F("notice_starts_at")),
                name="publication_notice_ordered",
                violation_error_message=_("The public notice must end after it starts."),
            ),
            models.UniqueConstraint(
                fields=["competition", "round"],
                name="publication_once_per_round",
                violation_error_message=_("These results are already published."),
            ),
            models.UniqueConstraint(
                fields=["competition"],
                condition=Q(round__isnull=True),
                name="publication_once_per_competition",
                violation_error_message=_("These results are already published."),
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if (
            self.notice_starts_at
            and self.notice_ends_at
            and self.notice_ends_at <= self.notice_starts_at
        ):
            raise ValidationError(
                {"notice_ends_at": _("The public notice must end after it starts.")}
            )

    def in_notice_period(self, at=None) -> bool:
        at = at or timezone.now()
        return self.notice_starts_at <= at < self.notice_ends_at


class Objection(models.Model):
    """An objection to a published result, lodged by anyone during the public-notice period."""

    publication = models.ForeignKey(
        ResultPublication,
        verbose_name=_("published results"),
        on_delete=models.PROTECT,
        related_name="objections",
    )
    project = models.ForeignKey(
        "competitions.Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections",
    )
    name = models.CharField(_("name"), max_length=40)
    phone = models.CharField(_("mobile"), max_length=11, validators=[validate_mobile])
    text = models.TextField(_("objection"), max_length=2000)
    lodged_at = models.DateTimeField(_("lodged"), auto_now_add=True)
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    response = models.TextField(_("response"), max_length=2000, blank=True)

    class Meta:
        ordering = ["-lodged_at", "-pk"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self):
        return f"{self.name} · {self.lodged_at:%Y-%m-%d}" if self.lodged_at else self.name

    def clean_fields(self, exclude=None):
        # As the objection form takes them: "+86 139…" is stored as 139….
        self.name = NAME_INPUT.normalize(self.name)
        self.phone = MOBILE_INPUT.normalize(self.phone)
        super().clean_fields(exclude=exclude)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)
