"""Previewing and applying an import: every row or none, each error in Chinese.

1. `preview_import` keeps the uploaded file in an `ImportRecord` and runs the kind's resource
   as a dry run (`import_data(dry_run=True)`, rolled back), storing counts, the first rows and
   every error; a file refused outright (`reading.ImportRefused`) is recorded as failed.
2. `apply_import` reads the kept file again and runs the import for real inside one
   `transaction.atomic()`: any invalid row or error rolls everything back and the record says
   failed; otherwise the record says imported, and Wagtail's audit log has `core.import` (who,
   file, counts) in the same transaction.
"""

from collections.abc import Callable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export.results import RowResult
from wagtail.log_actions import log

from .kinds import ImportKind
from .models import ImportRecord
from .reading import ImportRefused, read_rows, to_dataset

PREVIEW_ROWS = 500
TYPES = {
    RowResult.IMPORT_TYPE_NEW: "new",
    RowResult.IMPORT_TYPE_UPDATE: "updated",
    RowResult.IMPORT_TYPE_SKIP: "unchanged",
    RowResult.IMPORT_TYPE_INVALID: "invalid",
    RowResult.IMPORT_TYPE_ERROR: "invalid",
}


class ImportFailed(Exception):
    """Raised inside the transaction to roll an import back; carries the errors."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(errors)


def error_messages(error, columns: dict[str, str]) -> list[str]:
    """An exception of a row as sentences naming their column."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        messages = []
        for name, errors in error.message_dict.items():
            for message in errors:
                if name == NON_FIELD_ERRORS or name not in columns:
                    messages.append(message)
                else:
                    messages.append(f"{columns[name]}：{message}")
        return messages
    if isinstance(error, ValidationError):
        return list(error.messages)
    return [str(getattr(error, "message", error))]


def duplicate_key_errors(resource, dataset) -> list[dict]:
    """Rows that name the same natural key as an earlier row of the file."""
    key_fields = [
        resource.fields[name] for name in resource.natural_key() if name in resource.fields
    ]
    if not key_fields or not all(field.column_name in dataset.headers for field in key_fields):
        return []
    seen, errors = {}, []
    for number, values in zip(dataset.row_numbers, dataset, strict=True):
        row = dict(zip(dataset.headers, values, strict=True))
        try:
            resource.before_import_row(row)
            key = tuple(str(field.clean(row)) for field in key_fields)
        except Exception:  # noqa: BLE001 (the row's own error is reported by the import)
            continue
        if not any(key) or key == ("None",) * len(key):
            continue
        if key in seen:
            errors.append(
                {
                    "row": number,
                    "message": _("Same %(columns)s as row %(first)d: each may appear once.")
                    % {
                        "columns": "、".join(field.column_name for field in key_fields),
                        "first": seen[key],
                    },
                }
            )
        else:
            seen[key] = number
    return errors


def read_dataset(kind: ImportKind, resource, name: str, content: bytes):
    rows = read_rows(name, content)
    return to_dataset(rows, aliases=resource.aliases(), required=resource.required_columns())


def run(
    kind: ImportKind,
    *,
    name: str,
    content: bytes,
    by,
    dry_run: bool,
    progress: Callable[[int], None] | None = None,
    resource_kwargs: dict | None = None,
    **kwargs,
) -> dict:
    """Import a file's rows; returns counts, rows and errors. Raises ImportRefused for a file
    that cannot be read, ImportFailed (after rolling back) when any row is wrong."""
    resource = kind.resource(user=by, **(resource_kwargs or {}))
    dataset = read_dataset(kind, resource, name, content)
    errors = duplicate_key_errors(resource, dataset)
    if errors:
        raise ImportFailed(errors)
    columns = resource.column_names()
    if progress:
        resource.progress = progress
    with transaction.atomic():
        result = resource.import_data(
            dataset,
            dry_run=dry_run,
            use_transactions=True,
            rollback_on_validation_errors=True,
            user=by,
            **kwargs,
        )
        outcome = {"new": 0, "updated": 0, "unchanged": 0, "invalid": 0, "rows": []}
        errors = [
            {"row": None, "message": message}
            for base in result.base_errors
            for message in error_messages(base.error, columns)
        ]
        for index, row_result in enumerate(result.rows):
            number = dataset.row_numbers[index] if index < len(dataset.row_numbers) else None
            kind_of_row = TYPES.get(row_result.import_type, "unchanged")
            messages = []
            if row_result.validation_error is not None:
                messages += error_messages(row_result.validation_error, columns)
            for error in row_result.errors:
                messages += error_messages(error.error, columns)
            if messages:
                kind_of_row = "invalid"
            outcome[kind_of_row] += 1
            errors += [{"row": number, "message": message} for message in messages]
            if index < PREVIEW_ROWS:
                outcome["rows"].append(
                    {
                        "row": number,
                        "type": kind_of_row,
                        "values": [str(value) for value in dataset[index]],
                        "errors": messages,
                    }
                )
        outcome["headers"] = list(dataset.headers)
        outcome["resource"] = resource
        outcome["errors"] = errors
        if errors:
            transaction.set_rollback(True)
            if not dry_run:
                raise ImportFailed(errors)
    return outcome


