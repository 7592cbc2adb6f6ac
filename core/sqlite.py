"""SQLite files run in WAL mode: readers go on beside the one writer.

The journal mode is stored in the file, so it is set once, where the file is created or
migrated, and never by each connection: the switch needs the file to itself, and SQLite may
answer "database is locked" to connections that try it at the same moment, without waiting
out the busy timeout.
"""

import sqlite3

from django.db import connections


def use_wal(connection: sqlite3.Connection) -> None:
    """Put the file behind a raw sqlite3 connection in WAL mode (a no-op in memory)."""
    connection.execute("PRAGMA journal_mode=WAL")


def use_wal_after_migrate(using: str = "default", **kwargs) -> None:
    """post_migrate receiver: the migrated database, if it is an SQLite file, runs in WAL."""
    connection = connections[using]
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        connection.ensure_connection()
        use_wal(connection.connection)
