"""The public forms of competitions: an organisation's project (submitted, then edited through
its private link), and an objection to published results."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import (
    ConsentMixin,
    MobileField,
    NormalisedField,
    StorableTextMixin,
    field_messages,
)
from core.validators import NAME_INPUT, normalize_digits

from .models import Category, Project, ProjectAttachment, validate_attachment
from .models.projects import ATTACHMENT_EXTENSIONS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files at once, each PDF, Word, Excel or an image by its content."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = ",".join(ATTACHMENT_EXTENSIONS)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        cleaned = [super(AttachmentsField, self).clean(item, initial) for item in files]
        for upload in cleaned:
            validate_attachment(upload)
        return cleaned


def project_formfield(db_field, **kwargs):
    """The model's field, with messages as a person writes them and names and numbers taken as
    people type them (Project.APPLICANT_INPUT)."""
    kwargs["error_messages"] = field_messages(db_field.verbose_name, db_field.max_length)
    if db_field.name == "contact_phone":
        return MobileField(label=db_field.verbose_name)
    typed = Project.APPLICANT_INPUT.get(db_field.name)
    if typed:
        kwargs |= {"form_class": NormalisedField, "normalizer": typed.normalize}
    elif db_field.name == "credit_code":
        kwargs |= {"form_class": NormalisedField, "normalizer": normalize_digits, "max_length": 24}
    if db_field.name == "email":
        kwargs["error_messages"]["invalid"] = _("Enter an email address such as name@example.com.")
    return db_field.formfield(**kwargs)


class ProjectForm(StorableTextMixin, forms.ModelForm):
    """The project as the organisation describes it: the fields Project.APPLICANT_FIELDS
    declares, and attachments."""

    attachments = AttachmentsField(
        label=_("Attachments"),
        help_text=_(
            "PDF, Word, Excel, PNG or JPEG, up to %(size)d MB each (the application form, the "
            "organisation's registration certificate, the budget)."
        )
        % {"size": settings.COMPETITIONS_ATTACHMENT_MAX_BYTES // (1024 * 1024)},
    )

    class Meta:
        model = Project
        fields = Project.APPLICANT_FIELDS
        formfield_callback = project_formfield
        widgets = {
            "organisation_name": forms.TextInput(attrs={"autocomplete": "organization"}),
            "contact_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "need": forms.Textarea(attrs={"rows": 5}),
            "plan": forms.Textarea(attrs={"rows": 8}),
            "beneficiaries": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, competition, **kwargs):
        super().__init__(*args, **kwargs)
        self.competition = competition
        self.fields["category"].queryset = Category.objects.filter(competitions=competition)
        self.fields["category"].empty_label = _("Choose a category")
        self.fields["budget_requested"].widget.attrs.update({"inputmode": "decimal", "min": 0})

    def validate_unique(self):
        # The service checks the constraints again when it saves; the form shows them first.
        self.instance.competition = self.competition
        super().validate_unique()

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in Project.APPLICANT_FIELDS}


class SubmitProjectForm(ConsentMixin, ProjectForm):
    consent = forms.BooleanField(
        label=_(
            "I agree that the academy uses this information to run the competition, as its "
            "<a>privacy notice</a> describes."
        ),
        error_messages={"required": _("Please agree to the use of this information.")},
    )


class EditProjectForm(ProjectForm):
    """The organisation changes its project through its private link, and may remove files."""

    remove_attachments = forms.ModelMultipleChoiceField(
        label=_("Remove these attachments"),
        queryset=ProjectAttachment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The full number is never shown on the private page: the field starts empty, with the
        # masked number as a hint, and an empty answer keeps it.
        phone = self.fields["contact_phone"]
        phone.required = False
        phone.help_text = _("Leave empty to keep %(phone)s.") % {
            "phone": self.instance.masked_contact_phone
        }
        self.initial["contact_phone"] = ""
        self.fields["remove_attachments"].queryset = self.instance.attachments.all()
        if not self.instance.attachments.exists():
            del self.fields["remove_attachments"]

    def clean_contact_phone(self):
        return self.cleaned_data.get("contact_phone") or self.instance.contact_phone


class ObjectionForm(StorableTextMixin, forms.Form):
    """An objection to published results, during the public notice period (公示)."""

    project = forms.ModelChoiceField(
        label=_("Project concerned"),
        queryset=Project.objects.none(),
        required=False,
        empty_label=_("The results as a whole"),
    )
    name = NormalisedField(
        label=_("Your name"),
        max_length=40,
        normalizer=NAME_INPUT.normalize,
        error_messages=field_messages(_("Your name"), 40),
    )
    phone = MobileField(
        label=_("Your mobile"), help_text=_("Staff may call you about the objection.")
    )
    text = forms.CharField(
        label=_("Objection"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages=field_messages(_("Objection"), 2000),
    )

    def __init__(self, *args, publication, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(
            competition_id=publication.competition_id
        ).eligible()
