import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from tests.bookings.conftest import cohort, programme, programme_index  # noqa: F401
from tests.factories import SuperuserFactory


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def admin_user(db):
    return SuperuserFactory(username="admin")


def xlsx_bytes(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    file = io.BytesIO()
    workbook.save(file)
    return file.getvalue()


def csv_bytes(rows, encoding="utf-8-sig") -> bytes:
    text = "\r\n".join(",".join(str(cell) for cell in row) for row in rows) + "\r\n"
    return text.encode(encoding)


def upload(name, content) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)
