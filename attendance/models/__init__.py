from .checkins import Attendance, AttendanceRule
from .evaluations import Evaluation
from .visits import StudyVisit

__all__ = ["Attendance", "AttendanceRule", "Evaluation", "StudyVisit"]
