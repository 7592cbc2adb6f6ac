"""The demo certificates: the finished cohorts' trainees who meet the rule are certified through
the service, one certificate is revoked to show both states, and a second run makes nothing."""

import pytest

from academy.demo.certificates import DEMO_REVOKE_REASON, seed_certificates
from attendance.models import Certificate

pytestmark = pytest.mark.django_db


def test_demo_certificates_are_issued_once_and_one_is_revoked(completed_cohort):
    # The fixture's cohort ran in March 2026, before today.
    first = seed_certificates()
    again = seed_certificates()

    assert first == {"issued": 2, "revoked": 1}
    assert again == {"issued": 0, "revoked": 0}
    assert Certificate.objects.valid().count() == 1
    assert list(Certificate.objects.revoked().values_list("revoke_reason", flat=True)) == [
        DEMO_REVOKE_REASON
    ]
