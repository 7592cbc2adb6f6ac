from .certificates import Certificate
from .checkins import Attendance, AttendanceRule
from .evaluations import Evaluation
from .visits import StudyVisit

__all__ = ["Attendance", "AttendanceRule", "Certificate", "Evaluation", "StudyVisit"]
