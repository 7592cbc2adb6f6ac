"""The PostgreSQL backend (core.postgresql): its health check makes no round trip for a
connection in good order and replaces one the server dropped before the request uses it; the
statements a hot path repeats are prepared once per connection, Django's own never."""

import select

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections

from core.postgresql.base import DatabaseWrapper
from core.rows import fetch_one

pytestmark = pytest.mark.django_db


@pytest.fixture
def reused(postgres):
    """A second connection to the test database, as a worker holds one between requests."""
    wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
    assert isinstance(wrapper, DatabaseWrapper)
    wrapper.ensure_connection()
    assert wrapper.health_check_enabled
    yield wrapper
    wrapper.close()


def backend_pid(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def last_statement(pid: int) -> str:
    """What the server last received from that backend, as PostgreSQL itself reports it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


def next_request(wrapper) -> None:
    """What Django does when a request starts, then the check before its first query."""
    wrapper.close_if_unusable_or_obsolete()
    wrapper.close_if_health_check_failed()


def test_a_connection_in_good_order_is_reused_without_a_round_trip(reused):
    pid = backend_pid(reused)

    next_request(reused)

    assert reused.connection is not None
    assert last_statement(pid) == "SELECT pg_backend_pid()"  # no SELECT 1 was sent
    assert backend_pid(reused) == pid


def test_a_connection_the_server_dropped_is_replaced_before_the_request_uses_it(reused):
    pid = backend_pid(reused)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The server's farewell reaches the socket.
    assert select.select([reused.connection.pgconn.socket], [], [], 5)[0]

    next_request(reused)

    assert backend_pid(reused) != pid


def test_without_the_check_the_dropped_connection_fails_the_request(reused):
    """The control: the same drop, no health check, and the request's first query fails."""
    pid = backend_pid(reused)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    assert select.select([reused.connection.pgconn.socket], [], [], 5)[0]
    reused.health_check_enabled = False

    next_request(reused)

    with pytest.raises(OperationalError):
        backend_pid(reused)


def test_a_connection_left_in_a_transaction_gets_the_full_check(reused):
    pid = backend_pid(reused)
    reused.connection.execute("BEGIN")

    next_request(reused)

    assert last_statement(pid) == "SELECT 1"
    assert reused.connection is not None


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_hot_path_statement_is_prepared_once_per_connection(postgres):
    statement = "SELECT %s::int + 1, %s::text"

    assert fetch_one(statement, [1, "签到"]) == (2, "签到")
    assert fetch_one(statement, [41, "迟到"]) == (42, "迟到")

    assert prepared_statements().count("SELECT $1::int + 1, $2::text") == 1


def test_django_s_own_queries_are_not_prepared(postgres):
    for value in range(10):
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::int * 2", [value])

    assert not [s for s in prepared_statements() if "* 2" in s]


def test_without_prepared_statements_a_hot_path_statement_is_not_prepared(postgres):
    """DATABASE_PREPARED_STATEMENTS=false, for a pooler that cannot keep them."""
    own = connections.create_connection(DEFAULT_DB_ALIAS)
    own.settings_dict = {**own.settings_dict, "OPTIONS": {}}
    try:
        with own.prepared_cursor() as cursor:
            cursor.execute("SELECT %s::int - 1", [5])
            assert cursor.fetchone() == (4,)
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            assert cursor.fetchone() == (0,)
    finally:
        own.close()
