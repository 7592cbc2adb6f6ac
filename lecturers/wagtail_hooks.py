from wagtail import hooks

from core.imports.buttons import index_page_buttons
from core.imports.kinds import HOOK as IMPORT_KINDS

from .models import LecturerIndexPage
from .resources import lecturer_kind

hooks.register(IMPORT_KINDS, lecturer_kind)
hooks.register("register_page_header_buttons", index_page_buttons("lecturers", LecturerIndexPage))
