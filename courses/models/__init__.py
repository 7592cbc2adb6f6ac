from .catalogue import (
    CourseFormat,
    CourseIndexPage,
    CourseMaterial,
    CoursePage,
    lecturer_queryset,
)
from .programmes import Cohort, ProgrammeIndexPage, ProgrammePage, Session

__all__ = [
    "Cohort",
    "CourseFormat",
    "CourseIndexPage",
    "CourseMaterial",
    "CoursePage",
    "ProgrammeIndexPage",
    "ProgrammePage",
    "Session",
    "lecturer_queryset",
]
