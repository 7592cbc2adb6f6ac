"""Exports of a kind, streamed: CSV row by row (UTF-8 with BOM), XLSX through openpyxl's
write-only workbook (rows go to a temporary file, not memory). Every cell has been through
`neutralise` and the masking in `AcademyResource.export_field`."""

import csv
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from core.exports import CSV_BOM

CHUNK = 2000


def export_rows(resource, queryset):
    """The header row, then one row per object, read in chunks."""
    yield [field.column_name for field in resource.get_export_fields()]
    row = resource.row_exporter()
    for instance in resource.export_instances(queryset, chunk_size=CHUNK):
        yield row(instance)


def export_filename(resource, parts, extension: str) -> str:
    """报名_第3期_20261128.xlsx: what, of which, exported when (local date)."""
    date = timezone.localdate().strftime("%Y%m%d")
    return "_".join([resource.filename, *parts, date]) + f".{extension}"


class Echo:
    def write(self, value):
        return value


def stream_csv(rows):
    writer = csv.writer(Echo())
    yield CSV_BOM.encode()
    for row in rows:
        yield writer.writerow(["" if value is None else value for value in row]).encode()


def csv_response(rows, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(stream_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def write_xlsx(rows, file) -> None:
    import openpyxl  # noqa: PLC0415

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(["" if value is None else value for value in row])
    workbook.save(file)


def xlsx_response(rows, filename: str) -> FileResponse:
    file = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    write_xlsx(rows, file)
    file.seek(0)
    return FileResponse(
        file,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def template_workbook(resource, file) -> None:
    """The kind's template: headers, an example row, columns formatted as text, and a sheet
    of notes with whether each column is required and the values it allows."""
    import openpyxl  # noqa: PLC0415
    from openpyxl.styles import Font  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    from .resources import ChoiceWidget, ReferenceWidget  # noqa: PLC0415

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "数据"
    fields = resource.template_fields()
    example = resource.example_row()
    required = set(resource.required_columns())
    sheet.append([field.column_name for field in fields])
    sheet.append([example.get(field.attribute, "") for field in fields])
    for index, field in enumerate(fields, start=1):
        sheet.cell(row=1, column=index).font = Font(bold=field.column_name in required)
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(field.column_name) * 3)
        for row in range(2, 502):
            sheet.cell(row=row, column=index).number_format = "@"
    notes = workbook.create_sheet("说明")
    notes.append(["列", "必填", "可填的值"])
    for field in fields:
        allowed = ""
        if isinstance(field.widget, ChoiceWidget):
            allowed = "、".join(field.widget.allowed())
        elif isinstance(field.widget, ReferenceWidget):
            names = list(field.widget.table())[:50]
            allowed = "、".join(names)
        notes.append([field.column_name, "是" if field.column_name in required else "", allowed])
    notes.append([])
    notes.append(["请删除示例行后填写；手机号、身份证号请按文本填写，不要用公式。"])
    workbook.save(file)
