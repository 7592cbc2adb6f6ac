"""The admin's groups (the roles): Wagtail's viewset with its name column labelled for things."""

from django.utils.translation import pgettext_lazy
from wagtail.admin.ui.tables import TitleColumn
from wagtail.users.views import groups


class GroupIndexView(groups.IndexView):
    columns = [
        TitleColumn(
            "name",
            label=pgettext_lazy("group", "Name"),
            sort_key="name",
            url_name="wagtailusers_groups:edit",
        ),
    ]


class GroupViewSet(groups.GroupViewSet):
    index_view_class = GroupIndexView
