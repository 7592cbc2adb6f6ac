from wagtail import hooks

from core.imports.kinds import HOOK as IMPORT_KINDS

from .resources import lecturer_kind

hooks.register(IMPORT_KINDS, lecturer_kind)
