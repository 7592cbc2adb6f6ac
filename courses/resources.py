"""The courses' spreadsheet kind: one row per course page, by title; saved as drafts."""

from django.utils.translation import gettext_lazy as _

from bases.models import TrainingBasePage
from core.imports.kinds import ImportKind
from core.imports.pages import PageResource, index_listing, page_permission
from core.imports.resources import ChoiceWidget, DecimalWidget, ReferenceWidget, column

from .models import CourseFormat, CourseIndexPage, CoursePage


class CourseResource(PageResource):
    """课程: a row finds the course by title; changes wait as a draft revision."""

    title = column("title", "课程名称")
    format = column("format", "形式", ChoiceWidget(CourseFormat))
    study_hours = column("study_hours", "学时", DecimalWidget())
    summary = column("summary", "简介")
    base = column("base", "实训基地", ReferenceWidget(TrainingBasePage, field="title"))

    index_model = CourseIndexPage
    required = ("format", "summary")
    filename = "课程"

    class Meta(PageResource.Meta):
        model = CoursePage
        import_id_fields = ("title",)
        fields = ("title", "format", "study_hours", "summary", "base")

    def example_row(self):
        return {
            "title": "红色物业专题",
            "format": str(CourseFormat.choices[0][1]),
            "study_hours": "2.0",
            "summary": "课程简介",
        }


def course_kind() -> ImportKind:
    return ImportKind(
        slug="courses",
        label=_("Courses"),
        resource_class=CourseResource,
        permission=page_permission(CourseIndexPage),
        listing=index_listing(CourseIndexPage),
    )
