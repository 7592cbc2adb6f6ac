"""The API's error bodies: in the client's language, with the shape the OpenAPI schema declares."""

import pytest

from tests.factories import SuperuserFactory

pytestmark = pytest.mark.django_db


def test_required_message_is_the_same_in_the_wagtail_admin(client):
    client.force_login(SuperuserFactory(username="admin"))

    response = client.post("/admin/snippets/academy/organisation/add/", {})

    page = response.content.decode()
    assert response.status_code == 200
    assert "该字段是必填项。" in page
    assert "必需字段" not in page