def preview_import(
    kind: ImportKind, *, upload, by, progress=None, resource_kwargs=None
) -> ImportRecord:
    """Keep the file and dry-run it (see the module's docstring, step 1)."""
    content = upload.read()
    record = ImportRecord(kind=kind.slug, file_name=upload.name, user=by)
    try:
        outcome = run(
            kind,
            name=upload.name,
            content=content,
            by=by,
            dry_run=True,
            progress=progress,
            resource_kwargs=resource_kwargs,
        )
    except ImportRefused as refusal:
        record.status = ImportRecord.Status.FAILED
        record.errors = [{"row": None, "message": refusal.message}]
        content = content[: 10 * 1024 * 1024]
    except ImportFailed as failure:
        record.status = ImportRecord.Status.FAILED
        record.errors = failure.errors
    else:
        fill(record, outcome)
        # A file with any wrong row can never be applied: it failed, shown with its preview.
        record.status = (
            ImportRecord.Status.FAILED if record.errors else ImportRecord.Status.PREVIEWED
        )
    with transaction.atomic():
        record.file.save(upload.name, ContentFile(content), save=False)
        record.save()
        if record.status == ImportRecord.Status.FAILED:
            log_import(record, by)
    return record


def fill(record: ImportRecord, outcome: dict) -> None:
    record.new = outcome["new"]
    record.updated = outcome["updated"]
    record.unchanged = outcome["unchanged"]
    record.invalid = outcome["invalid"]
    record.errors = outcome["errors"]
    record.preview = {"headers": outcome["headers"], "rows": outcome["rows"]}


def apply_import(
    record: ImportRecord, kind: ImportKind, *, by, progress=None, resource_kwargs=None
) -> ImportRecord:
    """Apply a previewed file whole, or nothing of it (the module's docstring, step 2)."""
    with record.file.open("rb") as file:
        content = file.read()
    try:
        with transaction.atomic():
            outcome = run(
                kind,
                name=record.file_name,
                content=content,
                by=by,
                dry_run=False,
                progress=progress,
                resource_kwargs=resource_kwargs,
            )
            fill(record, outcome)
            # The resource that applied it, for a caller that needs what it made (the group).
            record.resource = outcome["resource"]
            record.status = ImportRecord.Status.APPLIED
            record.finished_at = timezone.now()
            record.user = by
            record.save()
            log_import(record, by)
    except (ImportRefused, ImportFailed) as failure:
        record.refresh_from_db()
        record.status = ImportRecord.Status.FAILED
        record.finished_at = timezone.now()
        record.errors = (
            [{"row": None, "message": failure.message}]
            if isinstance(failure, ImportRefused)
            else failure.errors
        )
        with transaction.atomic():
            record.save()
            log_import(record, by)
    return record


def log_import(record: ImportRecord, by) -> None:
    log(
        record,
        "core.import" if record.status == ImportRecord.Status.APPLIED else "core.import_failed",
        user=by,
        data={
            "kind": record.kind,
            "file_name": record.file_name,
            "new": record.new,
            "updated": record.updated,
            "unchanged": record.unchanged,
            "invalid": record.invalid,
            "errors": len(record.errors),
        },
    )


def import_file(kind: ImportKind, *, name: str, content: bytes, by, dry_run: bool, progress=None):
    """For the management command: an ImportRecord for a file on disk, previewed or applied."""
    upload = ContentFile(content, name=name)
    record = preview_import(kind, upload=upload, by=by, progress=None if not dry_run else progress)
    if dry_run or record.status != ImportRecord.Status.PREVIEWED or record.errors:
        return record
    return apply_import(record, kind, by=by, progress=progress)
