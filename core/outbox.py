"""Tasks queued by a write, as a transactional outbox: they run only if the write commits.

With the database task backend the tasks' rows are written inside the transaction of the write
that gives rise to them: they commit or roll back with it, so no crash between the two can lose
a notice, and the worker sees them only once committed. Other backends are handed the tasks on
commit: the immediate one runs them as it enqueues, and nothing may wait inside a transaction
(on SQLite it would hold the write lock); a queue outside the database could run a task before
the rows it names are committed.
"""

from collections.abc import Sequence

from django.db import router, transaction
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult


def queues_in_transaction(task, model) -> bool:
    """Whether `task`'s rows are written through the connection `model`'s rows are.

    django-tasks-db enqueues with a plain `DBTaskResult.objects.create()`, no transaction of its
    own: on the same database it joins the caller's transaction.
    """
    return isinstance(task.get_backend(), DatabaseBackend) and router.db_for_write(
        DBTaskResult
    ) == router.db_for_write(model)


def enqueue_with_write(task, argument_lists: Sequence[Sequence], *, model) -> None:
    """Queue `task(*arguments)` for each of `argument_lists`, all or none, with the write of
    `model`'s rows that the caller's transaction (or one of its own outside any) holds."""
    if not argument_lists:
        return

    def enqueue():
        for arguments in argument_lists:
            task.enqueue(*arguments)

    if queues_in_transaction(task, model):
        with transaction.atomic(savepoint=False):
            enqueue()
    else:
        transaction.on_commit(enqueue)
