"""Completion certificates (结业证书): what was certified, to whom, and whether it still holds."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.validators import normalize_name

# The serial's prefix: 烟台党建 (YanTai DangJian). A serial reads YTDJ-2026-000123: the year it
# was issued and its number in that year.
SERIAL_PREFIX = getattr(settings, "CERTIFICATE_SERIAL_PREFIX", "YTDJ")


def mask_name(name: str) -> str:
    """A person's name as the public verification page shows it: 张*明, 张*, 欧**明."""
    name = normalize_name(name)
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


class CertificateQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(revoked_at__isnull=True)

    def revoked(self):
        return self.filter(revoked_at__isnull=False)


class Certificate(models.Model):
    """A completion certificate for one registration; at most one valid at a time.

    Issued only by `attendance.results.services.issue_certificates`, to a registration that
    meets its programme's completion rule, and revoked (never deleted) by `revoke_certificate`.
    It keeps what it certified (name, programme, cohort, dates, hours) as printed, so a later
    edit of the registration or the programme does not change a certificate already handed out.
    A revoked certificate stays, and the registration may be issued a new one with a new serial.
    """

    registration = models.ForeignKey(
        "bookings.Registration",
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("registration"),
    )
    serial = models.CharField(_("serial number"), max_length=32, unique=True)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=40)
    programme_title = models.CharField(_("programme"), max_length=255)
    cohort_title = models.CharField(_("cohort"), max_length=120)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    hours = models.DecimalField(_("study hours"), max_digits=6, decimal_places=2)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoke_reason = models.CharField(_("reason for revoking"), max_length=200, blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("completion certificate")
        verbose_name_plural = _("completion certificates")
        ordering = ["-issued_at", "-pk"]
        permissions = [("issue_certificate", _("Can issue and revoke completion certificates"))]
        constraints = [
            models.UniqueConstraint(
                fields=["registration"],
                condition=Q(revoked_at__isnull=True),
                name="one_valid_certificate_per_registration",
                violation_error_message=_("This registration already has a valid certificate."),
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoke_reason="")
                | (Q(revoked_at__isnull=False) & ~Q(revoke_reason="")),
                name="certificate_revoked_with_a_reason",
                violation_error_message=_("A revoked certificate needs a reason."),
            ),
        ]

    def __str__(self):
        return f"{self.serial} {self.name}"

    def get_absolute_url(self) -> str:
        """The public verification page the certificate's QR code opens."""
        return reverse("certificates:verify", kwargs={"serial": self.serial})

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    @property
    def status(self) -> str:
        return _("Valid") if self.is_valid else _("Revoked")

    status.fget.short_description = _("status")

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)
