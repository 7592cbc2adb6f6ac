"""What attendance adds to the pages of the apps below it (core.sections)."""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from bookings.models import Registration
from bookings.templatetags.calendar_tags import qr_svg

from .qr import registration_qr_text


def check_in_qr_section(request, registration: Registration) -> str:
    """Inside the ticket of a confirmed registration with sessions still ahead: the check-in QR
    code to show at the door, drawn here (its text is a signed token, no personal data). Never
    cached: resetting the private link changes it."""
    if registration.status != Registration.Status.CONFIRMED:
        return ""
    if not registration.cohort.sessions.scheduled().filter(ends_at__gt=timezone.now()).exists():
        return ""
    context = {
        "registration": registration,
        "qr": mark_safe(qr_svg(registration_qr_text(registration), _("Check-in QR code"))),
    }
    return render_to_string("attendance/includes/check_in_qr.html", context, request=request)
