from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from .cache import declare_page_query_params
from .imports import urls as import_urls
from .imports.buttons import ImportExportButtonsMixin
from .imports.dashboard import RecentImportsPanel
from .imports.kinds import HOOK as IMPORT_KINDS
from .models import District, Organisation, Topic
from .resources import organisation_kind
from .snippets import AcademySnippetViewSet, DeleteBulkAction


class OrganisationIndexView(ImportExportButtonsMixin, SnippetIndexView):
    import_kind = "organisations"


class OrganisationViewSet(AcademySnippetViewSet):
    model = Organisation
    icon = "group"
    menu_label = _("Organisations")
    index_view_class = OrganisationIndexView
    list_display = ["name", "kind", "district", "credit_code"]
    list_filter = ["kind", "district"]
    search_fields = ["name", "credit_code"]
    ordering = ["name"]


class DistrictViewSet(AcademySnippetViewSet):
    model = District
    icon = "site"
    menu_label = _("Districts")
    list_display = ["name", "slug", "sort_order"]
    ordering = ["sort_order"]


class TopicViewSet(AcademySnippetViewSet):
    model = Topic
    icon = "tag"
    menu_label = _("Topics")
    list_display = ["name", "slug"]
    search_fields = ["name"]


class AcademyDataGroup(SnippetViewSetGroup):
    items = (OrganisationViewSet, DistrictViewSet, TopicViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = _("Academy data")
    menu_name = "academy-data"


register_snippet(AcademyDataGroup)

hooks.register("before_serve_page", declare_page_query_params)


class AcademyDataDeleteBulkAction(DeleteBulkAction):
    models = [Organisation, District, Topic]


# After wagtail.snippets' Delete (order 0): the registry keeps the last action of a type.
hooks.register("register_bulk_action", AcademyDataDeleteBulkAction, order=1)


hooks.register(IMPORT_KINDS, organisation_kind)


@hooks.register("register_admin_urls")
def register_import_urls():
    return [path("imports/", include(import_urls, namespace="core_imports"))]


@hooks.register("construct_homepage_panels")
def add_imports_panel(request, panels):
    panels.append(RecentImportsPanel())


@hooks.register("register_log_actions")
def register_import_log_actions(actions):
    actions.register_action("core.import", _("Import a spreadsheet"), _("Spreadsheet imported"))
    actions.register_action(
        "core.import_failed", _("Import a spreadsheet"), _("Spreadsheet import refused")
    )
