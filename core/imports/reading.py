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
import posixpath
import pyexpat
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import PurePath

import tablib
from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import (
    CALENDAR_MAC_1904,
    CALENDAR_WINDOWS_1900,
    from_excel,
    from_ISO8601,
)
from openpyxl.xml.functions import fromstring  # defusedxml's, when it is installed

from core.exports import unneutralise

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
    every other cell's value is the same either way, so one pass gives both.

    The workbook's few small parts (relationships, the sheet list, the number formats) are read
    with openpyxl's parser; the sheet and its shared strings, nearly all of the file, are
    streamed through expat (`XlsxSheet`), which reads them several times faster than openpyxl's
    read-only worksheet, cell for cell the same values (openpyxl's own conversions are used)."""
    if not content.startswith(ZIP_MAGIC):
        raise not_what_it_says(".xlsx")
    damaged = _("The workbook is damaged and cannot be read (%(error)s); save it again in Excel.")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return XlsxWorkbook(archive).first_sheet_rows()
    except ImportRefused:
        raise
    except Exception as error:  # a broken archive or part raises many kinds
        raise ImportRefused(damaged % {"error": error.__class__.__name__}) from error


def formula_refused(coordinate: str, formula: str) -> ImportRefused:
    return ImportRefused(
        _(
            "Cell %(cell)s holds a formula (%(formula)s); please paste its "
            "value instead (Paste Special → Values)."
        )
        % {"cell": coordinate, "formula": formula[:40]}
    )


def local_name(tag: str) -> str:
    """`{namespace}row` → `row` (the transitional and the strict namespaces alike)."""
    return tag.rpartition("}")[2]


class XlsxWorkbook:
    """Where an .xlsx keeps its first worksheet, shared strings, date styles and epoch, as
    openpyxl's reader finds them (`openpyxl.reader.excel`)."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        names = set(archive.namelist())
        package = self.relationships("_rels/.rels")
        workbook_path = next(
            (path for kind, path in package.values() if kind.endswith("/officeDocument")),
            "xl/workbook.xml",
        )
        self.parts = self.relationships(relationships_path(workbook_path), base=workbook_path)
        workbook = fromstring(archive.read(workbook_path))
        self.date1904 = False
        self.sheet_path = None
        for element in workbook.iter():
            name = local_name(element.tag)
            if name == "workbookPr":
                self.date1904 = element.get("date1904", "").lower() in ("1", "true")
            elif name == "sheet" and self.sheet_path is None:
                rel = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
                kind, path = self.parts.get(rel, ("", ""))
                if kind.endswith("/worksheet") and path in names:
                    self.sheet_path = path
        if self.sheet_path is None:
            raise KeyError("worksheet")

    def relationships(self, path: str, base: str = "") -> dict[str, tuple[str, str]]:
        """Id → (type, part path) of a relationships part; none when it is missing."""
        try:
            tree = fromstring(self.archive.read(path))
        except KeyError:
            return {}
        found = {}
        for element in tree:
            target = element.get("Target", "")
            if element.get("TargetMode") == "External":
                continue
            if target.startswith("/"):
                target = target[1:]
            else:
                target = posixpath.normpath(posixpath.join(posixpath.dirname(base), target))
            found[element.get("Id")] = (element.get("Type", ""), target)
        return found

    def part(self, kind: str) -> str | None:
        return next((path for k, path in self.parts.values() if k.endswith(kind)), None)

    def date_styles(self) -> tuple[set[str], set[str]]:
        """The indexes (as text, as cells name them) of the cell styles whose number format is
        a date, and of those that are a duration: openpyxl's `Stylesheet._normalise_numbers`."""

        path = self.part("/styles")
        if path is None or path not in self.archive.namelist():
            return set(), set()
        tree = fromstring(self.archive.read(path))
        custom, dates, durations = {}, set(), set()
        for element in tree:
            if local_name(element.tag) == "numFmts":
                for number_format in element:
                    custom[number_format.get("numFmtId")] = number_format.get("formatCode")
        for element in tree:
            if local_name(element.tag) != "cellXfs":
                continue
            for index, style in enumerate(element):
                number_format_id = style.get("numFmtId", "0")
                if number_format_id in custom:
                    code = custom[number_format_id]
                else:
                    code = builtin_format_code(int(number_format_id))
                if is_date_format(code):
                    dates.add(str(index))
                if is_timedelta_format(code):
                    durations.add(str(index))
        return dates, durations

    def shared_strings(self) -> list[str]:
        path = self.part("/sharedStrings")
        if path is None or path not in self.archive.namelist():
            return []
        reader = XlsxStrings()
        with self.archive.open(path) as source:
            stream(source, reader)
        return reader.strings

    def first_sheet_rows(self) -> list[list[str]]:
        dates, durations = self.date_styles()
        sheet = XlsxSheet(
            strings=self.shared_strings(),
            dates=dates,
            durations=durations,
            epoch=CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900,
        )
        with self.archive.open(self.sheet_path) as source:
            stream(source, sheet)
        return sheet.rows


def relationships_path(path: str) -> str:
    folder, name = posixpath.split(path)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def stream(source, handler) -> None:
    """Feed an XML part through expat to `handler`'s start, end and text methods, in chunks.
    Like defusedxml (which openpyxl uses), a part that declares entities is refused."""
    parser = pyexpat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.buffer_size = 65536
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.text

    def refuse_entities(*args):
        raise ValueError("entity declaration")

    parser.EntityDeclHandler = refuse_entities
    while chunk := source.read(65536):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


class XlsxStrings:
    """The shared strings part: each `<si>`'s text, its runs joined, phonetic guides (`<rPh>`)
    left out, as openpyxl's `read_string_table`."""

    def __init__(self):
        self.strings = []
        self.pieces = []
        self.buffer = None
        self.phonetic = 0

    def start(self, tag, attrs):
        name = local_name(tag)
        if name == "t" and not self.phonetic:
            self.buffer = []
        elif name == "rPh":
            self.phonetic += 1

    def end(self, tag):
        name = local_name(tag)
        if name == "t" and self.buffer is not None:
            self.pieces.append("".join(self.buffer))
            self.buffer = None
        elif name == "rPh":
            self.phonetic -= 1
        elif name == "si":
            self.strings.append("".join(self.pieces).replace("x005F_", ""))
            self.pieces = []

    def text(self, data):
        if self.buffer is not None:
            self.buffer.append(data)


class XlsxSheet:
    """A worksheet's rows as text, cell by cell as openpyxl's `WorkSheetParser.parse_cell`
    gives them (numbers, dates by their style, booleans, shared and inline strings), with
    the first formula refused. Row n of the sheet is `rows[n - 1]`; a missing row is empty."""

    def __init__(self, *, strings, dates, durations, epoch):
        self.strings = strings
        self.dates = dates
        self.durations = durations
        self.epoch = epoch
        self.rows = []
        self.row = None
        self.row_number = 0
        self.column = 0
        self.type = "n"
        self.style = None
        self.value = None
        self.formula = None
        self.inline = None
        self.buffer = None
        self.phonetic = 0
        self.names = {}

    def name(self, tag: str) -> str:
        name = self.names.get(tag)
        if name is None:
            name = self.names[tag] = local_name(tag)
        return name

    def start(self, tag, attrs):
        name = self.name(tag)
        if name == "c":
            reference = attrs.get("r")
            self.column = column_number(reference) if reference else self.column + 1
            self.type = attrs.get("t", "n")
            self.style = attrs.get("s")
            self.value = self.formula = self.inline = None
        elif name == "v" or name == "f":
            self.buffer = []
        elif name == "row":
            number = attrs.get("r")
            self.row_number = int(float(number)) if number else self.row_number + 1
            self.row = []
            self.column = 0
        elif name == "is":
            self.inline = []
        elif name == "t" and self.inline is not None and not self.phonetic:
            self.buffer = []
        elif name == "rPh":
            self.phonetic += 1

    def end(self, tag):
        name = self.name(tag)
        if name == "v":
            self.value = "".join(self.buffer) or None
            self.buffer = None
        elif name == "c":
            self.cell()
        elif name == "row":
            self.finish_row()
        elif name == "f":
            self.formula = "=" + "".join(self.buffer)
            self.buffer = None
        elif name == "t" and self.buffer is not None:
            self.inline.append("".join(self.buffer))
            self.buffer = None
        elif name == "rPh":
            self.phonetic -= 1

    def text(self, data):
        if self.buffer is not None:
            self.buffer.append(data)

    def cell(self):
        if self.formula is not None:
            raise formula_refused(
                f"{get_column_letter(self.column)}{self.row_number}", self.formula
            )
        value, kind = self.value, self.type
        if kind == "inlineStr":
            value = "".join(self.inline) if self.inline is not None else None
        elif value is None:
            return
        elif kind == "n":
            value = cast_number(value)
            if self.style in self.dates:
                value = self.date(value)
        elif kind == "s":
            value = self.strings[int(value)]
        elif kind == "b":
            value = bool(int(value))
        elif kind == "d":
            value = from_ISO8601(value)
        text = cell_text(value)
        if not text:
            return
        row = self.row if self.row is not None else []
        if len(row) < self.column - 1:
            row.extend([""] * (self.column - 1 - len(row)))
        if len(row) >= self.column:
            row[self.column - 1] = text
        else:
            row.append(text)
        self.row = row

    def date(self, value):
        try:
            return from_excel(value, self.epoch, timedelta=self.style in self.durations)
        except (OverflowError, ValueError):
            return "#VALUE!"

    def finish_row(self):
        # As openpyxl's read-only sheet: missing rows come back empty, a row numbered at or
        # before one already read is left out.
        if self.row_number <= len(self.rows):
            return
        self.rows.extend([] for _ in range(self.row_number - 1 - len(self.rows)))
        self.rows.append(self.row or [])
        self.row = None


COLUMNS = {}


def column_number(reference: str) -> int:
    """ "C12" → 3."""
    letters = reference.rstrip("0123456789")
    number = COLUMNS.get(letters)
    if number is None:
        number = 0
        for letter in letters.upper():
            number = number * 26 + ord(letter) - 64
        COLUMNS[letters] = number
    return number


def cast_number(value: str):
    """openpyxl's `_cast_number`: a float where Excel wrote a point or an exponent."""
    if "." in value or "E" in value or "e" in value:
        return float(value)
    return int(value)


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
    is kept in the dataset's `row_numbers` (the header is row 1). A cell an export neutralised
    (`'=1+1`) is read as it was typed (`=1+1`).
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
        cells = [unneutralise(str(cell)) for cell in row[:width]] + [""] * (width - len(row))
        if any(cells):
            dataset.append(cells)
            dataset.row_numbers.append(number)
    if not len(dataset):
        raise ImportRefused(_("The sheet has headers but no rows of data."))
    return dataset
