import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from bookings.models import Registration, Session
from bookings.services import register
from core.imports.models import ImportRecord
from core.imports.reading import read_rows
from tests.bookings.factories import ApplicantFactory, CohortFactory, valid_id_number
from tests.factories import UserFactory

from .conftest import csv_bytes, xlsx_bytes
from .helpers import exported, exported_xlsx, import_file, messages

pytestmark = pytest.mark.django_db

HEADERS = ["班次", "姓名", "手机号", "单位"]
FILES = Path(__file__).parent / "files"


def snapshot():
    return sorted(
        Registration.objects.values_list(
            "cohort_id", "name", "phone", "unit", "position", "status", "code", "updated_at"
        )
    )


def test_registrations_import_registers_through_the_seat_rules(cohort, admin_user):
    content = xlsx_bytes(
        [
            HEADERS,
            [str(cohort), "张三", "13800000001", "某局"],
            [str(cohort), "李四", "１３８ ００００ ０００２", "某局"],
        ]
    )
    record = import_file("registrations", "报名.xlsx", content, admin_user)
    assert record.status == ImportRecord.Status.APPLIED, messages(record)
    assert (record.new, record.updated, record.unchanged, record.invalid) == (2, 0, 0, 0)
    assert sorted(Registration.objects.values_list("phone", "status", "source")) == [
        ("13800000001", "confirmed", "staff"),
        ("13800000002", "confirmed", "staff"),
    ]
    entry = ModelLogEntry.objects.get(action="core.import")
    assert (entry.user, entry.data["file_name"], entry.data["new"]) == (admin_user, "报名.xlsx", 2)
    with record.file.open("rb") as kept:
        assert kept.read() == content


def test_registrations_import_never_overbooks(programme, admin_user):
    cohort = CohortFactory(programme=programme, capacity=2, waitlist_enabled=False)
    register(cohort.pk, applicants=[ApplicantFactory()])
    rows = [[str(cohort), f"学员{n}", f"1390000000{n}", "某局"] for n in range(2)]
    record = import_file("registrations", "报名.xlsx", xlsx_bytes([HEADERS, *rows]), admin_user)
    assert record.status == ImportRecord.Status.FAILED
    assert messages(record) == [f"{cohort}：名额已满。"] or "名额已满" in messages(record)[0]
    assert Registration.objects.count() == 1


def test_registrations_import_goes_on_the_waiting_list_together(programme, admin_user):
    cohort = CohortFactory(programme=programme, capacity=1)
    rows = [[str(cohort), f"学员{n}", f"1390000000{n}", "某局"] for n in range(2)]
    record = import_file("registrations", "报名.xlsx", xlsx_bytes([HEADERS, *rows]), admin_user)
    assert record.status == ImportRecord.Status.APPLIED
    assert set(Registration.objects.values_list("status", flat=True)) == {"waitlisted"}


def test_registrations_round_trip_changes_nothing(cohort, admin_user):
    register(cohort.pk, applicants=[ApplicantFactory(), ApplicantFactory(id_number="")])
    before = snapshot()
    record = import_file(
        "registrations", "报名.xlsx", exported_xlsx("registrations", admin_user), admin_user
    )
    assert record.status == ImportRecord.Status.APPLIED, messages(record)
    assert (record.new, record.updated, record.unchanged) == (0, 0, 2)
    assert snapshot() == before


def test_registrations_second_import_updates_instead_of_duplicating(cohort, admin_user):
    row = [str(cohort), "张三", "13800000001", "某局"]
    import_file("registrations", "a.xlsx", xlsx_bytes([HEADERS, row]), admin_user)
    row[3] = "某某局"
    record = import_file("registrations", "b.xlsx", xlsx_bytes([HEADERS, row]), admin_user)
    assert (record.status, record.new, record.updated) == ("applied", 0, 1)
    assert list(Registration.objects.values_list("unit", flat=True)) == ["某某局"]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8", "gb18030"])
def test_registrations_csv_encodings(cohort, admin_user, encoding):
    content = csv_bytes([HEADERS, [str(cohort), "张三", "13800000001", "烟台市某局"]], encoding)
    record = import_file("registrations", "报名.csv", content, admin_user)
    assert record.status == ImportRecord.Status.APPLIED, messages(record)
    assert list(Registration.objects.values_list("name", "unit")) == [("张三", "烟台市某局")]


def test_registrations_english_headers(cohort, admin_user):
    content = csv_bytes(
        [["cohort", "name", "phone", "unit"], [str(cohort), "张三", "13800000001", "某局"]]
    )
    record = import_file("registrations", "报名.csv", content, admin_user)
    assert record.status == ImportRecord.Status.APPLIED, messages(record)


def refused(cohort, admin_user, name, content):
    before = snapshot()
    record = import_file("registrations", name, content, admin_user)
    assert record.status == ImportRecord.Status.FAILED
    assert snapshot() == before
    return messages(record)


