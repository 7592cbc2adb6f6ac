"""Reading an uploaded spreadsheet into a `tablib.Dataset` of text, or refusing it.

Everything that can be said about a file before a row is looked at is said here, in one
`ImportRefused` with a message for staff: the size limit (`ACADEMY_IMPORT_MAX_BYTES`, 10 MB by
default), a name that is not .xlsx/.xls/.csv, a file that is not what its name says, a corrupt
workbook, a formula where a value belongs, an empty sheet, and headers the kind does not know or
misses. Every cell comes back as stripped text (numbers Excel stored as numbers are written back
without ".0"), so that the resources' widgets see what staff typed.
"""

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from pathlib import PurePath

import tablib
from django.conf import settings
from django.utils.translation import gettext as _

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
EXTENSIONS = (".xlsx", ".xls", ".csv")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# What Chinese Excel and WPS write a CSV in: UTF-8 (with or without a byte-order mark) or GBK,
# read as its superset GB18030.
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


class ImportRefused(Exception):
    """A file that cannot be imported at all; the message says why, for staff."""

    def __init__(self, message):
        self.message = str(message)
        super().__init__(self.message)


def max_bytes() -> int:
    return getattr(settings, "ACADEMY_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def cell_text(value) -> str:
    """A cell as the text staff typed: integers without ".0", dates as ISO text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def check_size(size: int) -> None:
    limit = max_bytes()
    if size > limit:
        raise ImportRefused(
            _("The file is %(size).1f MB; files up to %(limit).0f MB can be imported.")
            % {"size": size / 1024 / 1024, "limit": limit / 1024 / 1024}
        )


def read_rows(name: str, content: bytes) -> list[list[str]]:
    """The rows of the file's first sheet as text, header row first."""
    check_size(len(content))
    suffix = PurePath(name or "").suffix.lower()
    if suffix not in EXTENSIONS:
        raise ImportRefused(
            _("Only .xlsx, .xls and .csv files can be imported; this one is “%(name)s”.")
            % {"name": name}
        )
    if suffix == ".xlsx":
        return read_xlsx(content)
    if suffix == ".xls":
        return read_xls(content)
    return read_csv(content)


def not_what_it_says(suffix: str) -> ImportRefused:
    return ImportRefused(
        _(
            "This file is not a real %(suffix)s file, whatever its name says; open it in Excel "
            "and save it again as .xlsx or .csv."
        )
        % {"suffix": suffix}
    )


def read_xlsx(content: bytes) -> list[list[str]]:
    """The first sheet's cells, read once as written (not `data_only`): a formula shows as a
    formula, where the cached value a `data_only` read gives would hide it, and is refused;
    every other cell's value is the same either way, so one pass gives both."""
    import openpyxl  # noqa: PLC0415 (only imports read workbooks)

    if not content.startswith(ZIP_MAGIC):
        raise not_what_it_says(".xlsx")
    damaged = _("The workbook is damaged and cannot be read (%(error)s); save it again in Excel.")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a broken archive
        raise ImportRefused(damaged % {"error": error.__class__.__name__}) from error
    rows = []
    try:
        for row in workbook.worksheets[0].iter_rows():
            values = []
            for cell in row:
                if cell.data_type == "f":
                    raise ImportRefused(
                        _(
                            "Cell %(cell)s holds a formula (%(formula)s); please paste its "
                            "value instead (Paste Special → Values)."
                        )
                        % {"cell": cell.coordinate, "formula": str(cell.value)[:40]}
                    )
                values.append(cell_text(cell.value))
            rows.append(values)
    except ImportRefused:
        raise
    except Exception as error:
        raise ImportRefused(damaged % {"error": error.__class__.__name__}) from error
    finally:
        workbook.close()
    return rows


def read_xls(content: bytes) -> list[list[str]]:
    """The first sheet of an old Excel (97–2003) workbook, through xlrd.

    A .xls keeps a date as a number with a date format: it comes back as a date ("2026-12-01"),
    a date and time ("2026-12-01 09:00") or a time of day ("09:00"); a number that is whole as
    an integer, so a phone typed as a number reads as its 11 digits. xlrd gives a formula's
    last value, not the formula: an old workbook's formulas cannot be refused as .xlsx's are.
    """
    import xlrd  # noqa: PLC0415 (only imports read workbooks)

    if not content.startswith(OLE_MAGIC):
        raise not_what_it_says(".xls")

    def text(cell, datemode: int) -> str:
        if cell.ctype == xlrd.XL_CELL_DATE:
            moment = xlrd.xldate.xldate_as_datetime(cell.value, datemode)
            if cell.value < 1:  # a time without a date
                return moment.strftime("%H:%M")
            return cell_text(moment.date() if moment.time() == datetime.time() else moment)
        if cell.ctype == xlrd.XL_CELL_BOOLEAN:
            return cell_text(bool(cell.value))
        if cell.ctype == xlrd.XL_CELL_ERROR:
            return xlrd.error_text_from_code.get(cell.value, "")
        return cell_text(cell.value)

    try:
        # xlrd writes its warnings about a damaged file to `logfile` (stdout by default).
        book = xlrd.open_workbook(file_contents=content, logfile=io.StringIO(), on_demand=True)
        try:
            sheet = book.sheet_by_index(0)
            return [
                [text(cell, book.datemode) for cell in sheet.row(index)]
                for index in range(sheet.nrows)
            ]
        finally:
            book.release_resources()
    except Exception as error:  # xlrd raises many kinds for a broken file
        raise ImportRefused(
            _("The workbook is damaged and cannot be read (%(error)s); save it again in Excel.")
            % {"error": error.__class__.__name__}
        ) from error


def read_csv(content: bytes) -> list[list[str]]:
    if content.startswith((ZIP_MAGIC, OLE_MAGIC)) or b"\x00" in content[:4096]:
        raise not_what_it_says(".csv")
    for encoding in CSV_ENCODINGS:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRefused(
            _(
                "The CSV file's text encoding is neither UTF-8 nor GBK; save it again as "
                "“CSV UTF-8”."
            )
        )
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]


