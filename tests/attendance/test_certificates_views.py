"""The public verification page (valid, revoked, unknown; the name masked) and the trainee's
download from their private page, by the registration's private token."""

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance.models.certificates import mask_name
from attendance.results.services import issue_certificates, revoke_certificate
from bookings.services import rotate_token
from tests.attendance.results_fixtures import cohort, programme, staff_user, trainee

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(completed_cohort):
    return issue_certificates(completed_cohort["cohort"], by=staff_user())


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张晓明", "张*明"),
        ("李华", "李*"),
        ("欧阳晓明", "欧**明"),
        ("王", "*"),
        (" 张 晓明 ", "张**明"),
    ],
)
def test_names_are_masked_keeping_the_first_and_last_character(name, masked):
    assert mask_name(name) == masked


def test_a_valid_certificate_is_verified_with_the_name_masked(client, issued):
    zhang = issued[0]

    response = client.get(f"/certificates/{zhang.serial}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="valid"' in html
    assert "张*明" in html
    assert "张晓明" not in html
    assert "基层党组织书记培训班 第1期" in html
    assert zhang.serial in html
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-cache" in response["Cache-Control"]


def test_a_revoked_certificate_says_so_without_the_reason(client, issued):
    zhang = issued[0]
    revoke_certificate(zhang, by=staff_user(), reason="学时记录有误")

    response = client.get(f"/certificates/{zhang.serial}/")

    html = response.content.decode()
    assert 'data-status="revoked"' in html
    assert 'data-status="valid"' not in html
    assert "学时记录有误" not in html


def test_an_unknown_serial_is_not_found(client, issued):
    assert client.get("/certificates/YTDJ-1999-000001/").status_code == 404


def test_the_serial_is_read_as_typed_in_lower_case(client, issued):
    assert client.get(f"/certificates/{issued[0].serial.lower()}/").status_code == 200


def test_the_trainee_downloads_the_pdf_by_the_private_token(client, issued):
    zhang = issued[0]
    url = reverse("certificates:download", kwargs={"token": zhang.registration.token})

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="certificate-{zhang.serial}.pdf"'
    )
    assert response.content.startswith(b"%PDF-")
    assert zhang.registration.phone not in url


def test_no_download_without_a_valid_certificate(client, completed_cohort, issued):
    zhang = issued[0]
    wang = completed_cohort["wang"]
    revoke_certificate(zhang, by=staff_user(), reason="姓名有误")

    revoked = client.get(reverse("certificates:download", args=[zhang.registration.token]))
    never = client.get(reverse("certificates:download", args=[wang.token]))

    assert (revoked.status_code, never.status_code) == (404, 404)


def test_a_reset_private_link_stops_the_old_download(client, issued):
    registration = issued[0].registration
    old = reverse("certificates:download", args=[registration.token])
    rotate_token(registration, by=None)

    assert client.get(old).status_code == 404


def test_private_page_shows_hours_and_the_download_link(client, completed_cohort, issued):
    zhang = completed_cohort["zhang"]

    response = client.get(zhang.get_absolute_url())

    html = response.content.decode()
    assert 'id="study-hours"' in html
    assert 'data-hours="8"' in html
    download = reverse("certificates:download", args=[zhang.token])
    assert f'href="{download}"' in html
    assert f'href="/certificates/{issued[0].serial}/"' in html
    assert zhang.phone not in html


def test_private_page_without_a_certificate_shows_the_hours_only(client, completed_cohort, issued):
    wang = completed_cohort["wang"]

    html = client.get(wang.get_absolute_url()).content.decode()

    assert 'data-hours="8"' in html
    assert "certificate.pdf" not in html


def test_private_page_of_a_cohort_not_begun_shows_no_hours(client, programmes):
    registration = trainee(cohort(programme()))

    html = client.get(registration.get_absolute_url()).content.decode()

    assert 'id="study-hours"' not in html


def test_verifying_serial_after_serial_from_one_address_is_slowed_down(client, issued, settings):
    settings.BOOKINGS_RATE_PER_IP = "3/m"
    year = timezone.localdate().year
    urls = [f"/certificates/YTDJ-{year}-{n:06d}/" for n in range(1, 5)]

    answers = [client.get(url).status_code for url in urls]

    assert answers == [200, 200, 404, 429]
