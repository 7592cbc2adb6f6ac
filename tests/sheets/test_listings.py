"""The import and export buttons on the admin's listings of lecturers, bases and courses (the
page explorer's "…" menu of their index pages), of sessions and of the notice log; the notice
log's export; and which of the academy's roles may use each of these kinds."""

import io
import re

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from wagtail.models import GroupPagePermission, Page

from bookings.admin.notices import notice_tasks
from bookings.services import GroupContact, register
from lecturers.models import LecturerPage
from tests.bookings.conftest import database_tasks  # noqa: F401
from tests.bookings.factories import ApplicantFactory
from tests.bookings.helpers import staff_user
from tests.factories import LecturerPageFactory, UserFactory

from .conftest import upload, xlsx_bytes
from .helpers import exported

pytestmark = pytest.mark.django_db

PAGE_KINDS = ("lecturers", "bases", "courses")
PHONE = "13812345678"
MASKED_PHONE = "138****5678"
NOTICE_HEADERS = ["时间", "报名码", "手机号", "通知", "渠道", "状态", "失败原因"]


def role(name: str):
    """A user in one of the academy's roles (the groups academy/migrations/0002_roles.py
    and the later ones make), as the permission matrix names them."""
    user = UserFactory()
    user.groups.add(Group.objects.get(name=name))
    return user


def import_links(client, url: str) -> set[str]:
    """The links to the import machinery (/admin/imports/…) on the page at `url`."""
    response = client.get(url)
    assert response.status_code == 200
    links = re.findall(r'href="(/admin/imports/[^"]*)"', response.content.decode())
    return {link.replace("&amp;", "&") for link in links}


def buttons(kind: str, query: str = "", *, upload: bool = True) -> set[str]:
    links = {
        reverse("core_imports:export", args=[kind, "xlsx"]) + query,
        reverse("core_imports:export", args=[kind, "csv"]) + query,
    }
    return links | {reverse("core_imports:upload", args=[kind])} if upload else links


def explorer(page) -> str:
    return reverse("wagtailadmin_explore", args=[page.pk])


# The page listings


@pytest.mark.parametrize("group", ["学院管理员", "内容编辑"])
def test_page_index_listings_show_their_kinds_buttons(client, site_tree, group):
    client.force_login(role(group))
    for kind in PAGE_KINDS:
        index = getattr(site_tree, kind)
        assert import_links(client, explorer(index)) == buttons(kind), kind


def test_page_import_ends_on_the_index_pages_listing_with_the_new_draft(client, site_tree):
    client.force_login(role("内容编辑"))
    rows = [["姓名", "职务职称", "单位", "类别"], ["新讲师", "教授", "某大学", "专家学者"]]
    upload_url = reverse("core_imports:upload", args=["lecturers"])
    assert f'href="{explorer(site_tree.lecturers)}"' in client.get(upload_url).content.decode()

    response = client.post(upload_url, {"file": upload("讲师.xlsx", xlsx_bytes(rows))})
    response = client.post(response["Location"])

    assert response["Location"] == explorer(site_tree.lecturers)
    lecturer = LecturerPage.objects.get(title="新讲师")
    assert (lecturer.live, lecturer.get_parent().pk) == (False, site_tree.lecturers.pk)
    listing = client.get(response["Location"]).content.decode()
    assert "新讲师" in listing and "草稿" in listing


def test_page_buttons_only_on_the_listing_of_the_kinds_index(client, site_tree, admin_user):
    lecturer = LecturerPageFactory()
    client.force_login(admin_user)
    assert import_links(client, explorer(site_tree.home)) == set()
    assert import_links(client, explorer(Page.objects.get(depth=1))) == set()
    # A lecturer's own (empty) listing, and the index page's edit view.
    assert import_links(client, explorer(lecturer)) == set()
    edit = reverse("wagtailadmin_pages:edit", args=[site_tree.lecturers.pk])
    assert import_links(client, edit) == set()


