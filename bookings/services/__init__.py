"""Every state change of training: seats (`registrations`) and timetables (`timetable`).

Each service takes the acting user, locks through `core.locking`, and writes its audit entry
in the same transaction. The registration services are re-exported here, the names views,
the API and the admin call.
"""

from .privacy import PurgeCount, cohorts_to_purge, purge_personal_data
from .registrations import (
    AlreadyRegistered,
    Applicant,
    BookingError,
    CapacityBelowSeatsTaken,
    CohortFull,
    GroupContact,
    InvalidTransition,
    RegistrationClosed,
    approve_registrations,
    cancel_registration,
    decide_status,
    find_registration,
    lock_cohort,
    lock_cohorts,
    promote_waitlisted,
    register,
    reject_registrations,
    resend_codes,
    reveal_phone,
    rotate_token,
    seat_counts,
    update_cohort,
    update_details,
)

__all__ = [
    "AlreadyRegistered",
    "Applicant",
    "BookingError",
    "CapacityBelowSeatsTaken",
    "CohortFull",
    "GroupContact",
    "InvalidTransition",
    "RegistrationClosed",
    "approve_registrations",
    "cancel_registration",
    "decide_status",
    "find_registration",
    "lock_cohort",
    "lock_cohorts",
    "PurgeCount",
    "cohorts_to_purge",
    "promote_waitlisted",
    "purge_personal_data",
    "register",
    "reject_registrations",
    "resend_codes",
    "reveal_phone",
    "rotate_token",
    "seat_counts",
    "update_cohort",
    "update_details",
]
