"""Spreadsheet imports in Chromium: staff preview and confirm an upload in the admin; a unit's
contact registers its group from a spreadsheet on the public site."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from bookings.models import Registration
from lecturers.models import LecturerPage
from tests.bookings.factories import CohortFactory, ProgrammeIndexPageFactory, ProgrammePageFactory
from tests.factories import UserFactory
from tests.sheets.conftest import xlsx_bytes

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "correct-horse-battery"


@pytest.fixture
def cohort(site_tree):
    ProgrammeIndexPageFactory()
    return CohortFactory(programme=ProgrammePageFactory(title="社区书记示范培训班"), title="第3期")


def test_staff_preview_then_confirm_an_import(page, live_server, cohort, tmp_path):
    registrar = UserFactory(username="jiaowu")
    registrar.groups.add(Group.objects.get(name="教务"))
    sheet = tmp_path / "报名.xlsx"
    sheet.write_bytes(
        xlsx_bytes(
            [["班次", "姓名", "手机号", "单位"], [str(cohort), "张三", "13800000001", "某局"]]
        )
    )
    page.goto(live_server.url + "/admin/login/")
    page.locator("input[name=username]").fill("jiaowu")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.goto(live_server.url + "/admin/snippets/bookings/registration/")
    page.get_by_role("link", name="导入").click()
    page.locator("input[type=file]").set_input_files(str(sheet))
    page.get_by_role("button", name="预览").click()
    expect(page.locator("[data-import-counts]")).to_contain_text("新增 1 条")
    assert Registration.objects.count() == 0
    page.locator("[data-import-confirm]").click()
    expect(page.get_by_text("已导入 报名.xlsx")).to_be_visible()
    assert Registration.objects.get().name == "张三"


def test_unit_registers_its_group_from_a_spreadsheet(page, live_server, cohort, tmp_path):
    sheet = tmp_path / "团体.xlsx"
    sheet.write_bytes(
        xlsx_bytes([["姓名", "手机号"], ["张三", "13800000001"], ["李四", "13800000002"]])
    )
    page.goto(live_server.url + cohort.programme.url + f"cohorts/{cohort.pk}/group/")
    page.locator("[data-group-sheet-link] a").click()
    page.locator("input[name=unit]").fill("芝罘区某街道党工委")
    page.locator("input[name=contact_name]").fill("王老师")
    page.locator("input[name=contact_phone]").fill("13900000000")
    page.locator("input[name=file]").set_input_files(str(sheet))
    page.locator("input[name=consent]").check()
    page.locator("[data-group-sheet-upload]").click()
    expect(page.locator("[data-import-counts]")).to_contain_text("新增 2 条")
    assert Registration.objects.count() == 0
    page.locator("input[name=consent]").check()
    page.locator("[data-group-sheet-confirm]").click()
    expect(page.get_by_text("13800000001".replace("00000001", "****0001"))).to_be_visible()
    assert Registration.objects.filter(source="group").count() == 2


def test_editor_imports_lecturers_from_their_page_listing(page, live_server, site_tree, tmp_path):
    editor = UserFactory(username="bianji")
    editor.groups.add(Group.objects.get(name="内容编辑"))
    sheet = tmp_path / "讲师.xlsx"
    sheet.write_bytes(
        xlsx_bytes([["姓名", "职务职称", "单位", "类别"], ["新讲师", "教授", "某大学", "专家学者"]])
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/admin/login/")
    page.locator("input[name=username]").fill("bianji")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    listing = live_server.url + f"/admin/pages/{site_tree.lecturers.pk}/"
    page.goto(listing)
    # Wagtail's page listing keeps its actions in the header's "…" menu.
    page.locator("header").get_by_role("button", name="操作").click()
    page.get_by_role("link", name="导入").click()
    page.locator("input[type=file]").set_input_files(str(sheet))
    page.get_by_role("button", name="预览").click()
    expect(page.locator("[data-import-counts]")).to_contain_text("新增 1 条")
    assert not LecturerPage.objects.filter(title="新讲师").exists()
    page.locator("[data-import-confirm]").click()
    expect(page.get_by_text("已导入 讲师.xlsx")).to_be_visible()
    assert page.url == listing
    row = page.locator("tr", has_text="新讲师")
    expect(row).to_contain_text("草稿")
    assert LecturerPage.objects.get(title="新讲师").live is False
