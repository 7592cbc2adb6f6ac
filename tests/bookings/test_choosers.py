"""Snippet choosers and bulk actions show an object only to those who may see its model (issue 9,
defect 1).

Wagtail's chooser of a snippet checks no permission: any user with admin access (Wagtail's own
Editors group, say) could page through every registration's name and code and fetch any by id.
Its bulk actions' confirmation pages listed by name the items the user could not act on.
"""

import json

import pytest
from django.contrib.auth.models import Group

from tests.factories import UserFactory

from .factories import register_trainees
from .helpers import staff_user

pytestmark = pytest.mark.django_db

CHOOSE_URL = "/admin/snippets/choose/bookings/registration/"
MODAL = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


@pytest.fixture
def registration(cohort):
    [registration] = register_trainees(cohort, 1)
    return registration


@pytest.fixture
def editor(client):
    user = UserFactory(username="editor")
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return user


def chooser_urls(registration) -> list[str]:
    return [
        CHOOSE_URL,
        f"{CHOOSE_URL}results/",
        f"{CHOOSE_URL}chosen/{registration.pk}/",
        f"{CHOOSE_URL}chosen-multiple/?id={registration.pk}",
    ]


def test_editor_gets_no_registration_from_the_chooser(client, editor, registration):
    for url in chooser_urls(registration):
        response = client.get(url)

        assert (response.status_code, response.url) == (302, "/admin/"), url
        assert registration.code not in client.get(url, follow=True).content.decode(), url


def test_editor_gets_403_from_the_chooser_modal(client, editor, registration):
    for url in chooser_urls(registration):
        assert client.get(url, **MODAL).status_code == 403, url


def test_registrar_chooses_a_registration(client, registration):
    client.force_login(staff_user("bookings.view_registration"))

    listing = client.get(f"{CHOOSE_URL}results/", **MODAL)
    chosen = client.get(f"{CHOOSE_URL}chosen/{registration.pk}/", **MODAL)

    assert listing.status_code == 200
    assert registration.code in listing.content.decode()
    assert json.loads(chosen.content)["result"]["id"] == str(registration.pk)


def test_editor_still_chooses_a_district_for_a_base_page(client, editor):
    assert client.get("/admin/snippets/choose/core/district/", **MODAL).status_code == 200


def test_editor_reads_no_registration_from_a_bulk_action(client, editor, registration):
    for action in ("approve", "reject"):
        url = f"/admin/bulk/bookings/registration/{action}/?next=/admin/&id={registration.pk}"

        response = client.get(url)

        assert (response.status_code, response.url) == (302, "/admin/"), action
        assert registration.name not in client.get(url, follow=True).content.decode(), action


def test_editor_reads_no_cohort_from_its_bulk_delete(client, editor, cohort):
    response = client.get(f"/admin/bulk/bookings/cohort/delete/?next=/admin/&id={cohort.pk}")

    assert (response.status_code, response.url) == (302, "/admin/")
