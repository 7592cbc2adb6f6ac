from wagtail import hooks

from core.imports.kinds import HOOK as IMPORT_KINDS

from .resources import course_kind

hooks.register(IMPORT_KINDS, course_kind)
