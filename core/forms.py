"""Form fields shared by every app's forms."""

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _

from .validators import MOBILE_INPUT, normalize_digits, validate_mobile, validate_no_surrogates

MOBILE_MESSAGE = _("Enter an 11-digit mobile number starting with 1.")


def field_messages(label, max_length: int | None = None) -> dict:
    """A field's messages as a person would write them ("请填写姓名", "姓名最多 40 个字"), under
    the keys both Django's form fields and DRF's fields look up: required, blank, max_length.
    Lazy, with nothing for Django or DRF to format in them."""
    required = format_lazy(_("{field} is required."), field=capfirst(label))
    messages = {"required": required, "blank": required}
    if max_length:
        messages["max_length"] = format_lazy(
            _("{field}: at most {limit} characters."), field=capfirst(label), limit=max_length
        )
    return messages


class NormalisedField(forms.CharField):
    """Text normalised before it is validated: by `normalizer`, digits by default (full-width
    digits and letters to ASCII, spaces and dashes removed). `core.api.NormalisedCharField` does
    the same for the API."""

    def __init__(self, *, normalizer=normalize_digits, **kwargs):
        self.normalizer = normalizer
        super().__init__(**kwargs)

    def to_python(self, value):
        return self.normalizer(super().to_python(value))


class StorableTextMixin:
    """A form whose text fields refuse what no database stores: Django's CharField refuses NUL
    but lets a lone surrogate through to the save, a 500 (DRF's CharField refuses both)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(validate_no_surrogates)


class MobileField(NormalisedField):
    """An 11-digit mainland mobile number; full-width digits, spaces, dashes and a +86, 0086
    or 86 prefix are accepted."""

    default_validators = [validate_mobile]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MOBILE_INPUT.max_length)
        kwargs.setdefault(
            "error_messages", field_messages(kwargs.get("label")) | {"max_length": MOBILE_MESSAGE}
        )
        super().__init__(normalizer=MOBILE_INPUT.normalize, **kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})


def privacy_link(text) -> str:
    """`text` (translated, with `<a>` and `</a>` around the words that link) linking to the
    privacy notice, for a consent line."""
    return format_html(str(text).replace("<a>", '<a href="{}">'), reverse("privacy"))


class ConsentMixin:
    """Its `consent` check box's label links to the privacy notice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = privacy_link(self.fields["consent"].label)
