"""The one way to lock what a write consumes: rows in a fixed order, and named keys.

The rules are pretix's (`base/services/locking.py`): lock everything whose availability you
consume, once per transaction, as late as possible but before counting again, and never when
only freeing capacity. The helpers here add what every caller would otherwise repeat:

- they refuse to run outside a transaction, where a lock would be released at once;
- they lock rows by ascending primary key, so two writers of the same rows never wait on each
  other in a circle (callers locking several tables take them in one documented order);
- on PostgreSQL they set `lock_timeout` for the rest of the transaction, so a request that
  waits longer than `settings.LOCK_TIMEOUT_SECONDS` gets `LockTimeout`, a "busy, try again"
  the views turn into a clear answer, instead of hanging until the proxy gives up.

On SQLite, `transaction_mode: IMMEDIATE` makes the transaction itself the lock (BEGIN waits
for any other writer), `select_for_update` does nothing and there are no advisory locks.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

# PostgreSQL's SQLSTATE for lock_not_available, raised when lock_timeout expires.
LOCK_NOT_AVAILABLE = "55P03"


class LockTimeout(Exception):
    """Another request held a lock this one needs for longer than LOCK_TIMEOUT_SECONDS."""

    code = "busy"
    default_message = _("The system is busy with another change to the same item. Try again.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class NotInTransaction(RuntimeError):
    """A lock taken outside a transaction would be released before the write it guards."""


def _connection(using: str):
    connection = connections[using]
    if not connection.in_atomic_block:
        raise NotInTransaction(
            "Locks are held until the transaction ends: call this inside transaction.atomic()."
        )
    return connection


def _set_lock_timeout(connection) -> None:
    if connection.vendor != "postgresql":
        return
    milliseconds = int(settings.LOCK_TIMEOUT_SECONDS * 1000)
    with connection.cursor() as cursor:
        # set_config(…, true) is SET LOCAL: it ends with the transaction.
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{milliseconds}ms"])


@contextmanager
def _busy_after_timeout(connection) -> Iterator[None]:
    """Set the lock timeout, and turn PostgreSQL's lock_not_available into LockTimeout."""
    _set_lock_timeout(connection)
    try:
        yield
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise LockTimeout() from error
        raise


def _queryset(model_or_queryset: type[Model] | QuerySet) -> QuerySet:
    if isinstance(model_or_queryset, QuerySet):
        return model_or_queryset
    return model_or_queryset._default_manager.all()


def lock_rows(
    model_or_queryset: type[Model] | QuerySet,
    ids: Iterable[int],
    *,
    no_key: bool = False,
    of: tuple[str, ...] = (),
) -> list[int]:
    """Lock the rows with these primary keys, in ascending order; the ids found.

    `no_key` locks `FOR NO KEY UPDATE`, which rows that merely refer to the locked one do not
    wait for; `of` names the tables to lock in a query over inherited models (`("self",)`).
    """
    queryset = _queryset(model_or_queryset)
    connection = _connection(queryset.db)
    ids = sorted(set(ids))
    if not ids:
        return []
    with _busy_after_timeout(connection):
        return list(
            queryset.select_for_update(no_key=no_key, of=of)
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def lock_object(model_or_queryset: type[Model] | QuerySet, pk: int) -> Model:
    """Lock one row and return it, read after the lock was granted.

    Raises the model's DoesNotExist when there is no such row.
    """
    queryset = _queryset(model_or_queryset)
    with _busy_after_timeout(_connection(queryset.db)):
        return queryset.select_for_update().get(pk=pk)


def lock_key(space: int, key: str, *, using: str | None = None) -> None:
    """Lock a thing that has no row (a room), named by `space` and `key`, until the transaction
    ends. Keys that hash alike only queue behind each other. PostgreSQL only; on SQLite the
    transaction is already the lock."""
    connection = _connection(using or DEFAULT_DB_ALIAS)
    if connection.vendor != "postgresql":
        return
    with _busy_after_timeout(connection), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [space, key])
