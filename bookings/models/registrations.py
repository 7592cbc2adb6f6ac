"""Registrations for cohorts: who holds a seat, who waits, who was approved or cancelled.

Registrations are written only through `bookings.services`, which locks the cohort before it
counts seats; the constraints below hold whatever writes them.
"""

import secrets

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.log_actions import registry as log_registry

from core.forms import MOBILE_MESSAGE, field_messages
from core.tokens import new_token
from core.validators import (
    ID_NUMBER_INPUT,
    MOBILE_INPUT,
    NAME_INPUT,
    TEXT_INPUT,
    mask_id_number,
    mask_phone,
    validate_id_number,
    validate_mobile,
)

# Easy to read aloud and to type: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


ID_NUMBER_MESSAGE = _("An ID number has 18 characters: 17 digits and a final digit or X.")

# What a purged registration shows for its name and numbers (bookings.services.privacy).
PURGED = _("Purged")
PURGED_NAME = "已清除"


def phone_pseudonym(phone: str) -> str:
    """What a purged registration keeps of its mobile number: the same 11 characters for the
    same number (so a person is still counted once across cohorts), from which the number
    cannot be read back. Not digits, so it never passes for a number."""
    return "x" + salted_hmac("bookings.purge", phone).hexdigest()[:10]


class RegistrationGroup(models.Model):
    """Trainees a unit's contact registered together: all of them got places, or none did.

    The contact follows the group on its own private page (`token`, as a registration's)."""

    cohort = models.ForeignKey(
        "bookings.Cohort",
        verbose_name=_("cohort"),
        on_delete=models.PROTECT,
        related_name="registration_groups",
    )
    unit = models.CharField(_("unit"), max_length=120)
    contact_name = models.CharField(_("contact person"), max_length=40)
    contact_phone = models.CharField(
        _("contact mobile"), max_length=11, validators=[validate_mobile]
    )
    contact_email = models.EmailField(_("contact email"), blank=True)
    token = models.CharField(max_length=64, unique=True, editable=False, default=new_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("group registration")
        verbose_name_plural = _("group registrations")

    def __str__(self):
        return f"{self.unit}（{self.contact_name}）"

    def get_absolute_url(self) -> str:
        return reverse("bookings:group", kwargs={"token": self.token})

    @property
    def masked_contact_phone(self) -> str:
        if self.contact_phone.startswith("x"):  # purged: phone_pseudonym
            return str(PURGED)
        return mask_phone(self.contact_phone)

    def clean_fields(self, exclude=None):
        # As Registration.clean_fields: the number the group form would store.
        self.contact_phone = MOBILE_INPUT.normalize(self.contact_phone)
        super().clean_fields(exclude=exclude)


class Registration(models.Model):
    """One trainee's registration for a cohort; at most one active per phone and cohort."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("Waiting list")
        CANCELLED = "cancelled", _("Cancelled")
        REJECTED = "rejected", _("Not approved")

    class Source(models.TextChoices):
        WEB = "web", _("Website")
        GROUP = "group", _("Group registration")
        API = "api", _("App or mini-program")
        STAFF = "staff", _("Staff")

    # The trainee's private page shows what the apps above add (core.sections): under
    # `section_hook` below the ticket (study hours, certificate, evaluations), under
    # `TICKET_SECTION_HOOK` inside it (the check-in QR code). `RESPONSE_HOOK` functions are
    # called with (request, registration, response) before the page is sent, e.g. to set a cookie.
    section_hook = "register_registration_page_section"
    TICKET_SECTION_HOOK = "register_registration_ticket_section"
    RESPONSE_HOOK = "after_registration_page"

    SEAT_STATUSES = (Status.PENDING, Status.CONFIRMED)
    ACTIVE_STATUSES = (Status.PENDING, Status.CONFIRMED, Status.WAITLISTED)
    # The order the waiting list is served in: first come, first served. The service that
    # promotes (`promote_waitlisted`) and `waiting_position` both read it.
    WAITING_ORDER = ("created_at", "pk")

    # The trainee's details, in the order forms show them. The registration forms, the API's
    # serializer and the services' `Applicant` are all made from these fields as declared below
    # (required or not, lengths, validators, labels); nothing declares them again.
    TRAINEE_FIELDS = (
        "name",
        "phone",
        "unit",
        "position",
        "party_organisation",
        "origin_province",
        "origin_city",
        "email",
        "id_number",
    )
    # How forms and the API take what people type: names and free text with stray spaces,
    # numbers with full-width digits, spaces, dashes and, for the mobile, a country prefix.
    TRAINEE_INPUT = {
        "name": NAME_INPUT,
        "phone": MOBILE_INPUT,
        "unit": NAME_INPUT,
        "position": TEXT_INPUT,
        "party_organisation": TEXT_INPUT,
        "origin_province": TEXT_INPUT,
        "origin_city": TEXT_INPUT,
        "id_number": ID_NUMBER_INPUT,
    }

    cohort = models.ForeignKey(
        "bookings.Cohort",
        verbose_name=_("cohort"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    group = models.ForeignKey(
        RegistrationGroup,
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.WEB)
    code = models.CharField(_("registration code"), max_length=CODE_LENGTH, unique=True)
    token = models.CharField(max_length=64, unique=True, editable=False)

    name = models.CharField(pgettext_lazy("person", "name"), max_length=40)
    phone = models.CharField(_("mobile"), max_length=11, validators=[validate_mobile])
    unit = models.CharField(_("unit"), max_length=120)
    position = models.CharField(_("position"), max_length=60, blank=True)
    party_organisation = models.CharField(_("party organisation"), max_length=120, blank=True)
    origin_province = models.CharField(_("province"), max_length=20, blank=True)
    origin_city = models.CharField(_("city"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    id_number = models.CharField(
        _("ID number"), max_length=18, blank=True, validators=[validate_id_number]
    )
    consented_at = models.DateTimeField(_("consented to the use of personal information"))

    created_at = models.DateTimeField(_("registered"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    purged_at = models.DateTimeField(
        _("personal data purged"), null=True, blank=True, editable=False
    )

    # The details staff may correct in the admin: none of them touches a seat or the status.
    DETAIL_FIELDS = ("name", "unit", "position", "party_organisation", "email")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        permissions = [("view_personal_data", _("Can see full phone and ID numbers"))]
        indexes = [models.Index(fields=["cohort", "status", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "phone"],
                condition=Q(status__in=["pending", "confirmed", "waitlisted"]),
                name="one_active_registration_per_phone",
                violation_error_message=_("This mobile number is already registered here."),
            )
        ]

    def __str__(self):
        return f"{self.name} {self.code}"

    def get_absolute_url(self) -> str:
        return reverse("bookings:registration", kwargs={"token": self.token})

    def clean_fields(self, exclude=None):
        # Normalised first, as the forms and the API do, so that a staff form or an import
        # that validates the model stores the number they would.
        for name, typed in self.TRAINEE_INPUT.items():
            setattr(self, name, typed.normalize(getattr(self, name)))
        super().clean_fields(exclude=exclude)

    @classmethod
    def trainee_messages(cls, name: str) -> dict:
        """The messages of a trainee's field (`TRAINEE_FIELDS`), for the registration forms and
        the API's serializer alike: `field_messages` from the field's label and length, with
        the numbers' own messages where a length would say nothing useful."""
        field = cls._meta.get_field(name)
        messages = field_messages(field.verbose_name, field.max_length)
        if name == "phone":
            messages["max_length"] = MOBILE_MESSAGE
        elif name == "id_number":
            messages["max_length"] = ID_NUMBER_MESSAGE
        elif name == "email":
            messages["invalid"] = _("Enter an email address such as name@example.com.")
        return messages

    @property
    def masked_phone(self) -> str:
        if self.purged_at:
            return str(PURGED)
        return mask_phone(self.phone)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number) if self.id_number else ""

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    def cancelled_by_staff(self) -> bool:
        """Whether a member of staff cancelled it (its audit entry names a user); a trainee's
        own cancellation is logged without one."""
        return (
            log_registry.get_logs_for_instance(self)
            .filter(action="bookings.registration.cancel", user__isnull=False)
            .exists()
        )

    @classmethod
    def waiting_positions(cls, cohort_id: int) -> dict[int, int]:
        """Each waiting registration of the cohort (by pk) and its place on the list, in one
        query: for pages that list several, where `waiting_position` would ask once each."""
        waiting = (
            cls.objects.filter(cohort_id=cohort_id, status=cls.Status.WAITLISTED)
            .order_by(*cls.WAITING_ORDER)
            .values_list("pk", flat=True)
        )
        return {pk: place for place, pk in enumerate(waiting, start=1)}

    @property
    def waiting_position(self) -> int | None:
        """Its place on the cohort's waiting list (1 is promoted next), or None when it is not
        waiting. Counted in `WAITING_ORDER`, the order `promote_waitlisted` promotes in."""
        if self.status != self.Status.WAITLISTED:
            return None
        ahead = Q(created_at__lt=self.created_at) | Q(created_at=self.created_at, pk__lt=self.pk)
        return (
            Registration.objects.filter(cohort_id=self.cohort_id, status=self.Status.WAITLISTED)
            .filter(ahead)
            .count()
            + 1
        )
