"""The lecturer pool's spreadsheet kind: one row per lecturer page, by name."""

from django.utils.translation import gettext_lazy as _

from core.imports.kinds import ImportKind
from core.imports.pages import PageResource, index_listing, page_permission
from core.imports.resources import ChoiceWidget, ReferencesWidget, column
from core.models import Topic

from .models import LecturerCategory, LecturerIndexPage, LecturerPage


class LecturerResource(PageResource):
    """讲师: a row finds the lecturer by name (the page's title)."""

    title = column("title", "姓名")
    job_title = column("job_title", "职务职称")
    unit = column("unit", "单位")
    category = column("category", "类别", ChoiceWidget(LecturerCategory))
    topics = column("topics", "专题", ReferencesWidget(Topic), readonly=True)

    index_model = LecturerIndexPage
    required = ("category",)
    filename = "讲师"

    class Meta(PageResource.Meta):
        model = LecturerPage
        import_id_fields = ("title",)
        fields = ("title", "job_title", "unit", "category", "topics")

    def example_row(self):
        return {
            "title": "王建国",
            "job_title": "教授",
            "unit": "中共烟台市委党校",
            "category": str(LecturerCategory.choices[0][1]),
        }


def lecturer_kind() -> ImportKind:
    return ImportKind(
        slug="lecturers",
        label=_("Lecturers"),
        resource_class=LecturerResource,
        permission=page_permission(LecturerIndexPage),
        listing=index_listing(LecturerIndexPage),
    )
