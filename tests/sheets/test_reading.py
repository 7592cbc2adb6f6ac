"""The .xlsx reader (`core.imports.reading.read_xlsx`): what staff typed comes back as the text
they typed, from the first sheet, with every formula refused by its cell."""

import datetime
import io
import zipfile

import openpyxl
import pytest
from django.utils import translation

from core.imports.reading import ImportRefused, read_xlsx, to_dataset

from .conftest import xlsx_bytes

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def rows(content: bytes) -> list[list[str]]:
    """The sheet's rows as text, without the blank cells that end a row."""
    found = [list(row) for row in read_xlsx(content)]
    for row in found:
        while row and not row[-1]:
            row.pop()
    return found


def refusal(content: bytes) -> str:
    with pytest.raises(ImportRefused) as refused:
        read_xlsx(content)
    return refused.value.message


def excel_workbook(sheet_data: str, shared_strings: list[str], *, date1904=False) -> bytes:
    """A workbook as Excel and WPS write one (openpyxl writes its text inline): text in the
    shared strings part, a date style (index 1, numFmtId 14) in the styles part."""
    strings = "".join(f"<si>{item}</si>" for item in shared_strings)
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            + "".join(
                f'<Override PartName="/xl/{part}.xml" ContentType="application/'
                f'vnd.openxmlformats-officedocument.spreadsheetml.{kind}+xml"/>'
                for part, kind in (
                    ("workbook", "sheet.main"),
                    ("worksheets/sheet1", "worksheet"),
                    ("sharedStrings", "sharedStrings"),
                    ("styles", "styles"),
                )
            )
            + "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
            f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
            f'<workbookPr date1904="{int(date1904)}"/><sheets>'
            '<sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PACKAGE}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" '
            'Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">{strings}</sst>',
        "xl/styles.xml": (
            f'<styleSheet xmlns="{MAIN}"><fonts count="1"><font><sz val="11"/></font></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border/></borders><cellXfs count="2"><xf numFmtId="0"/>'
            '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{MAIN}"><sheetData>{sheet_data}</sheetData></worksheet>'
        ),
    }
    file = io.BytesIO()
    with zipfile.ZipFile(file, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>' + text)
    return file.getvalue()


def test_xlsx_formula_is_refused_with_its_cell():
    content = xlsx_bytes(
        [["姓名", "手机号", "学时"], ["张三", "13800000001", 2], [None, None, "=C2*2"]]
    )
    assert refusal(content) == (
        "单元格 C3 中是公式（=C2*2）；请改为粘贴数值（选择性粘贴 → 数值）。"
    )


def test_xlsx_shared_formula_is_refused_at_its_first_cell():
    sheet = (
        '<row r="1"><c r="A1"><v>1</v></c></row>'
        '<row r="2"><c r="B2"><f t="shared" ref="B2:B3" si="0">A1*2</f><v>2</v></c></row>'
        '<row r="3"><c r="B3"><f t="shared" si="0"/><v>2</v></c></row>'
    )
    assert refusal(excel_workbook(sheet, [])) == (
        "单元格 B2 中是公式（=A1*2）；请改为粘贴数值（选择性粘贴 → 数值）。"
    )


def test_xlsx_dates_numbers_and_text_read_as_typed():
    content = xlsx_bytes(
        [
            ["日期", "时间", "手机号", "学时", "整数学时", "编号", "是否", "空"],
            [
                datetime.date(2026, 12, 1),
                datetime.datetime(2026, 12, 1, 9, 30),
                13800000001,
                2.5,
                2.0,
                "013800",
                True,
                None,
            ],
        ]
    )
    assert rows(content) == [
        ["日期", "时间", "手机号", "学时", "整数学时", "编号", "是否", "空"],
        ["2026-12-01 00:00", "2026-12-01 09:30", "13800000001", "2.5", "2", "013800", "是"],
    ]


def test_xlsx_as_excel_writes_it_shared_strings_runs_and_date_styles():
    sheet = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        '<c r="C1" t="s"><v>2</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" s="1"><v>46357</v></c>'
        '<c r="C2"><v>1.3800000001E10</v></c></row>'
    )
    strings = [
        "<t>姓名</t>",
        "<t>报名日期</t>",
        "<r><rPr><b/></rPr><t>手机</t></r><r><t>号</t></r>",
        '<t>张三</t><rPh sb="0" eb="2"><t>ZHANG SAN</t></rPh>',
    ]
    assert rows(excel_workbook(sheet, strings)) == [
        ["姓名", "报名日期", "手机号"],
        ["张三", "2026-12-01 00:00", "13800000001"],
    ]
    assert rows(excel_workbook(sheet, strings, date1904=True))[1][1] == "2030-12-02 00:00"


def test_xlsx_empty_trailing_rows_and_columns_and_a_gap_keep_row_numbers():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "手机号", None])
    sheet.append(["张三", "13800000001"])
    sheet["A5"] = "李四"
    sheet["B5"] = "13800000002"
    sheet["D9"] = "   "  # a cell of spaces far out: a blank row and column
    file = io.BytesIO()
    workbook.save(file)

    dataset = to_dataset(
        read_xlsx(file.getvalue()), aliases={"姓名": "姓名", "手机号": "手机号"}, required=["姓名"]
    )

    assert dataset.headers == ["姓名", "手机号"]
    assert [list(row) for row in dataset] == [["张三", "13800000001"], ["李四", "13800000002"]]
    assert dataset.row_numbers == [2, 5]


def test_xlsx_first_sheet_is_read_and_the_others_ignored():
    workbook = openpyxl.Workbook()
    workbook.active.append(["第一张"])
    second = workbook.create_sheet("第二张")
    second.append(["第二张"])
    second.append(["=1+1"])
    workbook.active = 1  # saved with the second sheet shown
    file = io.BytesIO()
    workbook.save(file)
    assert rows(file.getvalue()) == [["第一张"]]


def test_xlsx_declaring_entities_is_refused_as_damaged():
    content = excel_workbook('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', ["<t>x</t>"])
    file = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(file, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/sharedStrings.xml":
                data = (
                    b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">]>'
                    + f'<sst xmlns="{MAIN}"><si><t>&a;&a;</t></si></sst>'.encode()
                )
            target.writestr(item, data)
    assert refusal(file.getvalue()).startswith("工作簿已损坏，无法读取（ValueError）")