def test_refuses_a_phone_excel_shortened(cohort, admin_user):
    content = csv_bytes([HEADERS, [str(cohort), "张三", "1.38E+10", "某局"]], "gbk")
    assert refused(cohort, admin_user, "报名.csv", content) == [
        "2: 手机号：“1.38E+10”是被 Excel 缩写的数字；请把该列设为文本格式，重新输入 11 位号码。"
    ]


def test_refuses_missing_headers(cohort, admin_user):
    content = xlsx_bytes([["班次", "姓名"], [str(cohort), "张三"]])
    assert refused(cohort, admin_user, "报名.xlsx", content) == [
        "缺少以下列：手机号、单位。请下载模板查看表头。"
    ]


def test_refuses_unknown_headers(cohort, admin_user):
    content = xlsx_bytes([[*HEADERS, "备注"], [str(cohort), "张三", "13800000001", "某局", "x"]])
    [message] = refused(cohort, admin_user, "报名.xlsx", content)
    assert message.startswith("无法识别的列：备注。")


def test_refuses_an_empty_sheet(cohort, admin_user):
    assert refused(cohort, admin_user, "报名.xlsx", xlsx_bytes([])) == [
        "工作表是空的：没有表头，也没有数据。"
    ]
    assert refused(cohort, admin_user, "报名.xlsx", xlsx_bytes([HEADERS])) == [
        "工作表只有表头，没有数据行。"
    ]


def test_refuses_a_file_that_is_not_what_its_name_says(cohort, admin_user):
    content = csv_bytes([HEADERS, [str(cohort), "张三", "13800000001", "某局"]])
    assert refused(cohort, admin_user, "报名.xlsx", content) == [
        "这不是真正的 .xlsx 文件（虽然文件名如此）；请在 Excel 中打开，另存为 .xlsx 或 .csv。"
    ]
    assert refused(cohort, admin_user, "报名.csv", xlsx_bytes([HEADERS])) == [
        "这不是真正的 .csv 文件（虽然文件名如此）；请在 Excel 中打开，另存为 .xlsx 或 .csv。"
    ]


def test_refuses_a_corrupt_xlsx(cohort, admin_user):
    content = xlsx_bytes([HEADERS])[:300]
    [message] = refused(cohort, admin_user, "报名.xlsx", content)
    assert message.startswith("工作簿已损坏，无法读取")


def test_registrations_xls_reads_a_phone_typed_as_a_number(cohort, admin_user):
    content = (FILES / "registrations.xls").read_bytes()
    record = import_file("registrations", "报名.xls", content, admin_user)
    assert record.status == ImportRecord.Status.APPLIED, messages(record)
    assert sorted(Registration.objects.values_list("name", "phone", "cohort_id")) == [
        ("张三", "13800000001", cohort.pk),
        ("李四", "13800000002", cohort.pk),
    ]


def test_xls_cells_read_as_typed():
    content = (FILES / "cells.xls").read_bytes()
    assert read_rows("cells.xls", content) == [
        ["文本", "整数", "小数", "日期", "日期时间", "时间", "是否"],
        ["甲", "42", "2.5", "2026-12-01", "2026-12-01 09:30", "14:00", "是"],
    ]


def test_sessions_xls_times_typed_as_excel_dates(cohort, admin_user):
    cohort.starts_on = cohort.ends_on = datetime.date(2026, 12, 1)
    cohort.save()
    content = (FILES / "sessions.xls").read_bytes()
    record = import_file("sessions", "课表.xls", content, admin_user)
    assert record.status == ImportRecord.Status.APPLIED, messages(record)
    session = Session.objects.get()
    assert (session.cohort, session.title) == (cohort, "开班式")
    assert timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M") == "2026-12-01 09:00"
    assert timezone.localtime(session.ends_at).strftime("%Y-%m-%d %H:%M") == "2026-12-01 11:00"


@pytest.mark.parametrize(
    "content",
    [
        (FILES / "registrations.xls").read_bytes()[:2000],
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
    ],
    ids=["cut-short", "empty-container"],
)
def test_refuses_a_corrupt_xls(cohort, admin_user, content):
    [message] = refused(cohort, admin_user, "报名.xls", content)
    assert message.startswith("工作簿已损坏，无法读取")
    assert message.endswith("请在 Excel 中重新保存。")


def test_refuses_an_xls_that_is_not_one(cohort, admin_user):
    content = xlsx_bytes([HEADERS, [str(cohort), "张三", "13800000001", "某局"]])
    assert refused(cohort, admin_user, "报名.xls", content) == [
        "这不是真正的 .xls 文件（虽然文件名如此）；请在 Excel 中打开，另存为 .xlsx 或 .csv。"
    ]


def test_refuses_a_file_over_the_limit(cohort, admin_user, settings):
    settings.ACADEMY_IMPORT_MAX_BYTES = 1000
    content = csv_bytes([HEADERS] + [[str(cohort), "张三", "13800000001", "某局"]] * 40)
    assert refused(cohort, admin_user, "报名.csv", content) == [
        f"文件大小为 {len(content) / 1024 / 1024:.1f} MB；可导入的文件最大 0 MB。"
    ]


