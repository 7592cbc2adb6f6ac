import pytest

from bookings.models import Registration
from core.imports.kinds import get_kind
from core.imports.models import ImportRecord
from core.imports.services import apply_import, preview_import

from .conftest import csv_bytes, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADERS = ["班次", "姓名", "手机号", "单位"]


def test_registrations_preview_then_apply(cohort, admin_user):
    kind = get_kind("registrations")
    content = xlsx_bytes(
        [
            HEADERS,
            [str(cohort), "张三", "13800000001", "某局"],
            [str(cohort), "李四", "138 0000 0002", "某局"],
        ]
    )
    record = preview_import(kind, upload=upload("报名.xlsx", content), by=admin_user)
    assert record.errors == []
    assert (record.status, record.new) == (ImportRecord.Status.PREVIEWED, 2)
    assert Registration.objects.count() == 0
    record = apply_import(record, kind, by=admin_user)
    assert record.status == ImportRecord.Status.APPLIED, record.errors
    assert sorted(Registration.objects.values_list("phone", "status", "source")) == [
        ("13800000001", "confirmed", "staff"),
        ("13800000002", "confirmed", "staff"),
    ]


def test_registrations_gbk_csv(cohort, admin_user):
    kind = get_kind("registrations")
    content = csv_bytes([HEADERS, [str(cohort), "张三", "1.38E+10", "某局"]], encoding="gbk")
    record = preview_import(kind, upload=upload("报名.csv", content), by=admin_user)
    assert record.status == ImportRecord.Status.FAILED
    print(record.errors)
    assert record.errors[0]["row"] == 2
    assert "1.38E+10" in record.errors[0]["message"]
