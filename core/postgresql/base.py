"""Django's PostgreSQL backend, whose health check of a persistent connection makes no round
trip while the connection shows nothing wrong.

With `CONN_HEALTH_CHECKS`, Django runs `SELECT 1` before the first query of every request that
reuses a connection, so that a connection the server dropped (a restart, an idle timeout, a
terminated backend) is replaced instead of failing the request. Every request pays a round
trip for it; a check-in, whose own work is two statements, pays a third.

A server that drops a connection says so on the socket: it sends its last message (FATAL
57P01 "terminating connection …") and closes, and the socket turns readable. An idle
connection in good order has nothing to read. So the check first asks the socket, without
waiting: nothing to read, an idle session and libpq content, and the connection passes as it
is; anything else (bytes waiting, a transaction left open, a broken state) and Django's own
`SELECT 1` decides, as before. After a request that failed with a database error, Django's
check runs unchanged (`close_if_unusable_or_obsolete` calls `is_usable`).

It also gives the few statements a hot path repeats a cursor that prepares them
(`prepared_cursor`): PostgreSQL parses and plans such a statement once per connection instead
of at every request (a check-in's read costs the server a quarter of its unprepared cost).
Django's own cursors bind on the client and prepare nothing, whatever `prepare_threshold`
says; with `prepare_threshold` None (Django's default, for connection poolers that cannot
keep prepared statements) this cursor prepares nothing either.
"""

import select

from django.db.backends.postgresql import base, operations
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg import errors, pq

IDLE = pq.TransactionStatus.IDLE
OK = pq.ConnStatus.OK


class PreparingCursor(base.ServerBindingCursor):
    """Django's server-side-binding cursor, each statement prepared on the connection the
    first time it runs (psycopg keeps the names, and drops them after DDL or a rollback)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        # A prepared statement's text is not kept on the cursor: the logged SQL (DEBUG, the
        # tests' query counts) is composed from the statement and its parameters, as Django
        # does for its server-side-binding cursors.
        if isinstance(cursor, PreparingCursor):
            try:
                return self.compose_sql(sql, params)
            except errors.DataError:
                return None
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def prepared_cursor(self):
        """A cursor, as `cursor()` gives (health check, error wrapping, query logging), whose
        statements are prepared once per connection: for statements a hot path repeats with
        different parameters, not for one-off ones (each prepared statement stays in the
        server's memory until the connection closes)."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            cursor = PreparingCursor(self.connection)
            # As `create_cursor` does: the connection's time zone for timestamptz values.
            loader = self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, pq.Format.TEXT)
            if self.timezone != loader.timezone:
                register_tzloader(self.timezone, cursor)
            return self._prepare_cursor(cursor)

    def close_if_health_check_failed(self):
        if self.connection is not None and not self.health_check_done and self.looks_healthy():
            self.health_check_done = True
        return super().close_if_health_check_failed()

    def looks_healthy(self) -> bool:
        """Whether the connection is open, idle, and has nothing waiting to be read, asked of
        libpq and the socket without a round trip."""
        connection = self.connection
        pgconn = connection.pgconn
        if pgconn.status != OK or pgconn.transaction_status != IDLE:
            return False
        try:
            return not readable(pgconn.socket)
        except (OSError, ValueError):
            return False


def readable(fd: int) -> bool:
    """Whether the socket has bytes (or the end of the stream) to read, without waiting."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))
