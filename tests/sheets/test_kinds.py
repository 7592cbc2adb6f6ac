"""Each kind but registrations (tests/sheets/test_registrations.py): round trip, update by
natural key, a refusal with the database unchanged."""

import datetime

import pytest
from django.utils import timezone
from wagtail.models import Page

from bases.models import TrainingBasePage
from bookings.models import Session
from core.imports.models import ImportRecord
from core.models import District, Organisation
from courses.models import CoursePage
from lecturers.models import LecturerPage
from tests.bookings.factories import SessionFactory, at_local
from tests.factories import (
    CoursePageFactory,
    LecturerPageFactory,
    OrganisationFactory,
    TrainingBasePageFactory,
    valid_credit_code,
)

from .conftest import csv_bytes, xlsx_bytes
from .helpers import exported, exported_xlsx, import_file, messages

pytestmark = pytest.mark.django_db


def test_organisations_round_trip_and_update(site_tree, admin_user):
    OrganisationFactory(), OrganisationFactory(contact_phone="0535-6688123")
    before = list(Organisation.objects.values_list().order_by("pk"))
    record = import_file(
        "organisations", "单位.xlsx", exported_xlsx("organisations", admin_user), admin_user
    )
    assert (record.status, record.unchanged, record.new) == ("applied", 2, 0), messages(record)
    assert list(Organisation.objects.values_list().order_by("pk")) == before
    code = valid_credit_code(77)
    rows = [["统一社会信用代码", "名称", "类型", "区市"], [code, "新单位", "企业", "芝罘区"]]
    record = import_file("organisations", "单位.csv", csv_bytes(rows, "gbk"), admin_user)
    assert (record.status, record.new) == ("applied", 1), messages(record)
    rows[1][1] = "新单位（改名）"
    record = import_file("organisations", "单位.csv", csv_bytes(rows), admin_user)
    assert (record.status, record.updated) == ("applied", 1)
    assert Organisation.objects.get(credit_code=code).name == "新单位（改名）"


def test_organisations_refuse_a_wrong_credit_code_and_unknown_district(site_tree, admin_user):
    rows = [
        ["统一社会信用代码", "名称", "类型", "区市"],
        ["913706020000000001", "甲", "企业", "芝罘"],
    ]
    record = import_file("organisations", "单位.xlsx", xlsx_bytes(rows), admin_user)
    assert record.status == ImportRecord.Status.FAILED
    text = "\n".join(messages(record))
    assert "统一社会信用代码：" in text
    assert "区市：未找到“芝罘”。您是不是要找“芝罘区”？" in text
    assert Organisation.objects.count() == 0


def test_lecturers_round_trip_and_drafts(site_tree, admin_user):
    lecturer = LecturerPageFactory(parent=site_tree.lecturers)
    lecturer.save_revision(user=admin_user).publish()
    record = import_file(
        "lecturers", "讲师.xlsx", exported_xlsx("lecturers", admin_user), admin_user
    )
    assert (record.status, record.unchanged) == ("applied", 1), messages(record)
    rows = [
        ["姓名", "职务职称", "单位", "类别"],
        [lecturer.title, "研究员", "某单位", "专家学者"],
        ["新讲师", "教授", "某大学", "专家学者"],
    ]
    record = import_file("lecturers", "讲师.xlsx", xlsx_bytes(rows), admin_user)
    assert (record.status, record.new, record.updated) == ("applied", 1, 1), messages(record)
    new = LecturerPage.objects.get(title="新讲师")
    assert (new.live, new.has_unpublished_changes) == (False, True)
    lecturer.refresh_from_db()
    # A live page keeps what it showed; the change waits in its latest revision.
    assert lecturer.job_title == "教授"
    assert lecturer.get_latest_revision_as_object().job_title == "研究员"


def test_lecturers_refuse_an_unknown_category(site_tree, admin_user):
    rows = [["姓名", "类别"], ["新讲师", "专家"]]
    record = import_file("lecturers", "讲师.xlsx", xlsx_bytes(rows), admin_user)
    assert record.status == ImportRecord.Status.FAILED
    [message] = messages(record)
    assert message.startswith("2: 类别：“专家”不是可选的值：")
    assert message.endswith("您是不是要找“专家学者”？")
    assert not LecturerPage.objects.filter(title="新讲师").exists()


def test_bases_natural_key_is_name_and_district(site_tree, admin_user):
    base = TrainingBasePageFactory(parent=site_tree.bases)
    record = import_file("bases", "基地.xlsx", exported_xlsx("bases", admin_user), admin_user)
    assert (record.status, record.unchanged) == ("applied", 1), messages(record)
    rows = [
        ["名称", "区市", "类别", "地址"],
        [base.title, "莱山区", "社区", "莱山区某路"],
    ]
    record = import_file("bases", "基地.xlsx", xlsx_bytes(rows), admin_user)
    assert (record.status, record.new) == ("applied", 1), messages(record)
    assert TrainingBasePage.objects.filter(title=base.title).count() == 2
    assert District.objects.get(name="莱山区").bases.get().live is False


def test_courses_are_never_published_by_an_import(site_tree, admin_user):
    course = CoursePageFactory(parent=site_tree.courses)
    record = import_file("courses", "课程.xlsx", exported_xlsx("courses", admin_user), admin_user)
    assert (record.status, record.unchanged) == ("applied", 1), messages(record)
    rows = [
        ["课程名称", "形式", "简介"],
        [course.title, "专题讲座", "新简介"],
        ["新课", "专题讲座", "简介"],
    ]
    record = import_file("courses", "课程.csv", csv_bytes(rows), admin_user)
    assert (record.status, record.new, record.updated) == ("applied", 1, 1), messages(record)
    course.refresh_from_db()
    assert course.summary == "课程简介。"
    assert CoursePage.objects.get(title="新课").live is False


def test_sessions_round_trip(cohort, admin_user):
    lecturer = LecturerPageFactory(parent=Page.objects.get(slug="trainers"))
    SessionFactory(cohort=cohort, lecturers=[lecturer])
    before = list(
        Session.objects.values_list("starts_at", "ends_at", "title", "room", "updated_at")
    )
    record = import_file("sessions", "课表.xlsx", exported_xlsx("sessions", admin_user), admin_user)
    assert (record.status, record.unchanged) == ("applied", 1), messages(record)
    assert (
        list(Session.objects.values_list("starts_at", "ends_at", "title", "room", "updated_at"))
        == before
    )


def test_sessions_refuse_a_double_booking(cohort, admin_user):
    lecturer = LecturerPageFactory(parent=Page.objects.get(slug="trainers"))
    session = SessionFactory(cohort=cohort, lecturers=[lecturer], room="")
    start = session.starts_at + datetime.timedelta(hours=1)
    rows = [
        ["班次", "开始时间", "结束时间", "标题", "讲师"],
        [
            str(cohort),
            at_local(cohort.starts_on, 10).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(start + datetime.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
            "另一讲",
            lecturer.title,
        ],
    ]
    record = import_file("sessions", "课表.xlsx", xlsx_bytes(rows), admin_user)
    assert record.status == ImportRecord.Status.FAILED
    [message] = messages(record)
    assert message.startswith("2: ")
    assert lecturer.title in message
    assert Session.objects.count() == 1


def test_every_kind_exports_with_chinese_headers(cohort, admin_user):
    for slug, first in [
        ("organisations", "统一社会信用代码"),
        ("lecturers", "姓名"),
        ("bases", "名称"),
        ("courses", "课程名称"),
        ("sessions", "班次"),
        ("registrations", "班次"),
    ]:
        assert exported(slug, admin_user)[0][0] == first
