"""Programmes (培训班), cohorts (班次) and their timetables; registrations for the cohorts.

Cohorts and registrations load first: the programme pages serve views that use them.
"""

# isort: off
from .cohorts import Cohort, Session, cohort_seat_counts
from .registrations import Registration, RegistrationGroup, field_messages, new_code
from .programmes import ProgrammeIndexPage, ProgrammePage

# isort: on

__all__ = [
    "Cohort",
    "ProgrammeIndexPage",
    "ProgrammePage",
    "Registration",
    "RegistrationGroup",
    "Session",
    "cohort_seat_counts",
    "field_messages",
    "new_code",
]
