import io

from core.imports.exporting import export_rows, write_xlsx
from core.imports.kinds import get_kind
from core.imports.models import ImportRecord
from core.imports.services import apply_import, preview_import

from .conftest import upload


def exported(slug: str, user, params=None) -> list[list]:
    resource = get_kind(slug).resource(user=user)
    return list(export_rows(resource, resource.export_queryset(params or {})))


def exported_xlsx(slug: str, user, params=None) -> bytes:
    file = io.BytesIO()
    write_xlsx(exported(slug, user, params), file)
    return file.getvalue()


def import_file(slug: str, name: str, content: bytes, user) -> ImportRecord:
    """Preview, then apply when the preview allows it."""
    kind = get_kind(slug)
    record = preview_import(kind, upload=upload(name, content), by=user)
    if record.can_apply:
        record = apply_import(record, kind, by=user)
    return record


def messages(record: ImportRecord) -> list[str]:
    return [
        (f"{error['row']}: " if error["row"] else "") + error["message"] for error in record.errors
    ]
