from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetitionsConfig(AppConfig):
    """Public-interest venture and volunteer-service competitions: submissions, judging,
    results and funding.

    Stands apart from training: it imports only `core`, and only `academy` (settings, URLs,
    demo data, the home page) imports it.
    """

    name = "competitions"
    verbose_name = _("Competitions")

    def ready(self):
        from . import signals  # noqa: F401 - connects the live screen's cache to its changes
