"""The staff desk (issue 10): dashboard panels, per-row approve and reject, the labelled export
buttons, registering someone who phoned in, and revealing a full mobile number."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import ModelLogEntry

from bookings.models import Registration
from bookings.services import register
from core.sms import MemorySMSBackend
from lecturers.models import LecturerPage

from .factories import ApplicantFactory, CohortFactory, at_local, register_trainees
from .helpers import make_session, messages_of, staff_user

pytestmark = pytest.mark.django_db

Status = Registration.Status
LIST_URL = "/admin/snippets/bookings/registration/"
REGISTER_URL = "/admin/snippets/bookings/registration/register/"
PHONE = "13812345678"
MASKED_PHONE = "138****5678"
REGISTRAR = (
    "bookings.view_registration",
    "bookings.change_registration",
    "bookings.add_registration",
    "bookings.view_cohort",
    "bookings.view_session",
)


def approve_url(registration) -> str:
    return f"/admin/snippets/bookings/registration/approve/{registration.pk}/"


def reject_url(registration) -> str:
    return f"/admin/snippets/bookings/registration/reject/{registration.pk}/"


def reveal_url(registration) -> str:
    return f"/admin/snippets/bookings/registration/reveal-phone/{registration.pk}/"


def inspect_url(registration) -> str:
    return f"/admin/snippets/bookings/registration/inspect/{registration.pk}/"


def log_actions(registration) -> list[str]:
    return list(
        ModelLogEntry.objects.filter(object_id=str(registration.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


@pytest.fixture
def approval_cohort(programme):
    return CohortFactory(programme=programme, title="第2期", requires_approval=True)


@pytest.fixture
def registrar(client):
    user = staff_user(*REGISTRAR)
    client.force_login(user)
    return user


# Dashboard


def panel(response, panel_id: str) -> str:
    content = response.content.decode()
    start = content.find(f'id="{panel_id}"')
    assert start != -1, f"no panel {panel_id}"
    return content[start : content.find("</section>", start)]


def test_dashboard_shows_pending_registrations_oldest_first(client, registrar, approval_cohort):
    first, second = register_trainees(approval_cohort, 2)

    response = client.get("/admin/")

    pending = panel(response, "dashboard-pending-registrations-content")
    assert "2 个报名等待审核" in pending
    assert pending.index(first.name) < pending.index(second.name)
    assert f"{LIST_URL}?status=pending" in pending


def test_dashboard_shows_waiting_lists_with_counts(client, registrar, cohort):
    cohort.capacity = 1
    cohort.save()
    register_trainees(cohort, 3)

    response = client.get("/admin/")

    waiting = panel(response, "dashboard-waiting-lists-content")
    assert str(cohort) in waiting
    assert f"?cohort={cohort.pk}&amp;status=waitlisted" in waiting
    assert "<td>1 / 1</td>" in waiting
    assert "<td>2</td>" in waiting


def test_dashboard_shows_todays_and_this_weeks_sessions(client, registrar, programme):
    today = timezone.localdate()
    running = CohortFactory(programme=programme, starts_on=today - datetime.timedelta(days=1))
    make_session(running, title="今天的讲座", starts_at=at_local(today, 9))
    make_session(
        running,
        title="下周的讲座",
        starts_at=at_local(today + datetime.timedelta(days=8), 9),
        ends_at=at_local(today + datetime.timedelta(days=8), 11),
    )

    response = client.get("/admin/")

    sessions = panel(response, "dashboard-sessions-content")
    assert "今天的讲座" in sessions
    assert "09:00–11:00" in sessions
    assert "学院301教室" in sessions
    assert "下周的讲座" not in sessions


def test_dashboard_shows_upcoming_cohorts_with_seats_left(client, registrar, programme):
    open_cohort = CohortFactory(programme=programme, title="有名额", capacity=3)
    register_trainees(open_cohort, 1)
    full = CohortFactory(programme=programme, title="已满", capacity=1, waitlist_enabled=False)
    register_trainees(full, 1)

    response = client.get("/admin/")

    cohorts = panel(response, "dashboard-upcoming-cohorts-content")
    assert "有名额" in cohorts
    assert "<td>2 / 3</td>" in cohorts
    assert "已满" not in cohorts
    assert f"{REGISTER_URL}?cohort={open_cohort.pk}" in cohorts


def test_dashboard_panels_hidden_without_permission(client):
    client.force_login(staff_user())

    content = client.get("/admin/").content.decode()

    for panel_id in ("pending-registrations", "waiting-lists", "sessions", "upcoming-cohorts"):
        assert f"dashboard-{panel_id}" not in content


def dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/").status_code == 200
    return len(queries)


def test_dashboard_queries_do_not_grow_with_rows(client, registrar, programme):
    def fill(count):
        for _ in range(count):
            cohort = CohortFactory(programme=programme, capacity=1, requires_approval=True)
            register_trainees(cohort, 2)
            make_session(
                cohort,
                starts_at=at_local(timezone.localdate(), 14),
                lecturers=LecturerPage.objects.all(),
            )

    # The first visit also fills caches and the user's profile, whatever the panels read.
    dashboard_queries(client)
    fill(1)
    one = dashboard_queries(client)
    fill(3)
    four = dashboard_queries(client)

    assert four == one


# Per-row approve and reject


def test_listing_shows_approve_and_reject_buttons_on_pending_rows_only(
    client, registrar, approval_cohort, cohort
):
    [pending] = register_trainees(approval_cohort, 1)
    [confirmed] = register_trainees(cohort, 1)

    content = client.get(LIST_URL).content.decode()

    assert approve_url(pending) in content
    assert reject_url(pending) in content
    assert approve_url(confirmed) not in content


def test_approve_one_registration_from_its_row(client, registrar, approval_cohort):
    [registration] = register_trainees(approval_cohort, 1)

    confirm = client.get(approve_url(registration), {"next": LIST_URL})
    response = client.post(approve_url(registration), {"next": LIST_URL})

    assert confirm.status_code == 200
    assert registration.code in confirm.content.decode()
    assert response.status_code == 302
    assert response.url == LIST_URL
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED
    assert ("success", f"报名 {registration.code} 已审核通过。") in messages_of(response)
    assert log_actions(registration) == ["bookings.registration.approve"]
    entry = ModelLogEntry.objects.get(action="bookings.registration.approve")
    assert entry.user_id == registrar.pk


def test_reject_one_registration_promotes_the_waiting_list(client, registrar, programme):
    cohort = CohortFactory(programme=programme, capacity=1, requires_approval=True)
    pending, waiting = register_trainees(cohort, 2)

    response = client.post(reject_url(pending))

    pending.refresh_from_db()
    waiting.refresh_from_db()
    assert response.status_code == 302
    assert pending.status == Status.REJECTED
    assert waiting.status == Status.PENDING
    assert log_actions(pending) == ["bookings.registration.reject"]


def test_approve_a_registration_no_longer_pending_changes_nothing(client, registrar, cohort):
    [registration] = register_trainees(cohort, 1)

    response = client.post(approve_url(registration))

    assert response.status_code == 302
    assert log_actions(registration) == []
    assert messages_of(response)[0][0] == "warning"


def test_approve_refused_without_change_permission(client, approval_cohort):
    [registration] = register_trainees(approval_cohort, 1)
    client.force_login(staff_user("bookings.view_registration"))

    response = client.post(approve_url(registration))

    registration.refresh_from_db()
    assert response.status_code in (302, 403)
    assert registration.status == Status.PENDING
    assert log_actions(registration) == []


def test_approve_refuses_a_post_without_csrf_token(approval_cohort):
    [registration] = register_trainees(approval_cohort, 1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user(*REGISTRAR))

    response = client.post(approve_url(registration))

    registration.refresh_from_db()
    assert response.status_code == 403
    assert registration.status == Status.PENDING


def test_inspect_page_offers_approve_and_reject_for_pending(client, registrar, approval_cohort):
    [registration] = register_trainees(approval_cohort, 1)

    content = client.get(inspect_url(registration)).content.decode()

    assert approve_url(registration) in content
    assert reject_url(registration) in content


# Export buttons


def test_listing_has_labelled_export_buttons(client, registrar, cohort):
    content = client.get(LIST_URL, {"cohort": cohort.pk}).content.decode()

    assert "导出 Excel" in content
    assert "导出 CSV" in content
    # Through the registrations' import kind (core.imports), for the filtered cohort.
    assert f"/admin/imports/registrations/export/xlsx/?cohort={cohort.pk}" in content
    assert "下载 XLSX" not in content
    assert "/admin/imports/registrations/" in content  # 导入


# Staff registration


def staff_form(cohort, **fields) -> dict:
    return {
        "cohort": cohort.pk,
        "name": "电话报名",
        "phone": "+86 138-1234-5678",
        "unit": "莱山区滨海路街道",
        "origin_province": "山东省",
        "origin_city": "烟台市",
        "send_notice": "on",
        **fields,
    }


def test_staff_registers_someone_who_phoned_in(
    client, registrar, cohort, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REGISTER_URL, staff_form(cohort))

    registration = Registration.objects.get()
    assert response.status_code == 302
    assert response.url == f"{REGISTER_URL}?cohort={cohort.pk}"
    assert registration.phone == PHONE
    assert registration.source == Registration.Source.STAFF
    assert registration.status == Status.CONFIRMED
    [(level, text)] = messages_of(response)
    assert level == "success"
    assert registration.code in text
    assert "已确认" in text
    entry = ModelLogEntry.objects.get(object_id=str(registration.pk))
    assert (entry.action, entry.user_id) == ("wagtail.create", registrar.pk)
    assert PHONE not in str(entry.data)
    assert [phone for phone, _message in MemorySMSBackend.outbox] == [PHONE]


def test_staff_registration_without_notice_sends_nothing(
    client, registrar, cohort, django_capture_on_commit_callbacks
):
    form = staff_form(cohort)
    del form["send_notice"]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(REGISTER_URL, form)

    assert Registration.objects.count() == 1
    assert (callbacks, MemorySMSBackend.outbox) == ([], [])


def test_staff_registration_waitlists_when_the_cohort_is_full(client, registrar, cohort):
    cohort.capacity = 1
    cohort.save()
    register_trainees(cohort, 1)

    client.post(REGISTER_URL, staff_form(cohort))

    registration = Registration.objects.get(phone=PHONE)
    assert registration.status == Status.WAITLISTED


def test_staff_registration_goes_pending_when_staff_approve(client, registrar, approval_cohort):
    client.post(REGISTER_URL, staff_form(approval_cohort))

    assert Registration.objects.get().status == Status.PENDING


def test_staff_registration_refused_when_full_without_waiting_list(client, registrar, cohort):
    cohort.capacity = 1
    cohort.waitlist_enabled = False
    cohort.save()
    register_trainees(cohort, 1)

    response = client.post(REGISTER_URL, staff_form(cohort))

    assert response.status_code == 200
    assert "名额已满" in response.content.decode()
    assert not Registration.objects.filter(phone=PHONE).exists()


def test_staff_registration_refuses_a_phone_already_registered(client, registrar, cohort):
    register(cohort.pk, applicants=[ApplicantFactory(phone=PHONE)])

    response = client.post(REGISTER_URL, staff_form(cohort))

    assert response.status_code == 200
    assert MASKED_PHONE in response.content.decode()
    assert Registration.objects.filter(phone=PHONE).count() == 1


def test_staff_registration_refuses_a_bad_phone_in_chinese(client, registrar, cohort):
    response = client.post(REGISTER_URL, staff_form(cohort, phone="12345"))

    assert response.status_code == 200
    assert "手机号" in response.content.decode()
    assert not Registration.objects.exists()


def test_staff_registration_asks_the_id_number_when_the_cohort_does(client, registrar, cohort):
    cohort.asks_id_number = True
    cohort.save()

    response = client.post(REGISTER_URL, staff_form(cohort))

    assert response.status_code == 200
    assert not Registration.objects.exists()


def test_staff_registration_refused_when_registration_closed(client, registrar, cohort):
    cohort.registration_closes_at = timezone.now() - datetime.timedelta(minutes=1)
    cohort.registration_opens_at = timezone.now() - datetime.timedelta(days=2)
    cohort.save()

    response = client.post(REGISTER_URL, staff_form(cohort))

    assert response.status_code == 200
    assert not Registration.objects.exists()


def test_staff_registration_form_preselects_the_cohort(client, registrar, cohort):
    response = client.get(REGISTER_URL, {"cohort": cohort.pk})

    assert response.status_code == 200
    assert response.context["form"].initial["cohort"] == cohort.pk


def test_staff_registration_refused_without_add_permission(client, cohort):
    client.force_login(staff_user("bookings.view_registration", "bookings.change_registration"))

    page = client.get(REGISTER_URL)
    response = client.post(REGISTER_URL, staff_form(cohort))

    # Wagtail's answer to a permission it refuses: back to the dashboard, with its message.
    assert (page.status_code, page.url) == (302, "/admin/")
    assert (response.status_code, response.url) == (302, "/admin/")
    assert not Registration.objects.exists()


@pytest.mark.parametrize("role", ["教务", "学院管理员"])
def test_roles_may_register_on_someones_behalf(role):
    group = Group.objects.get(name=role)

    assert group.permissions.filter(codename="add_registration").exists()


def test_listing_and_cohort_rows_link_to_staff_registration(client, registrar, cohort):
    listing = client.get(LIST_URL, {"cohort": cohort.pk}).content.decode()

    assert f"{REGISTER_URL}?cohort={cohort.pk}" in listing
    assert "代表学员报名" in listing


# Revealing a full mobile number


def test_inspect_shows_masked_phone_and_reveal_button(client, cohort):
    [registration] = register(cohort.pk, applicants=[ApplicantFactory(phone=PHONE)])
    client.force_login(staff_user(*REGISTRAR, "bookings.view_personal_data"))

    content = client.get(inspect_url(registration)).content.decode()

    assert MASKED_PHONE in content
    assert PHONE not in content
    assert "显示完整号码" in content
    assert reveal_url(registration) in content


def test_reveal_shows_the_number_and_logs_it(client, cohort):
    [registration] = register(cohort.pk, applicants=[ApplicantFactory(phone=PHONE)])
    user = staff_user(*REGISTRAR, "bookings.view_personal_data")
    client.force_login(user)

    response = client.post(reveal_url(registration))

    assert response.status_code == 200
    assert PHONE in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    entry = ModelLogEntry.objects.get(action="bookings.registration.reveal_phone")
    assert entry.user_id == user.pk
    assert entry.object_id == str(registration.pk)
    assert PHONE not in str(entry.data) + entry.label


def test_reveal_is_a_post(client, cohort):
    [registration] = register(cohort.pk, applicants=[ApplicantFactory(phone=PHONE)])
    client.force_login(staff_user(*REGISTRAR, "bookings.view_personal_data"))

    assert client.get(reveal_url(registration)).status_code == 405
    assert not ModelLogEntry.objects.filter(action="bookings.registration.reveal_phone").exists()


def test_reveal_refused_without_personal_data_permission(client, registrar, cohort):
    [registration] = register(cohort.pk, applicants=[ApplicantFactory(phone=PHONE)])

    page = client.get(inspect_url(registration)).content.decode()
    response = client.post(reveal_url(registration))

    assert "显示完整号码" not in page
    assert response.status_code == 403
    assert PHONE not in response.content.decode()
    assert not ModelLogEntry.objects.filter(action="bookings.registration.reveal_phone").exists()


def test_cohort_row_and_page_link_to_staff_registration(client, registrar, cohort):
    edit = f"/admin/snippets/bookings/cohort/edit/{cohort.pk}/"
    registrar.groups.first().permissions.add(
        *Permission.objects.filter(codename__in=["change_cohort"])
    )

    listing = client.get("/admin/snippets/bookings/cohort/").content.decode()
    page = client.get(edit).content.decode()

    assert f"{REGISTER_URL}?cohort={cohort.pk}" in listing
    assert f"{REGISTER_URL}?cohort={cohort.pk}" in page


def test_cohort_pages_offer_no_staff_registration_without_add_permission(client, cohort):
    client.force_login(staff_user("bookings.view_cohort", "bookings.change_cohort"))

    listing = client.get("/admin/snippets/bookings/cohort/").content.decode()
    page = client.get(f"/admin/snippets/bookings/cohort/edit/{cohort.pk}/").content.decode()

    assert REGISTER_URL not in listing
    assert REGISTER_URL not in page


def test_revealed_page_sends_approval_back_to_the_registrations_page(client, approval_cohort):
    [registration] = register(approval_cohort.pk, applicants=[ApplicantFactory(phone=PHONE)])
    client.force_login(staff_user(*REGISTRAR, "bookings.view_personal_data"))

    content = client.post(reveal_url(registration)).content.decode()

    assert f"{approve_url(registration)}?next={inspect_url(registration).replace('/', '%2F')}" in (
        content
    )
