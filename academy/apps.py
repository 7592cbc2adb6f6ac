from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcademyConfig(AppConfig):
    """The project on top: settings, URLs, the home page and the demo data."""

    name = "academy"
    verbose_name = _("Academy")
