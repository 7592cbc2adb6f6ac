"""Imports at the same instant keep the seat rules: a cohort is never overbooked, and each
file is registered whole or refused whole (PostgreSQL: threads with their own connections).
It also failed on the primary key while django-import-export reset the id sequence after each
import (to the largest id its own transaction saw): `AcademyResource.after_import`."""

from collections import Counter

import pytest

from bookings.models import Registration
from core.imports.models import ImportRecord
from tests import concurrency
from tests.bookings.factories import CohortFactory

from .conftest import xlsx_bytes
from .helpers import import_file, messages

# serialized_rollback: each test's flush would otherwise take the migrations' root page with it.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HEADERS = ["班次", "姓名", "手机号", "单位"]


@pytest.mark.postgres
def test_concurrent_imports_never_overbook_and_apply_whole_files(postgres, programme, admin_user):
    cohort = CohortFactory(programme=programme, capacity=10, waitlist_enabled=False)
    files = [
        xlsx_bytes(
            [
                HEADERS,
                *[[str(cohort), f"学员{n}{i}", f"139{n:04d}{i:04d}", "某局"] for i in range(5)],
            ]
        )
        for n in range(4)
    ]

    def work(index: int) -> str:
        record = import_file("registrations", f"报名{index}.xlsx", files[index], admin_user)
        return (
            record.status if record.status == ImportRecord.Status.APPLIED else messages(record)[0]
        )

    results = concurrency.run_together(4, work)

    assert Counter(results) == {"applied": 2, f"{cohort}：名额已满。": 2}
    assert Registration.objects.filter(status="confirmed").count() == 10
    # Whole files: each file's five trainees are all in, or none of them is.
    registered = Counter(
        phone[3:7] for phone in Registration.objects.values_list("phone", flat=True)
    )
    assert sorted(registered.values()) == [5, 5]