def test_page_listings_show_no_buttons_to_who_may_not_add_pages(client, site_tree):
    """Someone who may change pages but not add them sees the listings, without the buttons:
    an import adds pages, and the export goes with it."""
    group = Group.objects.create(name="审校")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    GroupPagePermission.objects.create(
        group=group,
        page=site_tree.home,
        permission=Permission.objects.get(codename="change_page"),
    )
    user = UserFactory()
    user.groups.add(group)
    client.force_login(user)
    for kind in PAGE_KINDS:
        assert import_links(client, explorer(getattr(site_tree, kind))) == set(), kind


# The sessions listing


def test_sessions_listing_shows_import_and_the_filtered_cohorts_exports(client, cohort, admin_user):
    client.force_login(role("教务"))
    listing = reverse("wagtailsnippets_bookings_session:list")
    assert import_links(client, listing) == buttons("sessions")
    filtered = import_links(client, f"{listing}?cohort={cohort.pk}")
    assert filtered == buttons("sessions", f"?cohort={cohort.pk}")


def test_sessions_listing_shows_only_exports_to_who_may_only_view_sessions(client, cohort):
    client.force_login(staff_user("bookings.view_session"))
    listing = reverse("wagtailsnippets_bookings_session:list")
    assert import_links(client, listing) == buttons("sessions", upload=False)


def test_registrations_listing_keeps_only_its_own_buttons(client, cohort):
    client.force_login(role("教务"))
    listing = reverse("wagtailsnippets_bookings_registration:list")
    assert import_links(client, listing) == buttons("registrations")


# The notice log and its export


def fail(row: DBTaskResult, error: Exception) -> DBTaskResult:
    """Mark the row FAILED as the worker does when its task raises `error`."""
    try:
        raise error
    except Exception as raised:
        row.claim("test-worker")
        row.set_failed(raised)
    return row


@pytest.mark.usefixtures("database_tasks")
def test_notice_log_shows_only_exports_filtered_as_listed(client, cohort):
    client.force_login(role("教务"))
    assert import_links(client, "/admin/notices/") == buttons("notices", upload=False)
    filtered = import_links(client, "/admin/notices/?status=FAILED")
    assert filtered == buttons("notices", "?status=FAILED", upload=False)


def notice_rows(cohort):
    """A trainee's mail and SMS, the SMS failed quoting the phone and an ID number."""
    [registration] = register(
        cohort.pk, applicants=[ApplicantFactory(phone=PHONE, email="li@example.org")]
    )
    mail, sms = notice_tasks().order_by("enqueued_at")
    fail(sms, ConnectionError(f"SMS gateway refused {PHONE} (ID 370602199001011234)"))
    return registration, mail, sms


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@pytest.mark.usefixtures("database_tasks")
def test_notice_export_rows_masked_without_the_personal_data_permission(cohort):
    registration, mail, sms = notice_rows(cohort)
    viewer = staff_user("bookings.view_registration")

    rows = exported("notices", viewer)

    assert rows == [
        NOTICE_HEADERS,
        [
            local(sms.enqueued_at),
            registration.code,
            MASKED_PHONE,
            "报名确认",
            "短信",
            "发送失败",
            "ConnectionError: SMS gateway refused 138****5678 (ID 3706**********1234)",
        ],
        [local(mail.enqueued_at), registration.code, MASKED_PHONE, "报名确认", "邮件", "待发送"]
        + [""],
    ]


@pytest.mark.usefixtures("database_tasks")
def test_notice_export_full_phone_with_the_personal_data_permission(cohort):
    notice_rows(cohort)
    registrar = role("教务")  # holds bookings.view_personal_data

    rows = exported("notices", registrar)

    assert [row[2] for row in rows] == ["手机号", PHONE, PHONE]
    assert rows[1][6] == "ConnectionError: SMS gateway refused 138****5678 (ID 3706**********1234)"


