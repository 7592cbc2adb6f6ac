"""Study visits (来烟学习交流): delegations from other places that came to the academy and its
training bases. Their people count among the academy's visitors."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.validators import MOBILE_INPUT, NAME_INPUT, TEXT_INPUT, mask_phone, validate_mobile


class StudyVisitQuerySet(models.QuerySet):
    def to_bases_of(self, user):
        """The visits to a base whose contact person is `user`."""
        return self.filter(
            pk__in=StudyVisit.bases.through.objects.filter(
                trainingbasepage__contact_user=user
            ).values("studyvisit_id")
        )


class StudyVisit(models.Model):
    """A delegation's visit: who came from where, when, to which bases, how many.

    Staff record it with the planned headcount; the contact person of a base it visited
    confirms it with the actual headcount (`services_visits.confirm_visit`), which is what the
    academy's visitor figures count. A confirmed visit has an actual headcount."""

    organisation = models.CharField(_("visiting organisation"), max_length=120)
    province = models.CharField(_("province"), max_length=20)
    city = models.CharField(_("city"), max_length=30, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=40)
    contact_phone = models.CharField(
        _("contact mobile"), max_length=11, validators=[validate_mobile]
    )
    visited_on = models.DateField(_("date of the visit"), db_index=True)
    bases = models.ManyToManyField(
        "bases.TrainingBasePage",
        verbose_name=_("training bases visited"),
        blank=True,
        related_name="study_visits",
    )
    planned_headcount = models.PositiveIntegerField(
        _("planned headcount"), validators=[MinValueValidator(1)]
    )
    actual_headcount = models.PositiveIntegerField(
        _("actual headcount"),
        null=True,
        blank=True,
        help_text=_("How many came. The academy's visitor figures count this number."),
    )
    notes = models.TextField(_("notes"), max_length=1000, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StudyVisitQuerySet.as_manager()

    # How forms take what people type, as the registration forms do.
    INPUT = {
        "organisation": NAME_INPUT,
        "province": TEXT_INPUT,
        "city": TEXT_INPUT,
        "contact_name": NAME_INPUT,
        "contact_phone": MOBILE_INPUT,
    }

    class Meta:
        verbose_name = _("study visit")
        verbose_name_plural = _("study visits")
        ordering = ["-visited_on", "-pk"]
        permissions = [
            ("confirm_studyvisit", _("Can confirm the study visits to their own bases")),
            ("view_figures", _("Can see the academy's figures")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(actual_headcount__isnull=False),
                name="study_visit_confirmed_with_headcount",
            ),
            models.CheckConstraint(
                condition=Q(planned_headcount__gte=1), name="study_visit_planned_someone"
            ),
        ]

    def __str__(self):
        return f"{self.organisation} {self.visited_on:%Y-%m-%d}"

    def clean_fields(self, exclude=None):
        # Normalised first, so that the admin's form stores what the registration forms would.
        for name, typed in self.INPUT.items():
            setattr(self, name, typed.normalize(getattr(self, name)))
        super().clean_fields(exclude=exclude)

    @property
    def masked_contact_phone(self) -> str:
        return mask_phone(self.contact_phone)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def origin(self) -> str:
        return f"{self.province}{self.city}" if self.city != self.province else self.province
