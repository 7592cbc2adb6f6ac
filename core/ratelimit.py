"""Anti-automation for registration: a rate per client IP and a rate per mobile number."""

from django.conf import settings
from django_ratelimit.core import is_ratelimited

from core.validators import normalize_digits


def too_many_attempts(request, *, group: str, phone: str = "") -> bool:
    """Count this attempt against the IP's and the phone's budgets; True once either is spent.

    django-ratelimit keys the cache with a hash of the value, so no phone number is stored.
    """
    if is_ratelimited(
        request, group=group, key="ip", rate=settings.BOOKINGS_RATE_PER_IP, increment=True
    ):
        return True
    phone = normalize_digits(phone or "")
    if not phone:
        return False
    return is_ratelimited(
        request,
        group=f"{group}:phone",
        key=lambda _group, _request: phone,
        rate=settings.BOOKINGS_RATE_PER_PHONE,
        increment=True,
    )
