from wagtail import hooks

from core.imports.buttons import index_page_buttons
from core.imports.kinds import HOOK as IMPORT_KINDS

from .models import CourseIndexPage
from .resources import course_kind

hooks.register(IMPORT_KINDS, course_kind)
hooks.register("register_page_header_buttons", index_page_buttons("courses", CourseIndexPage))