def to_dataset(
    rows: Sequence[Sequence[str]],
    *,
    aliases: dict[str, str],
    required: Iterable[str],
) -> tablib.Dataset:
    """The rows under their canonical headers (the kind's Chinese column names).

    `aliases` maps every accepted spelling of a header (Chinese, English, the field's name; in
    lower case) to its canonical column name. Blank rows are left out; the row number staff see
    is kept in the dataset's `row_numbers` (the header is row 1).
    """
    rows = list(rows)
    while rows and not any(rows[0]):
        rows.pop(0)
    if not rows:
        raise ImportRefused(_("The sheet is empty: it has no header row and no data."))
    header_row = [str(cell).strip() for cell in rows[0]]
    width = len(header_row)
    while width and not header_row[width - 1]:
        width -= 1
    headers, unknown = [], []
    for cell in header_row[:width]:
        canonical = aliases.get(cell.lower())
        if canonical is None:
            unknown.append(cell or _("(blank)"))
        headers.append(canonical)
    if unknown:
        raise ImportRefused(
            _("Unknown column headers: %(unknown)s. The headers this sheet takes are: %(known)s.")
            % {"unknown": "、".join(unknown), "known": "、".join(dict.fromkeys(aliases.values()))}
        )
    repeated = sorted({header for header in headers if headers.count(header) > 1})
    if repeated:
        raise ImportRefused(
            _("These columns appear twice: %(columns)s.") % {"columns": "、".join(repeated)}
        )
    missing = [column for column in required if column not in headers]
    if missing:
        raise ImportRefused(
            _("Missing columns: %(columns)s. Download the template to see the headers.")
            % {"columns": "、".join(missing)}
        )
    dataset = tablib.Dataset(headers=headers)
    dataset.row_numbers = []
    for number, row in enumerate(rows[1:], start=2):
        cells = [str(cell) for cell in row[:width]] + [""] * (width - len(row))
        if any(cells):
            dataset.append(cells)
            dataset.row_numbers.append(number)
    if not len(dataset):
        raise ImportRefused(_("The sheet has headers but no rows of data."))
    return dataset
