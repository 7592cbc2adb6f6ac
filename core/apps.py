from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The foundation every app builds on; it imports no other app of the project."""

    name = "core"
    verbose_name = _("Academy data")

    def ready(self):
        from . import checks, signals  # noqa: F401
        from .sqlite import use_wal_after_migrate

        post_migrate.connect(use_wal_after_migrate, sender=self)
