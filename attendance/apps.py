from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    """Check-in, study hours, certificates, evaluations, study visits and the visitor figures.

    Sits above `bookings/`, which never imports it: the pages of the lower apps show its parts
    through the extension points they declare (core.sections).
    """

    name = "attendance"
    verbose_name = _("Attendance")
