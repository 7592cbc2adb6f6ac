"""Staff screens: who meets a cohort's rule, 颁发结业证书 in bulk, the certificates listing with
revoke (with a reason), and the study-hours ledger, viewable and exportable."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from wagtail.models import ModelLogEntry

from attendance.models import Certificate
from attendance.results.services import issue_certificates
from tests.attendance.results_fixtures import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar(client):
    user = staff_user("教务", "registrar")
    client.force_login(user)
    return user


def test_cohort_completion_lists_each_trainee_against_the_rule(client, registrar, completed_cohort):
    group = completed_cohort["cohort"]

    response = client.get(reverse("completion:cohort", args=[group.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-completes="yes"') == 2
    assert html.count('data-completes="no"') == 1
    assert reverse("completion:issue", args=[group.pk]) in html


def test_completion_index_lists_the_cohorts(client, registrar, completed_cohort):
    response = client.get(reverse("completion:index"))

    assert response.status_code == 200
    assert reverse("completion:cohort", args=[completed_cohort["cohort"].pk]) in (
        response.content.decode()
    )


def test_issue_asks_first_then_issues_everyone_in_one_go(client, registrar, completed_cohort):
    url = reverse("completion:issue", args=[completed_cohort["cohort"].pk])

    confirmation = client.get(url)
    response = client.post(url)

    assert confirmation.status_code == 200
    assert "张晓明" in confirmation.content.decode()
    assert "王芳" not in confirmation.content.decode()
    assert response.status_code == 302
    assert sorted(Certificate.objects.values_list("name", flat=True)) == ["张晓明", "李华"]
    assert set(Certificate.objects.values_list("issued_by", flat=True)) == {registrar.pk}


def test_cohort_certificates_print_as_one_pdf(client, registrar, completed_cohort):
    issue_certificates(completed_cohort["cohort"], by=registrar)

    response = client.get(
        reverse("completion:certificates_pdf", args=[completed_cohort["cohort"].pk])
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_certificates_listing_and_export(client, registrar, completed_cohort):
    issued = issue_certificates(completed_cohort["cohort"], by=registrar)

    listing = client.get(reverse("attendance_certificates:index"))
    export = client.get(reverse("core_imports:export", args=["certificates", "csv"]))

    assert listing.status_code == 200
    assert all(c.serial in listing.content.decode() for c in issued)
    csv = b"".join(export.streaming_content).decode("utf-8-sig")
    assert all(c.serial in csv for c in issued)


def test_revoke_needs_a_reason_and_is_logged(client, registrar, completed_cohort):
    [zhang, _] = issue_certificates(completed_cohort["cohort"], by=registrar)
    url = reverse("attendance_certificates:revoke", args=[zhang.pk])

    form = client.get(url)
    refused = client.post(url, {"reason": ""})
    revoked = client.post(url, {"reason": "学时记录有误"})

    assert form.status_code == 200
    assert refused.status_code == 200
    assert revoked.status_code == 302
    zhang.refresh_from_db()
    assert (zhang.is_valid, zhang.revoke_reason, zhang.revoked_by) == (
        False,
        "学时记录有误",
        registrar,
    )
    [entry] = ModelLogEntry.objects.filter(action="attendance.certificate.revoke")
    assert entry.user == registrar


def test_inspect_offers_revoke_for_a_valid_certificate(client, registrar, completed_cohort):
    [zhang, _] = issue_certificates(completed_cohort["cohort"], by=registrar)

    response = client.get(reverse("attendance_certificates:inspect", args=[zhang.pk]))

    assert response.status_code == 200
    assert reverse("attendance_certificates:revoke", args=[zhang.pk]) in (response.content.decode())


def test_ledger_for_a_trainee_shows_totals_per_cohort_and_year(client, registrar, completed_cohort):
    li = completed_cohort["li"]

    response = client.get(reverse("study_hours:index"), {"phone": li.phone})

    html = response.content.decode()
    assert response.status_code == 200
    assert "data-trainee-totals" in html
    assert f'data-cohort="{completed_cohort["cohort"].pk}"' in html
    assert 'data-year="2026"' in html


def ledger_export(client, phone):
    """The ledger's export, the `hours` spreadsheet kind's: per trainee and cohort."""
    url = reverse("core_imports:export", args=["hours", "csv"])
    response = client.get(url, {"phone": phone})
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_ledger_exports_a_trainees_credited_hours(client, registrar, completed_cohort):
    li = completed_cohort["li"]

    lines = ledger_export(client, li.phone).strip().splitlines()

    assert len(lines) == 1 + 1
    # 教务 may see full numbers.
    assert li.phone in lines[1]


def test_ledger_export_masks_phones_without_the_permission(client, completed_cohort):
    user = staff_user("教务", "registrar")
    user.user_permissions.add(Permission.objects.get(codename="view_attendance"))
    user.groups.clear()
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    li = completed_cohort["li"]

    csv = ledger_export(client, li.phone)

    assert li.phone not in csv
    assert li.masked_phone in csv


def test_cohort_listing_links_to_completion(client, registrar, completed_cohort):
    response = client.get("/admin/snippets/bookings/cohort/")

    assert reverse("completion:cohort", args=[completed_cohort["cohort"].pk]) in (
        response.content.decode()
    )
