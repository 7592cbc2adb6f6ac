"""The registrations screens in the Wagtail admin: listing, actions through the services, export."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import ModelLogEntry

from bookings.models import Registration
from bookings.services import InvalidTransition, cancel_registration, register, update_details

from .factories import ApplicantFactory, CohortFactory, register_trainees
from .helpers import messages_of, staff_user

pytestmark = pytest.mark.django_db

Status = Registration.Status
LIST_URL = "/admin/snippets/bookings/registration/"
PHONE = "13812345678"
MASKED_PHONE = "138****5678"


def bulk_url(action: str, registrations) -> str:
    ids = "&".join(f"id={registration.pk}" for registration in registrations)
    return f"/admin/bulk/bookings/registration/{action}/?next={LIST_URL}&{ids}"


def listed_codes(response) -> set[str]:
    return {registration.code for registration in response.context["object_list"]}


def register_trainees_with_phone(cohort, phone: str) -> list[Registration]:
    return register(cohort.pk, applicants=[ApplicantFactory(phone=phone)])


def refreshed(registrations) -> list[Registration]:
    return [Registration.objects.get(pk=registration.pk) for registration in registrations]


# Listing


def test_registration_list_shows_masked_phone_only(admin_client, cohort):
    [registration] = register_trainees_with_phone(cohort, PHONE)

    response = admin_client.get(LIST_URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert registration.code in content
    assert MASKED_PHONE in content
    assert PHONE not in content


def test_registration_list_filters_by_cohort(admin_client, cohort):
    mine = register_trainees(cohort, 2)
    register_trainees(CohortFactory(programme=cohort.programme), 1)

    response = admin_client.get(LIST_URL, {"cohort": cohort.pk})

    assert response.status_code == 200
    assert listed_codes(response) == {registration.code for registration in mine}


def test_registration_list_filters_by_status(admin_client, cohort):
    cohort.capacity = 1
    cohort.save()
    confirmed, waitlisted = register_trainees(cohort, 2)

    response = admin_client.get(LIST_URL, {"status": Status.WAITLISTED})

    assert listed_codes(response) == {waitlisted.code}


def test_registration_list_searches_by_code(admin_client, cohort):
    wanted, _other = register_trainees(cohort, 2)

    response = admin_client.get(LIST_URL, {"q": wanted.code.lower()})

    assert listed_codes(response) == {wanted.code}


def test_registration_list_searches_by_name(admin_client, cohort):
    [wanted] = register(cohort.pk, applicants=[ApplicantFactory(name="欧阳修")])
    register_trainees(cohort, 1)

    response = admin_client.get(LIST_URL, {"q": "欧阳"})

    assert listed_codes(response) == {wanted.code}


def test_registration_list_filtered_by_cohort_shows_seats(admin_client, cohort):
    cohort.capacity = 2
    cohort.save()
    register_trainees(cohort, 3)

    response = admin_client.get(LIST_URL, {"cohort": cohort.pk})

    seat_cohort = response.context["seat_cohort"]
    assert (seat_cohort.seats_taken, seat_cohort.capacity, seat_cohort.waitlisted) == (2, 2, 1)
    assert "2 / 2" in response.content.decode()


def test_registration_list_without_cohort_filter_has_no_seat_summary(admin_client, cohort):
    register_trainees(cohort, 1)

    response = admin_client.get(LIST_URL)

    assert response.context["seat_cohort"] is None


def count_list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST_URL).status_code == 200
    return len(queries.captured_queries)


def test_registration_list_queries_do_not_grow_with_rows(admin_client, cohort):
    register_trainees(cohort, 1)
    admin_client.get(LIST_URL)
    one = count_list_queries(admin_client)

    register_trainees(CohortFactory(programme=cohort.programme), 2)
    three = count_list_queries(admin_client)

    assert three == one


# Decisions, through the services


def pending_trainees(cohort, count: int) -> list[Registration]:
    cohort.requires_approval = True
    cohort.save()
    return register_trainees(cohort, count)


def test_bulk_approve_confirmation_lists_pending_and_unchanged(admin_client, cohort):
    [pending] = pending_trainees(cohort, 1)
    cohort.requires_approval = False
    cohort.save()
    [confirmed] = register_trainees(cohort, 1)

    response = admin_client.get(bulk_url("approve", [pending, confirmed]))

    assert response.status_code == 200
    assert [entry["item"].pk for entry in response.context["pending"]] == [pending.pk]
    assert [entry["item"].pk for entry in response.context["unchanged"]] == [confirmed.pk]


def test_bulk_approve_confirms_pending_registrations(admin_client, cohort):
    registrations = pending_trainees(cohort, 2)

    response = admin_client.post(bulk_url("approve", registrations))

    assert response.status_code == 302
    approved = refreshed(registrations)
    assert [registration.status for registration in approved] == [Status.CONFIRMED] * 2
    assert all(registration.decided_at is not None for registration in approved)


def test_bulk_approve_leaves_other_statuses_alone(admin_client, cohort):
    cohort.capacity = 1
    cohort.save()
    confirmed, waitlisted = register_trainees(cohort, 2)

    admin_client.post(bulk_url("approve", [confirmed, waitlisted]))

    assert [r.status for r in refreshed([confirmed, waitlisted])] == [
        Status.CONFIRMED,
        Status.WAITLISTED,
    ]


def test_bulk_reject_frees_seat_and_promotes_waiting_list(admin_client, cohort):
    cohort.capacity = 1
    cohort.save()
    [pending, waiting] = pending_trainees(cohort, 2)
    assert [r.status for r in refreshed([pending, waiting])] == [Status.PENDING, Status.WAITLISTED]

    response = admin_client.post(bulk_url("reject", [pending]))

    assert response.status_code == 302
    rejected, promoted = refreshed([pending, waiting])
    assert (rejected.status, promoted.status) == (Status.REJECTED, Status.PENDING)
    assert rejected.decided_at is not None


def test_bulk_decisions_need_change_permission(client, cohort):
    registrations = pending_trainees(cohort, 1)
    client.force_login(staff_user("bookings.view_registration"))

    client.post(bulk_url("approve", registrations))

    assert refreshed(registrations)[0].status == Status.PENDING


# Cancelling, one registration


def test_cancel_confirmation_page_loads(admin_client, cohort):
    [registration] = register_trainees(cohort, 1)

    response = admin_client.get(f"{LIST_URL}cancel/{registration.pk}/")

    assert response.status_code == 200
    assert registration.code in response.content.decode()
    assert refreshed([registration])[0].status == Status.CONFIRMED


def test_cancel_action_cancels_and_promotes_the_waiting_list(admin_client, cohort):
    cohort.capacity = 1
    cohort.save()
    confirmed, waiting = register_trainees(cohort, 2)

    response = admin_client.post(f"{LIST_URL}cancel/{confirmed.pk}/", {"next": LIST_URL})

    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    cancelled, promoted = refreshed([confirmed, waiting])
    assert (cancelled.status, promoted.status) == (Status.CANCELLED, Status.CONFIRMED)
    assert cancelled.cancelled_at is not None
    assert [level for level, _text in messages_of(response)] == ["success"]


def test_cancel_action_refuses_an_inactive_registration(admin_client, cohort):
    [registration] = register_trainees(cohort, 1)
    admin_client.post(f"{LIST_URL}cancel/{registration.pk}/")

    response = admin_client.post(f"{LIST_URL}cancel/{registration.pk}/")

    assert response.status_code == 302
    assert [level for level, _text in messages_of(response)][-1] == "error"


def test_cancel_action_works_after_the_cohort_began(admin_client, cohort):
    [registration] = register_trainees(cohort, 1)
    cohort.starts_on = cohort.starts_on.replace(year=cohort.starts_on.year - 1)
    cohort.ends_on = cohort.starts_on
    cohort.save()

    admin_client.post(f"{LIST_URL}cancel/{registration.pk}/")

    assert refreshed([registration])[0].status == Status.CANCELLED


# Nothing bypasses the services


def refused(response) -> bool:
    """Wagtail answers a PermissionDenied with a redirect to the dashboard."""
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_registrations_cannot_be_added_in_the_admin(admin_client, cohort):
    listing = admin_client.get(LIST_URL)

    response = admin_client.post(f"{LIST_URL}add/", {"name": "张三", "unit": "芝罘区委组织部"})

    assert listing.context["can_add"] is False
    assert refused(response)
    assert Registration.objects.count() == 0


def test_registrations_cannot_be_deleted_in_the_admin(admin_client, cohort):
    [registration] = register_trainees(cohort, 1)

    single = admin_client.post(f"{LIST_URL}delete/{registration.pk}/")
    admin_client.post(bulk_url("delete", [registration]))

    assert refused(single)
    assert Registration.objects.filter(pk=registration.pk).exists()


def bulk_action_urls(response) -> list[str]:
    return re.findall(r'href="(/admin/bulk/[^"?]+)"', response.content.decode())


def test_registration_list_offers_no_bulk_delete(admin_client, cohort):
    register_trainees(cohort, 1)

    response = admin_client.get(LIST_URL)

    assert bulk_action_urls(response) == [
        "/admin/bulk/bookings/registration/approve/",
        "/admin/bulk/bookings/registration/reject/",
    ]


def test_other_snippet_lists_keep_bulk_delete(admin_client, cohort):
    response = admin_client.get("/admin/snippets/bookings/cohort/")

    assert bulk_action_urls(response) == ["/admin/bulk/bookings/cohort/delete/"]


def test_registration_bulk_delete_url_deletes_nothing_and_says_to_cancel(admin_client, cohort):
    registrations = register_trainees(cohort, 2)

    page = admin_client.get(bulk_url("delete", registrations), follow=True)
    response = admin_client.post(bulk_url("delete", registrations))

    assert page.redirect_chain == [(LIST_URL, 302)]
    assert (response.status_code, response["Location"]) == (302, LIST_URL)
    assert messages_of(response) == [("error", "报名记录不能删除，请改为取消报名。")]
    assert Registration.objects.count() == 2


def test_registration_edit_changes_details_but_never_status(admin_client, cohort):
    [registration] = register_trainees(cohort, 1)

    response = admin_client.post(
        f"{LIST_URL}edit/{registration.pk}/",
        {
            "name": "李四",
            "unit": "莱山区委组织部",
            "position": "",
            "party_organisation": "",
            "email": "lisi@example.org",
            "status": Status.CANCELLED,
            "phone": "13900000000",
        },
    )

    assert response.status_code == 302
    edited = refreshed([registration])[0]
    assert (edited.name, edited.unit) == ("李四", "莱山区委组织部")
    assert edited.email == "lisi@example.org"
    assert (edited.status, edited.phone) == (registration.status, registration.phone)


def edit_form(registration, **changes) -> dict:
    return {name: getattr(registration, name) for name in Registration.DETAIL_FIELDS} | changes


def test_registration_edit_is_logged_once_with_who_made_it(admin_client, cohort):
    [registration] = register_trainees(cohort, 1)

    admin_client.post(f"{LIST_URL}edit/{registration.pk}/", edit_form(registration, name="李四"))

    edits = ModelLogEntry.objects.for_instance(registration).filter(action="wagtail.edit")
    assert [(entry.user.username, entry.label) for entry in edits] == [
        ("admin", f"李四 {registration.code}")
    ]


def test_registration_edit_writes_only_the_details_so_a_cancellation_meanwhile_stays(cohort):
    [registration] = register_trainees(cohort, 1)
    form_instance = Registration.objects.get(pk=registration.pk)  # loaded by the edit form
    cancel_registration(registration)  # another member of staff, before the form is saved
    form_instance.unit = "莱山区委组织部"

    update_details(form_instance, by=None)

    edited = Registration.objects.get(pk=registration.pk)
    assert (edited.status, edited.unit) == (Status.CANCELLED, "莱山区委组织部")


def test_a_registration_purged_while_its_form_was_open_gets_no_details_back(cohort):
    [registration] = register_trainees(cohort, 1)
    form_instance = Registration.objects.get(pk=registration.pk)
    Registration.objects.filter(pk=registration.pk).update(
        name="", unit="", purged_at=timezone.now()
    )
    form_instance.name = "李四"

    with pytest.raises(InvalidTransition):
        update_details(form_instance, by=None)

    assert Registration.objects.get(pk=registration.pk).name == ""
    assert not ModelLogEntry.objects.for_instance(registration).filter(action="wagtail.edit")


def test_registration_inspect_view_masks_phone(admin_client, cohort):
    [registration] = register_trainees_with_phone(cohort, PHONE)

    response = admin_client.get(f"{LIST_URL}inspect/{registration.pk}/")

    content = response.content.decode()
    assert response.status_code == 200
    assert MASKED_PHONE in content
    assert PHONE not in content


# Export


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return list(sheet.iter_rows(values_only=True))


# What trainees may type; the export columns are name, phone, unit, position, party
# organisation, cohort, status, code, created at.
HOSTILE = {
    "name": '=HYPERLINK("http://x","点我")',
    "unit": "@SUM(A1)",
    "position": "+1",
    "party_organisation": "-2",
}
HIDDEN = {"name": "张三", "unit": "\t=1+1", "position": "\r=2+2", "party_organisation": "党支部"}


@pytest.fixture
def hostile_export(client, cohort):
    """A registration of formulas, one with a tab and a CR before them, and staff to export."""
    register(cohort.pk, applicants=[ApplicantFactory(**HOSTILE)])
    register(cohort.pk, applicants=[ApplicantFactory(**HIDDEN)])
    client.force_login(staff_user("bookings.view_registration"))
    return client


def export_url(fmt: str) -> str:
    """The listing's export buttons: the registrations' spreadsheet kind (core.imports)."""
    return reverse("core_imports:export", args=["registrations", fmt])


def columns(rows, *names) -> list[list]:
    """The named columns of every data row, by header."""
    header = list(rows[0])
    return [[row[header.index(name)] for name in names] for row in rows[1:]]


def test_export_masks_phones_for_staff_without_personal_data_permission(client, cohort):
    register_trainees_with_phone(cohort, PHONE)
    client.force_login(staff_user("bookings.view_registration"))

    for rows in (
        csv_rows(client.get(export_url("csv"))),
        xlsx_rows(client.get(export_url("xlsx"))),
    ):
        assert columns(rows, "手机号") == [[MASKED_PHONE]]


def test_export_shows_full_phones_with_personal_data_permission(client, cohort):
    [registration] = register_trainees_with_phone(cohort, PHONE)
    client.force_login(staff_user("bookings.view_registration", "bookings.view_personal_data"))

    rows = csv_rows(client.get(export_url("csv")))

    assert columns(rows, "姓名", "手机号", "班次", "报名码") == [
        [registration.name, PHONE, str(cohort), registration.code]
    ]


def test_wagtails_own_export_of_the_listing_is_not_offered(client, cohort):
    register_trainees_with_phone(cohort, PHONE)
    client.force_login(staff_user("bookings.view_registration", "bookings.view_personal_data"))

    response = client.get(LIST_URL, {"export": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert export_url("csv") in response.content.decode()


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_export_neutralises_formulas_typed_by_trainees(hostile_export, export):
    response = hostile_export.get(export_url(export))

    rows = csv_rows(response) if export == "csv" else xlsx_rows(response)
    # XML, and so XLSX, stores a carriage return as a line feed.
    cr = "\r" if export == "csv" else "\n"
    assert sorted(columns(rows, "姓名", "单位", "职务", "所在党组织")) == sorted(
        [
            ['\'=HYPERLINK("http://x","点我")', "'@SUM(A1)", "'+1", "'-2"],
            ["张三", "'\t=1+1", f"'{cr}=2+2", "党支部"],
        ]
    )


def test_export_csv_starts_with_byte_order_mark_for_excel(hostile_export):
    response = hostile_export.get(export_url("csv"))

    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "张三" in content.decode("utf-8-sig")


def test_staff_listing_never_shows_full_phone_even_with_permission(client, cohort):
    register_trainees_with_phone(cohort, PHONE)
    client.force_login(staff_user("bookings.view_registration", "bookings.view_personal_data"))

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert PHONE not in response.content.decode()
