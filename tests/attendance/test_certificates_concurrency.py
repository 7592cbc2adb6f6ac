"""Staff pressing 颁发结业证书 at the same moment, for the same cohort or for two: every trainee
who completes gets one certificate, and the year's serial numbers stay unique and unbroken.

On PostgreSQL, threads with their own connections issue at once (the cohort row and the year's
serial numbers are locked through core.locking); on SQLite the IMMEDIATE transaction is the lock.
"""

from collections import Counter

import pytest
from django.utils import timezone

from attendance.models import Certificate
from attendance.results.services import issue_certificates
from tests import concurrency
from tests.attendance.results_fixtures import (
    Status,
    cohort,
    local,
    mark,
    programme,
    session,
    staff_user,
    trainee,
)
from tests.bookings.factories import mobile

# serialized_rollback: each test's flush would otherwise take the migrations' root page with it.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.postgres
def test_concurrent_issuing_certifies_each_trainee_once_with_unbroken_serials(postgres, programmes):
    page = programme()
    cohorts = [cohort(page, f"第{n}期", capacity=20) for n in (1, 2)]
    for n, group in enumerate(cohorts):
        one = session(group, local(2026, 3, 2 + n), "2.0")
        for k in range(5):
            mark(one, trainee(group, name=f"学员{n}{k}", phone=mobile(100 * n + k)), Status.PRESENT)
    staff = staff_user()

    results = concurrency.run_together(
        6, lambda index: str(len(issue_certificates(cohorts[index % 2], by=staff)))
    )

    assert sorted(results) == ["0", "0", "0", "0", "5", "5"]
    per_registration = Counter(Certificate.objects.values_list("registration_id", flat=True))
    assert sorted(per_registration.values()) == [1] * 10
    year = timezone.localdate().year
    assert sorted(Certificate.objects.values_list("serial", flat=True)) == [
        f"YTDJ-{year}-{n:06d}" for n in range(1, 11)
    ]
