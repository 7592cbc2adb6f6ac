"""Registration forms: one trainee, or a unit's group of trainees; finding a registration."""

import dataclasses

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import ConsentMixin, MobileField, NormalisedField, StorableTextMixin
from core.validators import NAME_INPUT

from .models import Cohort, Registration, field_messages
from .services import Applicant, GroupContact


def trainee_formfield(db_field, **kwargs):
    """The model's form field, taking input as `Registration.TRAINEE_INPUT` says it is typed,
    with the messages `Registration.trainee_messages` gives it."""
    kwargs["error_messages"] = Registration.trainee_messages(db_field.name)
    typed = Registration.TRAINEE_INPUT.get(db_field.name)
    if typed:
        kwargs |= {"form_class": NormalisedField, "normalizer": typed.normalize}
        if typed.max_length:
            kwargs["max_length"] = typed.max_length
    return db_field.formfield(**kwargs)


class TraineeForm(StorableTextMixin, forms.ModelForm):
    """One trainee's details, as the cohort asks for them: the fields the model declares."""

    class Meta:
        model = Registration
        fields = Registration.TRAINEE_FIELDS
        formfield_callback = trainee_formfield
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            "id_number": forms.TextInput(attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args, cohort, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["origin_province"].initial = "山东省"
        self.fields["origin_city"].initial = "烟台市"
        if cohort.asks_id_number:
            self.fields["id_number"].required = True
        else:
            del self.fields["id_number"]

    def applicant(self) -> Applicant:
        return Applicant(
            **{name: self.cleaned_data.get(name, "") for name in Registration.TRAINEE_FIELDS}
        )


class RegistrationForm(ConsentMixin, TraineeForm):
    consent = forms.BooleanField(
        label=_(
            "I agree that the academy uses this personal information to run the training, "
            "as its <a>privacy notice</a> describes."
        ),
        error_messages={"required": _("Please agree to the use of your personal information.")},
    )


class GroupTraineeForm(TraineeForm):
    """A trainee in a unit's group: the unit is the group's, asked once above the rows."""

    class Meta(TraineeForm.Meta):
        fields = tuple(name for name in Registration.TRAINEE_FIELDS if name != "unit")


class GroupContactForm(ConsentMixin, StorableTextMixin, forms.Form):
    unit = NormalisedField(
        label=_("Unit"),
        max_length=Registration._meta.get_field("unit").max_length,
        normalizer=NAME_INPUT.normalize,
        help_text=_("Every trainee below is registered as from this unit."),
        error_messages=field_messages(_("Unit"), Registration._meta.get_field("unit").max_length),
    )
    contact_name = NormalisedField(
        label=_("Contact person"),
        max_length=40,
        normalizer=NAME_INPUT.normalize,
        error_messages=field_messages(_("Contact person"), 40),
    )
    contact_phone = MobileField(
        label=_("Contact mobile"),
        help_text=_("We text the link to the group's page, with every trainee's code, here."),
    )
    contact_email = forms.EmailField(
        label=_("Contact email"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    consent = forms.BooleanField(
        label=_(
            "The trainees have agreed that the academy uses their personal information to run "
            "the training, as its <a>privacy notice</a> describes."
        ),
        error_messages={"required": _("Please confirm the trainees' consent.")},
    )

    def contact(self) -> GroupContact:
        return GroupContact(
            unit=self.cleaned_data["unit"],
            contact_name=self.cleaned_data["contact_name"],
            contact_phone=self.cleaned_data["contact_phone"],
            contact_email=self.cleaned_data["contact_email"],
        )


class BaseTraineeFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        phones = [form.cleaned_data.get("phone") for form in self.forms if form.cleaned_data]
        if len(phones) != len(set(phones)):
            raise forms.ValidationError(_("Each trainee needs their own mobile number."))
        if not phones:
            raise forms.ValidationError(_("Add at least one trainee."))

    def applicants(self, *, unit: str) -> list[Applicant]:
        """The trainees typed in, each from the group's `unit`."""
        return [
            dataclasses.replace(form.applicant(), unit=unit)
            for form in self.forms
            if form.cleaned_data
        ]


def trainee_formset(cohort, *, data=None, size: int = 3):
    max_size = settings.BOOKINGS_MAX_GROUP_SIZE
    formset_class = forms.formset_factory(
        GroupTraineeForm,
        formset=BaseTraineeFormSet,
        # min_num's one form comes on top of `extra`: `size` rows in all.
        extra=max(0, min(size, max_size) - 1),
        min_num=1,
        max_num=max_size,
        absolute_max=max_size,
        validate_min=True,
        validate_max=True,
    )
    return formset_class(data=data, prefix="trainee", form_kwargs={"cohort": cohort})


class LookupForm(StorableTextMixin, forms.Form):
    phone = MobileField(label=_("Mobile"))
    code = NormalisedField(
        label=_("Registration code"),
        max_length=12,
        error_messages=field_messages(_("Registration code"))
        | {"max_length": _("A registration code has 8 letters and digits.")},
    )


class ResendCodeForm(StorableTextMixin, forms.Form):
    """A lost code: the mobile number it was registered with. On the look-up page beside
    LookupForm, hence the prefix (its fields' ids and names stay apart)."""

    prefix = "resend"

    phone = MobileField(label=_("Mobile"))


class StaffRegistrationForm(StorableTextMixin, forms.ModelForm):
    """Staff register someone who phoned in: the cohort, the trainee's details (the fields
    `Registration.TRAINEE_FIELDS` declares, normalised as on the public form) and whether the
    trainee is sent the usual notice."""

    send_notice = forms.BooleanField(
        label=_("Send the trainee the usual notice (SMS, and mail when there is an address)"),
        required=False,
        initial=True,
    )

    class Meta:
        model = Registration
        fields = ("cohort", *Registration.TRAINEE_FIELDS)
        formfield_callback = trainee_formfield
        widgets = TraineeForm.Meta.widgets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only cohorts not yet over; the service says whether registration is open.
        self.fields["cohort"].queryset = (
            Cohort.objects.unfinished().select_related("programme").order_by("starts_on", "pk")
        )
        self.fields["origin_province"].initial = "山东省"
        self.fields["origin_city"].initial = "烟台市"

    def clean(self):
        cleaned_data = super().clean()
        cohort = cleaned_data.get("cohort")
        if cohort and cohort.asks_id_number and not cleaned_data.get("id_number"):
            self.add_error("id_number", _("This cohort asks for the ID number."))
        return cleaned_data

    def validate_unique(self):
        # The service checks one active registration per phone, with the cohort locked.
        pass

    def applicant(self) -> Applicant:
        return Applicant(
            **{name: self.cleaned_data.get(name, "") for name in Registration.TRAINEE_FIELDS}
        )
