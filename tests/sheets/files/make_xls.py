"""Writes the .xls fixtures beside it. Nothing else writes .xls any more, so this runs once, by
hand, with the old xlwt installed apart from the project:

    pip install --target /tmp/xlwt xlwt
    PYTHONPATH=/tmp/xlwt python tests/sheets/files/make_xls.py

The files are committed; the tests only read them (through xlrd, as uploads are read).
"""

import datetime
from pathlib import Path

import xlwt

HERE = Path(__file__).parent
COHORT = "基层党组织书记培训班 第1期"  # str() of tests/bookings/conftest.py's `cohort`


def write(name: str, rows, formats=None) -> None:
    """`rows` of values; `formats` maps a column index to an Excel number format."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("数据")
    styles = {column: xlwt.easyxf(num_format_str=fmt) for column, fmt in (formats or {}).items()}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if r and c in styles:
                sheet.write(r, c, value, styles[c])
            else:
                sheet.write(r, c, value)
    book.save(str(HERE / name))


# Registrations, the first phone typed as a number (a float in the file), the second as text.
write(
    "registrations.xls",
    [
        ["班次", "姓名", "手机号", "单位"],
        [COHORT, "张三", 13800000001, "烟台市某某局"],
        [COHORT, "李四", "13800000002", "烟台市某某局"],
    ],
)

# One cell of each kind xlrd tells apart.
write(
    "cells.xls",
    [
        ["文本", "整数", "小数", "日期", "日期时间", "时间", "是否"],
        [
            "  甲  ",
            42,
            2.5,
            datetime.date(2026, 12, 1),
            datetime.datetime(2026, 12, 1, 9, 30),
            datetime.time(14, 0),
            True,
        ],
    ],
    formats={3: "yyyy-mm-dd", 4: "yyyy-mm-dd hh:mm", 5: "hh:mm"},
)

# A cohort's timetable, its times typed as Excel dates and times (a cohort in December 2026).
write(
    "sessions.xls",
    [
        ["班次", "开始时间", "结束时间", "标题"],
        [
            COHORT,
            datetime.datetime(2026, 12, 1, 9, 0),
            datetime.datetime(2026, 12, 1, 11, 0),
            "开班式",
        ],
    ],
    formats={1: "yyyy-mm-dd hh:mm", 2: "yyyy-mm-dd hh:mm"},
)
