"""Projects submitted to a competition, and their attachments.

An organisation submits without an account and edits through its private link (`token`) until
submissions close; only `competitions.services` writes them.
"""

import os
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.tokens import new_token
from core.validators import (
    MOBILE_INPUT,
    NAME_INPUT,
    mask_phone,
    normalize_digits,
    validate_credit_code,
    validate_mobile,
)

# What an attachment may be, told by its first bytes rather than its name or the browser's
# word: (kind, label, leading bytes, the extensions it may carry).
ATTACHMENT_KINDS = (
    ("pdf", _("PDF"), (b"%PDF-",), (".pdf",)),
    # Word, Excel (2007 and later) are zip files; 97-2003 ones OLE compound files.
    ("office", _("Word or Excel"), (b"PK\x03\x04",), (".docx", ".xlsx")),
    (
        "office97",
        _("Word or Excel 97-2003"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
        (".doc", ".xls"),
    ),
    ("png", _("PNG image"), (b"\x89PNG\r\n\x1a\n",), (".png",)),
    ("jpeg", _("JPEG image"), (b"\xff\xd8\xff",), (".jpg", ".jpeg")),
)
ATTACHMENT_EXTENSIONS = tuple(ext for *_, extensions in ATTACHMENT_KINDS for ext in extensions)


def attachment_kind(head: bytes, name: str) -> str | None:
    """The kind of a file from its first bytes, when its name's extension agrees; else None."""
    extension = os.path.splitext(name or "")[1].lower()
    for kind, _label, signatures, extensions in ATTACHMENT_KINDS:
        if extension in extensions and any(head.startswith(sig) for sig in signatures):
            return kind
    return None


def validate_attachment(file) -> None:
    """PDF, Word, Excel or an image, by content (its magic bytes, not its name), and no larger
    than settings.COMPETITIONS_ATTACHMENT_MAX_BYTES."""
    limit = settings.COMPETITIONS_ATTACHMENT_MAX_BYTES
    if file.size > limit:
        raise ValidationError(
            _("An attachment may be at most %(limit)s; this one is %(size)s.")
            % {"limit": filesizeformat(limit), "size": filesizeformat(file.size)},
            code="attachment_too_large",
        )
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(16)
    file.seek(position)
    if attachment_kind(head, file.name) is None:
        raise ValidationError(
            _(
                "Attachments may be PDF, Word, Excel, PNG or JPEG files; this file is none of "
                "them (its content was checked, not only its name)."
            ),
            code="attachment_type",
        )


def attachment_path(instance, filename: str) -> str:
    """A folder no one can guess per file, so attachment URLs are not enumerable."""
    extension = os.path.splitext(filename)[1].lower()
    return f"competitions/{secrets.token_urlsafe(16)}/attachment{extension}"


class ProjectQuerySet(models.QuerySet):
    def eligible(self):
        return self.filter(status=Project.Status.ELIGIBLE)


class Project(models.Model):
    """A project an organisation submitted to a competition: what it proposes, who it is and
    whether staff found it eligible. Edited through its private link until submissions close."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted, awaiting review")
        ELIGIBLE = "eligible", _("Eligible")
        INELIGIBLE = "ineligible", _("Not eligible")

    # The applicant's fields, in the order the submission form shows them; the form is made
    # from their declarations below (required or not, lengths, validators, labels).
    APPLICANT_FIELDS = (
        "organisation_name",
        "credit_code",
        "contact_name",
        "contact_phone",
        "email",
        "title",
        "category",
        "summary",
        "need",
        "plan",
        "beneficiaries",
        "beneficiary_count",
        "budget_requested",
    )
    APPLICANT_INPUT = {
        "organisation_name": NAME_INPUT,
        "contact_name": NAME_INPUT,
        "contact_phone": MOBILE_INPUT,
        "title": NAME_INPUT,
    }

    competition = models.ForeignKey(
        "competitions.CompetitionPage",
        verbose_name=_("competition"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    token = models.CharField(max_length=64, unique=True, editable=False, default=new_token)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    ineligible_reason = models.CharField(_("reason not eligible"), max_length=300, blank=True)

    organisation_name = models.CharField(_("organisation"), max_length=120)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        validators=[validate_credit_code],
        help_text=_("18 characters (GB 32100), as on the organisation's registration certificate."),
    )
    contact_name = models.CharField(_("contact person"), max_length=40)
    contact_phone = models.CharField(
        _("contact mobile"), max_length=11, validators=[validate_mobile]
    )
    email = models.EmailField(_("email"))
    title = models.CharField(_("project title"), max_length=100)
    category = models.ForeignKey(
        "competitions.Category",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    summary = models.TextField(_("summary"), max_length=500)
    need = models.TextField(_("need"), max_length=3000, help_text=_("Who needs it, and why."))
    plan = models.TextField(
        _("plan"), max_length=5000, help_text=_("What the project will do, when and how.")
    )
    beneficiaries = models.TextField(
        _("beneficiaries"), max_length=1000, help_text=_("Who benefits, and where.")
    )
    beneficiary_count = models.PositiveIntegerField(
        _("number of people reached"), null=True, blank=True
    )
    budget_requested = models.DecimalField(
        _("budget requested (yuan)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    running_order = models.PositiveSmallIntegerField(
        _("running order"),
        null=True,
        blank=True,
        help_text=_("Its place in the live roadshow (决赛路演): 1 presents first."),
    )
    consented_at = models.DateTimeField(_("consented to the use of personal information"))
    submitted_at = models.DateTimeField(_("submitted"), db_index=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["competition", "submitted_at", "pk"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        permissions = [("review_project", _("Can review a project's eligibility"))]
        indexes = [models.Index(fields=["competition", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "credit_code", "title"],
                name="project_unique_title_per_organisation",
                violation_error_message=_(
                    "This organisation has already submitted a project with this title."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status="ineligible") | ~Q(ineligible_reason=""),
                name="project_ineligible_has_reason",
                violation_error_message=_("Say why the project is not eligible."),
            ),
            models.UniqueConstraint(
                fields=["competition", "running_order"],
                name="project_unique_running_order",
                violation_error_message=_("Another project already presents in this place."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("competitions:project", kwargs={"token": self.token})

    def clean_fields(self, exclude=None):
        # Normalised first, as the submission form does, so the admin stores what it would.
        for name, typed in self.APPLICANT_INPUT.items():
            setattr(self, name, typed.normalize(getattr(self, name)))
        self.credit_code = normalize_digits(self.credit_code)
        super().clean_fields(exclude=exclude)

    def clean(self):
        super().clean()
        if self.status == self.Status.INELIGIBLE and not self.ineligible_reason.strip():
            raise ValidationError({"ineligible_reason": _("Say why the project is not eligible.")})

    @property
    def masked_contact_phone(self) -> str:
        return mask_phone(self.contact_phone)

    def can_be_edited(self, at=None) -> bool:
        """The organisation edits until submissions close, unless staff already found it
        ineligible or eligible (then the reviewed text stays as reviewed)."""
        return self.status == self.Status.SUBMITTED and self.competition.accepts_submissions(at)


class ProjectAttachment(models.Model):
    """A file attached to a project: PDF, Word, Excel or an image, checked by its content."""

    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(
        _("file"), upload_to=attachment_path, max_length=200, validators=[validate_attachment]
    )
    name = models.CharField(_("file name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), editable=False)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["project", "uploaded_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.name
