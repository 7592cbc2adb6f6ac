"""Registration forms: one trainee, or a unit's group of trainees."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.validators import (
    normalize_digits,
    validate_id_number,
    validate_mobile,
)

from .services import Applicant, GroupContact


class MobileField(forms.CharField):
    """An 11-digit mainland mobile number; full-width digits, spaces and dashes are accepted."""

    default_validators = [validate_mobile]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def to_python(self, value):
        return normalize_digits(super().to_python(value))


class IdNumberField(forms.CharField):
    default_validators = [validate_id_number]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 24)
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off"})

    def to_python(self, value):
        return normalize_digits(super().to_python(value))


class TraineeForm(forms.Form):
    """One trainee's details, as the cohort asks for them."""

    name = forms.CharField(label=_("Name"), max_length=40)
    phone = MobileField(label=_("Mobile"))
    unit = forms.CharField(label=_("Unit"), max_length=120)
    position = forms.CharField(label=_("Position"), max_length=60, required=False)
    party_organisation = forms.CharField(
        label=_("Party organisation"), max_length=120, required=False
    )
    origin_province = forms.CharField(label=_("Province"), max_length=20, required=False)
    origin_city = forms.CharField(label=_("City"), max_length=30, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    id_number = IdNumberField(label=_("ID number"), required=False)

    def __init__(self, *args, cohort, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["origin_province"].initial = "山东省"
        self.fields["origin_city"].initial = "烟台市"
        if cohort.asks_id_number:
            self.fields["id_number"].required = True
        else:
            del self.fields["id_number"]

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def applicant(self) -> Applicant:
        return Applicant(**{name: self.cleaned_data.get(name, "") for name in self.fields})


class RegistrationForm(TraineeForm):
    consent = forms.BooleanField(
        label=_(
            "I agree that the academy uses this personal information to run the training, "
            "as its privacy notice describes."
        ),
        error_messages={"required": _("Please agree to the use of your personal information.")},
    )

    def applicant(self) -> Applicant:
        return Applicant(
            **{name: self.cleaned_data.get(name, "") for name in self.fields if name != "consent"}
        )


class GroupContactForm(forms.Form):
    unit = forms.CharField(label=_("Unit"), max_length=120)
    contact_name = forms.CharField(label=_("Contact person"), max_length=40)
    contact_phone = MobileField(label=_("Contact mobile"))
    consent = forms.BooleanField(
        label=_(
            "The trainees have agreed that the academy uses their personal information to run "
            "the training."
        ),
        error_messages={"required": _("Please confirm the trainees' consent.")},
    )

    def contact(self) -> GroupContact:
        return GroupContact(
            unit=self.cleaned_data["unit"],
            contact_name=self.cleaned_data["contact_name"],
            contact_phone=self.cleaned_data["contact_phone"],
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

    def applicants(self) -> list[Applicant]:
        return [form.applicant() for form in self.forms if form.cleaned_data]


def trainee_formset(cohort, *, data=None, size: int = 3):
    max_size = settings.BOOKINGS_MAX_GROUP_SIZE
    formset_class = forms.formset_factory(
        TraineeForm,
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


class LookupForm(forms.Form):
    phone = MobileField(label=_("Mobile"))
    code = forms.CharField(label=_("Registration code"), max_length=12)

    def clean_code(self):
        return normalize_digits(self.cleaned_data["code"])
