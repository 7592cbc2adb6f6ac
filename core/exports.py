"""Spreadsheet exports that a spreadsheet program cannot turn against the staff who open them.

A trainee or a unit types the names, units and titles that staff later export. A cell that
starts with `=`, `+`, `-` or `@` (or a tab or carriage return before one) is read by Excel, WPS
and LibreOffice as a formula: `=HYPERLINK("http://…","点我")` becomes a link, `=cmd|…` a
command (OWASP, "CSV Injection"). Every export neutralises such text by putting a `'` in front,
which makes the cell text in every program, the way Excel itself marks typed text. Only
strings are touched: numbers and dates the code wrote (a count, a negative amount) stay numbers.
CSV is written as UTF-8 with a byte-order mark, without which Excel on a Chinese Windows reads
it as GBK and shows mojibake.

Every admin listing exports through its spreadsheet kind (`core.imports`), whose resources pass
each cell through `neutralise()` and whose CSV starts with `CSV_BOM`; any other table (a
management command, a formatted workbook) does the same. Wagtail's own listing export
(`list_export`, `?export=csv`) is not used: it would be a second way out, without the masking.
"""

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
