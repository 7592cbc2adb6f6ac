import io
from urllib.parse import unquote

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from bookings.models import Registration, RegistrationGroup
from bookings.services import register
from core.imports.models import ImportRecord
from tests.bookings.factories import ApplicantFactory, CohortFactory
from tests.factories import UserFactory

from .conftest import csv_bytes, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADERS = ["班次", "姓名", "手机号", "单位"]


def test_admin_upload_preview_confirm(client, cohort, admin_user):
    client.force_login(admin_user)
    content = xlsx_bytes([HEADERS, [str(cohort), "张三", "13800000001", "某局"]])
    response = client.post(
        reverse("core_imports:upload", args=["registrations"]),
        {"file": upload("报名.xlsx", content)},
    )
    record = ImportRecord.objects.get()
    assert response["Location"] == reverse("core_imports:record", args=[record.pk])
    page = client.get(response["Location"]).content.decode()
    assert "新增 1 条，更新 0 条，未变 0 条，有误 0 条。" in page
    assert "确认导入" in page
    assert Registration.objects.count() == 0
    response = client.post(reverse("core_imports:record", args=[record.pk]))
    assert response["Location"] == reverse("wagtailsnippets_bookings_registration:list")
    assert Registration.objects.get().name == "张三"
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.APPLIED


def test_admin_preview_shows_row_errors_and_refuses_to_confirm(client, cohort, admin_user):
    client.force_login(admin_user)
    content = xlsx_bytes([HEADERS, [str(cohort), "张三", "1.38E+10", "某局"]])
    client.post(
        reverse("core_imports:upload", args=["registrations"]), {"file": upload("a.xlsx", content)}
    )
    record = ImportRecord.objects.get()
    page = client.get(reverse("core_imports:record", args=[record.pk])).content.decode()
    assert "第 2 行" in page and "被 Excel 缩写的数字" in page
    assert "确认导入" not in page
    client.post(reverse("core_imports:record", args=[record.pk]))
    assert Registration.objects.count() == 0


def test_admin_preview_of_a_long_file_shows_the_wrong_rows_first(
    client, cohort, admin_user, monkeypatch
):
    monkeypatch.setattr("core.imports.views.PREVIEW_ROWS", 3)
    client.force_login(admin_user)
    rows = [[str(cohort), f"学员{n}", f"1380000000{n}", "某局"] for n in range(5)]
    rows[4][2] = "1.38E+10"
    client.post(
        reverse("core_imports:upload", args=["registrations"]),
        {"file": upload("a.xlsx", xlsx_bytes([HEADERS, *rows]))},
    )
    record = ImportRecord.objects.get()
    page = client.get(reverse("core_imports:record", args=[record.pk])).content.decode()
    assert page.count('data-row-type="') == 3
    assert 'data-row-type="invalid"' in page and "学员4" in page and "学员3" not in page
    assert "这里先显示 3 行（有误的行在前）；确认导入会导入文件中的全部 5 行。" in page
    assert f'href="{reverse("wagtailsnippets_bookings_registration:list")}"' in page


def test_admin_template_has_headers_example_and_allowed_values(client, site_tree, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("core_imports:template", args=["organisations"]))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    data, notes = workbook.worksheets
    assert [cell.value for cell in data[1]][:3] == ["统一社会信用代码", "名称", "类型"]
    assert data["B2"].value == "烟台市某某有限公司"
    allowed = {row[0].value: row[2].value for row in notes.iter_rows(min_row=2) if row[0].value}
    assert "企业" in allowed["类型"]
    assert "芝罘区" in allowed["区市"]


def test_admin_export_csv_has_bom_and_a_telling_file_name(client, cohort, admin_user):
    register(cohort.pk, applicants=[ApplicantFactory(name="=1+1")])
    client.force_login(admin_user)
    url = reverse("core_imports:export", args=["registrations", "csv"])
    response = client.get(url, {"cohort": cohort.pk})
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff班次,姓名,手机号".encode())
    assert "'=1+1" in body.decode("utf-8-sig")
    date = timezone.localdate().strftime("%Y%m%d")
    assert f"报名_{cohort.title}_{date}.csv" in unquote(response["Content-Disposition"])


