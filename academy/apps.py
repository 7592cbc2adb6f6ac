from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class AcademyConfig(AppConfig):
    """The project on top: settings, URLs, the home page and the demo data."""

    name = "academy"
    verbose_name = _("Academy")


class UsersConfig(WagtailUsersAppConfig):
    """Wagtail's users app, with its groups listing's "Name" column said as for things (名称):
    Wagtail labels the users' and the groups' name columns with the same word, which Chinese
    says differently for people (姓名) and for groups."""

    group_viewset = "academy.groups.GroupViewSet"
