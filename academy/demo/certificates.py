"""Demo certificates (结业证书): the finished demo cohorts' certificates, issued as staff would.

Run after the demo attendance (academy/demo/attendance.py): every finished cohort with
attendance gets a certificate for each trainee who meets its programme's completion rule,
through `attendance.results.services.issue_certificates`, so the serial numbers, the hours and
the audit log are what 颁发结业证书 makes. One certificate is then revoked with a reason, so the
verification page and the admin show both states. Idempotent: a trainee who ever had a
certificate is skipped, and the revocation happens once.
"""

from attendance.models import Attendance, Certificate
from attendance.results.services import issue_certificates, revoke_certificate
from bookings.models import Cohort, Registration
from bookings.models.cohorts import academy_today

DEMO_REVOKE_REASON = "演示数据：学时记录有误，撤销后重新核定"


def seed_certificates(*, by=None) -> dict[str, int]:
    """Issue the finished cohorts' certificates and revoke one; how many of each were made."""
    finished = (
        Cohort.objects.filter(ends_on__lt=academy_today())
        .filter(pk__in=Attendance.objects.values("session__cohort"))
        .select_related("programme")
        .order_by("ends_on", "pk")
    )
    issued = 0
    for cohort in finished:
        # Never certified, not even revoked: a second run leaves the revoked one revoked.
        uncertified = Registration.objects.filter(cohort=cohort, certificates__isnull=True)
        issued += len(
            issue_certificates(
                cohort, by=by, registration_ids=uncertified.values_list("pk", flat=True)
            )
        )
    revoked = 0
    if not Certificate.objects.revoked().exists():
        first = Certificate.objects.valid().order_by("serial").first()
        if first is not None:
            revoke_certificate(first, by=by, reason=DEMO_REVOKE_REASON)
            revoked = 1
    return {"issued": issued, "revoked": revoked}