def test_refuses_a_formula(cohort, admin_user):
    content = xlsx_bytes([HEADERS, [str(cohort), "张三", "=1380000000+1", "某局"]])
    assert refused(cohort, admin_user, "报名.xlsx", content) == [
        "单元格 C2 中是公式（=1380000000+1）；请改为粘贴数值（选择性粘贴 → 数值）。"
    ]


def test_refuses_duplicate_keys(cohort, admin_user):
    rows = [
        [str(cohort), "张三", "13800000001", "某局"],
        [str(cohort), "李四", "138 0000 0001", "某局"],
    ]
    assert refused(cohort, admin_user, "报名.xlsx", xlsx_bytes([HEADERS, *rows])) == [
        "3: 与第 2 行的 班次、手机号 相同：每项只能出现一次。"
    ]


def test_refuses_unknown_references_with_a_suggestion(cohort, admin_user):
    content = xlsx_bytes([HEADERS, [f"{cohort}期", "张三", "13800000001", "某局"]])
    assert refused(cohort, admin_user, "报名.xlsx", content) == [
        f"2: 班次：未找到“{cohort}期”。您是不是要找“{cohort}”？"
    ]


def test_refuses_invalid_rows_and_writes_none(cohort, admin_user):
    rows = [[str(cohort), "张三", "13800000001", "某局"], [str(cohort), "李四", "12345", "某局"]]
    messages_ = refused(cohort, admin_user, "报名.xlsx", xlsx_bytes([HEADERS, *rows]))
    assert messages_ == ["3: 手机号：请输入以1开头的11位手机号码。"]


def test_refuses_a_missing_id_number_where_the_cohort_asks(programme, admin_user):
    cohort = CohortFactory(programme=programme, asks_id_number=True)
    assert refused(
        cohort,
        admin_user,
        "报名.xlsx",
        xlsx_bytes([HEADERS, [str(cohort), "张三", "13800000001", "某局"]]),
    ) == ["2: 身份证号：本班次需要填写身份证号。"]


def test_export_neutralises_formula_like_cells(cohort, admin_user):
    register(
        cohort.pk,
        applicants=[ApplicantFactory(name="=HYPERLINK(1)", unit="@SUM(A1)", position="-1+2")],
    )
    [header, row] = exported("registrations", admin_user)
    values = dict(zip(header, row, strict=True))
    assert (values["姓名"], values["单位"], values["职务"]) == (
        "'=HYPERLINK(1)",
        "'@SUM(A1)",
        "'-1+2",
    )


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_neutralised_cells_read_back_as_typed(cohort, admin_user, suffix):
    """The `'` an export puts before formula-like text is taken off again on import: a unit
    called "=1+1" stays "=1+1", not "'=1+1", and the round trip changes nothing."""
    register(cohort.pk, applicants=[ApplicantFactory(unit="=1+1", position="-副主任")])
    before = snapshot()
    content = (
        exported_xlsx("registrations", admin_user)
        if suffix == "xlsx"
        else csv_bytes(exported("registrations", admin_user))
    )
    record = import_file("registrations", f"报名.{suffix}", content, admin_user)
    assert (record.status, record.unchanged) == (ImportRecord.Status.APPLIED, 1), messages(record)
    assert snapshot() == before
    assert Registration.objects.values_list("unit", "position").get() == ("=1+1", "-副主任")


def test_export_masks_numbers_for_a_plain_editor(cohort, admin_user):
    register(
        cohort.pk, applicants=[ApplicantFactory(phone="13812345678", id_number=valid_id_number())]
    )
    editor = UserFactory(username="plain")
    [header, row] = exported("registrations", editor)
    values = dict(zip(header, row, strict=True))
    assert values["手机号"] == "138****5678"
    assert values["身份证号"] == "3706**********" + valid_id_number()[-4:]
    [header, row] = exported("registrations", admin_user)
    assert dict(zip(header, row, strict=True))["手机号"] == "13812345678"


def test_export_has_every_field_in_chinese_and_local_time(cohort, admin_user):
    [registration] = register(cohort.pk, applicants=[ApplicantFactory()])
    [header, row] = exported("registrations", admin_user, {"cohort": str(cohort.pk)})
    assert header == [
        "班次",
        "姓名",
        "手机号",
        "单位",
        "职务",
        "所在党组织",
        "省份",
        "城市",
        "电子邮箱",
        "身份证号",
        "状态",
        "来源",
        "团体",
        "报名码",
        "报名时间",
        "审核时间",
        "取消时间",
    ]
    values = dict(zip(header, row, strict=True))
    from django.utils import timezone

    assert values["报名时间"] == timezone.localtime(registration.created_at).strftime(
        "%Y-%m-%d %H:%M"
    )
    assert (values["状态"], values["来源"]) == ("已确认", "网站")
