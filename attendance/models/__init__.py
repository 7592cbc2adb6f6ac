from .certificates import Certificate
from .checkins import Attendance, AttendanceRule

__all__ = ["Attendance", "AttendanceRule", "Certificate"]
