"""Spreadsheet exports: text a spreadsheet would run as a formula is neutralised (core.exports)."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.exports import neutralise
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "exported"),
    [
        ('=HYPERLINK("http://x","点我")', '\'=HYPERLINK("http://x","点我")'),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("芝罘区向阳街道党工委", "芝罘区向阳街道党工委"),
        ("1+1=2", "1+1=2"),
        ("", ""),
    ],
)
def test_neutralise_prefixes_formula_text_only(typed, exported):
    assert neutralise(typed) == exported


@pytest.mark.parametrize(
    "value", [-2, 3, Decimal("-3.50"), -0.5, None, True, datetime.date(2031, 5, 12)]
)
def test_neutralise_leaves_values_the_code_wrote_as_they_are(value):
    assert neutralise(value) is value


def test_organisation_export_neutralises_csv_and_xlsx(admin_client):
    OrganisationFactory(name='=HYPERLINK("http://x","点我")', address="@SUM(A1)")
    OrganisationFactory(name="芝罘区幸福社区党委", address="-2")

    csv_response = admin_client.get(reverse("core_imports:export", args=["organisations", "csv"]))
    xlsx_response = admin_client.get(reverse("core_imports:export", args=["organisations", "xlsx"]))

    content = b"".join(csv_response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    csv_rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    workbook = load_workbook(io.BytesIO(b"".join(xlsx_response.streaming_content)))
    xlsx_rows = list(workbook.active.iter_rows(values_only=True))
    expected = [
        ['\'=HYPERLINK("http://x","点我")', "'@SUM(A1)"],
        ["芝罘区幸福社区党委", "'-2"],
    ]
    for rows in (csv_rows, xlsx_rows):
        name, address = rows[0].index("名称"), rows[0].index("地址")
        assert sorted([row[name], row[address]] for row in rows[1:]) == sorted(expected)
