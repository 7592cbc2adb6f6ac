"""The scanner's token, its user and their permissions stay in the cache between check-ins
(`core.permissions`): a check-in reads them once, and a withdrawn permission, group or token or
a deactivated user counts from the very next request."""

import json
import pickle

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from attendance.qr import registration_qr_text
from tests.bookings.factories import register_trainees
from tests.bookings.helpers import staff_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/checkins/"
TAKE = Permission.objects.filter(content_type__app_label="attendance", codename="take_attendance")


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """A cache of this module's own: under PostgreSQL the suite's workers share one Redis
    database, and another worker's clearing it would look like a cache miss here."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "scanner-permissions",
        }
    }
    cache.clear()


@pytest.fixture
def scanner():
    user = staff_user("attendance.take_attendance")
    return user, Token.objects.create(user=user)


@pytest.fixture
def scan(client, session, cohort, scanner):
    """POST the next confirmed trainee's QR text; the answer and the SQL it ran."""
    trainees = iter(register_trainees(cohort, 8))

    def post(token=None, *, signed_in=False):
        """With `signed_in`, as the admin's scanner page sends it: the session, no token."""
        body = json.dumps({"session": session.pk, "code": registration_qr_text(next(trainees))})
        headers = {} if signed_in else {"authorization": f"Token {token or scanner[1].key}"}
        with CaptureQueriesContext(connection) as queries:
            response = client.post(URL, body, content_type="application/json", headers=headers)
        return response, [query["sql"] for query in queries.captured_queries]

    return post


def reads_permissions(queries) -> bool:
    return any('FROM "auth_permission"' in sql for sql in queries)


def test_permissions_are_read_once_then_come_from_the_cache(scan):
    response, queries = scan()
    assert response.status_code == 201
    assert reads_permissions(queries)
    response, queries = scan()
    assert response.status_code == 201
    assert not reads_permissions(queries)


def test_a_scan_after_the_first_runs_two_statements(scan):
    scan()
    response, queries = scan()

    assert response.status_code == 201
    # No token, user or permission read: the session with the registration, then the insert.
    assert len(queries) == 2, queries
    assert '"bookings_session"' in queries[0] and '"bookings_registration"' in queries[0]
    assert queries[1].startswith('INSERT INTO "attendance_attendance"')


def test_the_cache_holds_neither_the_token_nor_the_password_hash(scan, scanner):
    user, token = scanner
    assert scan()[0].status_code == 201

    stored = pickle.dumps(dict(cache._cache))  # the locmem cache's keys and pickled values

    assert token.key.encode() not in stored
    assert user.password.encode() not in stored
    assert user.username.encode() in stored  # the entry is there


def test_a_user_made_superuser_is_read_again(scan, scanner):
    user, _token = scanner
    user.groups.clear()
    assert scan()[0].status_code == 403
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    assert scan()[0].status_code == 201


def test_a_group_losing_the_permission_counts_at_the_next_scan(scan, scanner):
    assert scan()[0].status_code == 201
    scanner[0].groups.get().permissions.remove(*TAKE)
    response, _queries = scan()
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_leaving_the_group_counts_at_the_next_scan(scan, scanner):
    assert scan()[0].status_code == 201
    scanner[0].groups.clear()
    assert scan()[0].status_code == 403


def test_a_deleted_group_counts_at_the_next_scan(scan, scanner):
    assert scan()[0].status_code == 201
    scanner[0].groups.get().delete()
    assert scan()[0].status_code == 403


def test_a_permission_given_directly_counts_at_the_next_scan(scan):
    outsider = staff_user()
    token = Token.objects.create(user=outsider)
    assert scan(token.key)[0].status_code == 403
    outsider.user_permissions.add(*TAKE)
    assert scan(token.key)[0].status_code == 201


def test_a_deactivated_user_or_deleted_token_is_refused_at_once(scan, scanner):
    user, token = scanner
    assert scan()[0].status_code == 201
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert scan()[0].status_code == 401
    user.is_active = True
    user.save(update_fields=["is_active"])
    assert scan()[0].status_code == 201
    token.delete()
    assert scan()[0].status_code == 401


def test_without_a_cache_permissions_are_read_every_time(scan, scanner, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    for _ in range(2):
        response, queries = scan()
        assert response.status_code == 201
        assert reads_permissions(queries)
    Group.objects.get(user=scanner[0]).permissions.remove(*TAKE)
    assert scan()[0].status_code == 403


def test_the_scanner_pages_session_reads_permissions_once_too(client, scan, scanner):
    client.force_login(scanner[0])
    response, queries = scan(signed_in=True)
    assert response.status_code == 201
    assert reads_permissions(queries)

    response, queries = scan(signed_in=True)
    assert response.status_code == 201
    assert not reads_permissions(queries)

    scanner[0].groups.get().permissions.remove(*TAKE)
    response, queries = scan(signed_in=True)
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
