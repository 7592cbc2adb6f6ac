"""core.locking: locks only inside a transaction, and a "busy" error in Chinese."""

import pytest
from django.db import transaction
from django.utils import translation

from core.locking import LockTimeout, NotInTransaction, lock_key, lock_object, lock_rows
from core.models import User


@pytest.mark.parametrize(
    "take_lock",
    [
        lambda: lock_rows(User, [1, 2]),
        lambda: lock_object(User, 1),
        lambda: lock_key(1102, "学院301教室"),
    ],
    ids=["rows", "object", "key"],
)
def test_locking_outside_a_transaction_is_refused(take_lock):
    """No query runs: a lock released at once would guard nothing."""
    with pytest.raises(NotInTransaction):
        take_lock()


@pytest.mark.django_db
def test_lock_rows_returns_the_ids_found_in_order():
    users = [User.objects.create(username=name) for name in ("wang", "li", "zhang")]
    ids = [user.pk for user in users]

    with transaction.atomic():
        locked = lock_rows(User, [ids[2], ids[0], ids[2], ids[0] + 1000])

    assert locked == [ids[0], ids[2]]


@pytest.mark.django_db
def test_lock_object_returns_the_row_read_under_the_lock():
    user = User.objects.create(username="wang")
    User.objects.filter(pk=user.pk).update(first_name="伟")

    with transaction.atomic():
        locked = lock_object(User, user.pk)

    assert (locked.pk, locked.first_name) == (user.pk, "伟")


def test_lock_timeout_says_busy_in_chinese():
    with translation.override("zh-hans"):
        busy = LockTimeout()

        assert (busy.code, str(busy.message)) == (
            "busy",
            "系统正在处理对同一事项的其他操作，请稍后重试。",
        )
