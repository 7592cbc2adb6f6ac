"""Spreadsheet exports that a spreadsheet program cannot turn against the staff who open them.

A trainee or a unit types the names, units and titles that staff later export. A cell that
starts with `=`, `+`, `-` or `@` (or a tab or carriage return before one) is read by Excel, WPS
and LibreOffice as a formula: `=HYPERLINK("http://…","点我")` becomes a link, `=cmd|…` a
command (OWASP, "CSV Injection"). Every export neutralises such text by putting a `'` in front,
which makes the cell text in every program, the way Excel itself marks typed text. Only
strings are touched: numbers and dates the code wrote (a count, a negative amount) stay numbers.
CSV is written as UTF-8 with a byte-order mark, without which Excel on a Chinese Windows reads
it as GBK and shows mojibake.

How to use it (one import):

- a Wagtail `list_export` (SnippetViewSet or ModelViewSet): put `SafeExportMixin` first in the
  index view's bases, or use `SafeSnippetIndexView` as the viewset's `index_view_class`;
- any other table (a django-import-export resource's `export_field`, a management command, a
  hand-written CSV): pass each cell through `neutralise()`, and start a CSV file with `CSV_BOM`.
"""

from django.http import StreamingHttpResponse
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView

CSV_BOM = "\ufeff"
# What a spreadsheet program reads as the start of a formula; tab and CR because a program
# that strips them before parsing would see the character after them.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """`value` made safe to write into a spreadsheet cell: formula-looking text gets a `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unneutralise(text: str) -> str:
    """A cell of an exported sheet read back as it was typed: `neutralise`'s `'` taken off
    formula-looking text again, so exporting and importing a sheet changes nothing."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


class SafeExportMixin:
    """For views with Wagtail's SpreadsheetExportMixin: every cell, CSV and XLSX alike, goes
    through `neutralise()` after Wagtail's own conversion (so a lazy string or a model's
    `__str__` is caught as text), and CSV starts with the byte-order mark."""

    def preprocess_field_value(self, field, value, export_format):
        return neutralise(super().preprocess_field_value(field, value, export_format))

    def stream_csv(self, queryset):
        yield CSV_BOM.encode()
        yield from super().stream_csv(queryset)

    def write_csv_response(self, queryset) -> StreamingHttpResponse:
        response = super().write_csv_response(queryset)
        response["Content-Type"] = "text/csv; charset=utf-8"
        return response


class SafeSnippetIndexView(SafeExportMixin, SnippetIndexView):
    """A snippet listing whose exports are safe: the `index_view_class` for plain snippets."""
