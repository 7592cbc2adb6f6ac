"""Form fields shared by every app's forms."""

from django import forms

from .validators import normalize_digits


class NormalisedField(forms.CharField):
    """Text normalised before it is validated: by `normalizer`, digits by default (full-width
    digits and letters to ASCII, spaces and dashes removed). `core.api.NormalisedCharField` does
    the same for the API."""

    def __init__(self, *, normalizer=normalize_digits, **kwargs):
        self.normalizer = normalizer
        super().__init__(**kwargs)

    def to_python(self, value):
        return self.normalizer(super().to_python(value))
