from .certificates import Certificate
from .checkins import TAKE_ATTENDANCE, Attendance, AttendanceRule
from .evaluations import Evaluation
from .visits import StudyVisit

__all__ = [
    "TAKE_ATTENDANCE",
    "Attendance",
    "AttendanceRule",
    "Certificate",
    "Evaluation",
    "StudyVisit",
]