def test_admin_export_xlsx(client, cohort, admin_user):
    register(cohort.pk, applicants=[ApplicantFactory()])
    client.force_login(admin_user)
    response = client.get(reverse("core_imports:export", args=["registrations", "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["B1"].value == "姓名"
    assert sheet.max_row == 2


def test_views_refuse_users_without_the_permission(client, cohort):
    client.force_login(UserFactory(username="nobody", is_staff=True))
    assert client.get(reverse("core_imports:upload", args=["registrations"])).status_code in (
        302,
        403,
    )


def test_dashboard_lists_failed_imports_first(client, cohort, admin_user):
    client.force_login(admin_user)
    for name, content in [
        ("好.xlsx", xlsx_bytes([HEADERS, [str(cohort), "张三", "13800000001", "某局"]])),
        ("坏.xlsx", b"not a workbook"),
    ]:
        client.post(
            reverse("core_imports:upload", args=["registrations"]),
            {"file": upload(name, content)},
        )
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "最近导入" in page
    assert page.index("坏.xlsx") < page.index("好.xlsx")


def test_import_data_command(tmp_path, cohort, capsys):
    path = tmp_path / "报名.csv"
    path.write_bytes(csv_bytes([HEADERS, [str(cohort), "张三", "13800000001", "某局"]], "gbk"))
    call_command("import_data", "registrations", str(path), "--dry-run")
    assert Registration.objects.count() == 0
    call_command("import_data", "registrations", str(path))
    assert Registration.objects.get().source == "staff"
    path.write_bytes(csv_bytes([HEADERS, [str(cohort), "李四", "1.38E+10", "某局"]]))
    with pytest.raises(CommandError):
        call_command("import_data", "registrations", str(path))
    assert "第 2 行：手机号：“1.38E+10”" in capsys.readouterr().err
    assert Registration.objects.count() == 1


def group_url(cohort):
    return cohort.programme.url + f"cohorts/{cohort.pk}/group/sheet/"


CONTACT = {
    "unit": "芝罘区某街道党工委",
    "contact_name": "王老师",
    "contact_phone": "13900000000",
    "consent": "on",
}


def test_group_upload_registers_everyone_or_no_one(client, cohort):
    url = group_url(cohort)
    template = client.get(url + "?template")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(template.streaming_content))).active
    headers = [cell.value for cell in sheet[1]]
    assert "班次" not in headers and "单位" not in headers and headers[:2] == ["姓名", "手机号"]
    content = xlsx_bytes([["姓名", "手机号"], ["张三", "13800000001"], ["李四", "13800000002"]])
    response = client.post(url, {**CONTACT, "file": upload("团体.xlsx", content)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "新增 2 条" in page
    assert Registration.objects.count() == 0
    signed = response.context["signed"]
    response = client.post(url, {**CONTACT, "record": signed})
    group = RegistrationGroup.objects.get()
    assert response["Location"] == group.get_absolute_url()
    assert sorted(group.registrations.values_list("name", "unit", "source")) == [
        ("张三", "芝罘区某街道党工委", "group"),
        ("李四", "芝罘区某街道党工委", "group"),
    ]
    # The same confirmation again registers nobody twice.
    client.post(url, {**CONTACT, "record": signed})
    assert Registration.objects.count() == 2


def test_group_upload_row_errors_in_chinese_and_nothing_registered(client, cohort):
    content = xlsx_bytes([["姓名", "手机号"], ["张三", "13800000001"], ["李四", "123"]])
    response = client.post(group_url(cohort), {**CONTACT, "file": upload("团体.xlsx", content)})
    page = response.content.decode()
    assert response.status_code == 400
    assert "第 3 行" in page and "请输入以1开头的11位手机号码" in page
    assert response.context["signed"] == ""
    assert Registration.objects.count() == 0


def test_group_upload_all_or_none_when_full(client, programme):
    cohort = CohortFactory(programme=programme, capacity=1, waitlist_enabled=False)
    content = xlsx_bytes([["姓名", "手机号"], ["张三", "13800000001"], ["李四", "13800000002"]])
    response = client.post(group_url(cohort), {**CONTACT, "file": upload("团体.xlsx", content)})
    assert "名额已满" in response.content.decode()
    assert Registration.objects.count() == 0


@pytest.mark.parametrize("slug", ["organisations", "lecturers", "bases", "courses", "sessions"])
def test_admin_export_of_every_kind(client, cohort, admin_user, slug):
    client.force_login(admin_user)
    response = client.get(reverse("core_imports:export", args=[slug, "csv"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\xef\xbb\xbf")
