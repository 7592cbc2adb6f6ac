"""Public views of certificates: the verification page its QR code opens, and the trainee's
download from their private page (by the registration's private token, never a phone)."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from bookings.models import Registration
from core.ratelimit import retry_after, spent

from ..models import Certificate
from .hours import format_hours
from .pdf import render_certificate

TOO_MANY = _("Too many attempts from this network or number. Please wait a few minutes.")


@never_cache
def certificate_verification(request, serial: str):
    """Anyone holding a certificate's serial (its QR code) reads whether it is valid: the
    name masked (张*明), the programme, the cohort's dates and hours. 404 for an unknown one.
    Never cached: a revocation shows at once. Serials run in sequence, so an address that asks
    for more than BOOKINGS_RATE_PER_IP of them is told to wait (429) rather than list them all."""
    if wait := spent(
        request, group="certificate_verification", key="ip", rate=settings.BOOKINGS_RATE_PER_IP
    ):
        return HttpResponse(TOO_MANY, status=429, headers=retry_after(wait))
    certificate = get_object_or_404(Certificate, serial=serial.strip().upper())
    context = {"certificate": certificate, "hours": format_hours(certificate.hours)}
    response = TemplateResponse(request, "attendance/certificate_verification.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
def certificate_download(request, token: str):
    """The trainee's valid certificate as a PDF, for whoever holds the private link; 404 when
    the link is unknown or reset, or there is no valid certificate (none yet, or revoked)."""
    registration = get_object_or_404(Registration, token=token)
    certificate = Certificate.objects.valid().filter(registration=registration).first()
    if certificate is None:
        raise Http404
    response = HttpResponse(render_certificate(certificate), content_type="application/pdf")
    # An ASCII file name: the serial says which certificate it is.
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.serial}.pdf"'
    response["X-Robots-Tag"] = "noindex"
    return response
