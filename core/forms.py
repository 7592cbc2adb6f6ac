"""Form fields shared by every app's forms."""

from django import forms

from .validators import normalize_digits, validate_no_surrogates


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
