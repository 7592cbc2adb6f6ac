from wagtail import hooks

from core.imports.kinds import HOOK as IMPORT_KINDS

from .resources import base_kind

hooks.register(IMPORT_KINDS, base_kind)