@pytest.mark.usefixtures("database_tasks")
def test_notice_export_filters_by_status_and_names_a_groups_contact(cohort):
    contact = GroupContact(unit="芝罘区向阳街道党工委", contact_name="王老师", contact_phone=PHONE)
    register(cohort.pk, applicants=[ApplicantFactory(phone="13700000000")], group=contact)
    trainee, to_contact = notice_tasks().order_by("enqueued_at")
    fail(trainee, ConnectionError("SMS gateway unreachable"))
    user = staff_user("bookings.view_registration")

    failed = exported("notices", user, {"status": "FAILED"})
    everything = exported("notices", user)

    assert [row[2:6] for row in failed[1:]] == [["137****0000", "报名确认", "短信", "发送失败"]]
    assert [row[2:4] for row in everything[1:]] == [
        [MASKED_PHONE, "团体报名成功（发给联系人）"],
        ["137****0000", "报名确认"],
    ]


@pytest.mark.usefixtures("database_tasks")
@pytest.mark.parametrize("trainees", [1, 3])
def test_notice_export_reads_registrations_per_chunk_not_per_row(
    cohort, trainees, django_assert_num_queries
):
    register(cohort.pk, applicants=ApplicantFactory.build_batch(trainees, email="a@example.org"))
    user = staff_user("bookings.view_registration", "bookings.view_personal_data")
    exported("notices", user)  # the user's permissions, read once

    # The rows, then their registrations (with their groups) in one query.
    with django_assert_num_queries(2):
        rows = exported("notices", user)

    assert len(rows) == 1 + 2 * trainees


@pytest.mark.usefixtures("database_tasks")
def test_notice_export_download_as_xlsx(client, cohort):
    registration, _mail, _sms = notice_rows(cohort)
    client.force_login(staff_user("bookings.view_registration"))

    response = client.get(reverse("core_imports:export", args=["notices", "xlsx"]))

    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [cell.value for cell in sheet[1]] == NOTICE_HEADERS
    assert [cell.value for cell in sheet[2]][1:3] == [registration.code, MASKED_PHONE]
    assert sheet.max_row == 3


# Who may use each kind


LOGIN, DENIED, OK = "login", "denied", "ok"
ROLES = ("学院管理员", "内容编辑", "教务", "评委", "讲师", "基地联系人")
PAGES = {"学院管理员": OK, "内容编辑": OK}
TRAINING = {"学院管理员": OK, "教务": OK}
# kind → (upload and template, export): the roles allowed; every other role is denied.
EXPECTED = {
    "lecturers": (PAGES, PAGES),
    "bases": (PAGES, PAGES),
    "courses": (PAGES, PAGES),
    "sessions": (TRAINING, TRAINING),
    "notices": ({}, TRAINING),  # export only
}


def outcome(response) -> str:
    """As the permission matrix tells them: a refusal is a 403 or Wagtail's redirect to the
    dashboard."""
    if response.status_code == 200:
        return OK
    if response.status_code == 302 and response["Location"].startswith("/admin/login/"):
        return LOGIN
    if response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    ):
        return DENIED
    return f"{response.status_code} {response.get('Location', '')}"


@pytest.mark.parametrize("kind", EXPECTED)
def test_which_roles_may_import_and_export(client, site_tree, kind):
    may_import, may_export = EXPECTED[kind]
    urls = {
        "upload": (reverse("core_imports:upload", args=[kind]), may_import),
        "template": (reverse("core_imports:template", args=[kind]), may_import),
        "export": (reverse("core_imports:export", args=[kind, "xlsx"]), may_export),
    }
    expected, found = {}, {}
    for name in ("anonymous", "superuser", *ROLES):
        client.logout()
        if name == "superuser":
            client.force_login(UserFactory(is_superuser=True))
        elif name != "anonymous":
            client.force_login(role(name))
        for what, (url, allowed) in urls.items():
            if name == "anonymous" or name == "评委":  # judges have no admin access
                expected[name, what] = LOGIN
            elif name == "superuser":
                expected[name, what] = OK if allowed or what == "export" else DENIED
            else:
                expected[name, what] = allowed.get(name, DENIED)
            found[name, what] = outcome(client.get(url))
    assert found == expected
