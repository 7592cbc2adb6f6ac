"""Anti-automation for registration: a rate per client IP and a rate per mobile number."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django_ratelimit.core import is_ratelimited

from core.validators import normalize_mobile, validate_mobile


def too_many_attempts(request, *, group: str, phone: str = "") -> bool:
    """Count this attempt against the IP's and the phone's budgets; True once either is spent.

    `phone` is as typed; its budget is keyed on the number it normalises to, so "+86 139…" and
    "139…" share one. A phone that is no valid number has no budget of its own (validation
    refuses it anyway) and counts against the IP's only: keying on whatever was sent would give
    each made-up value a fresh budget and a cache entry. django-ratelimit keys the cache with
    a hash of the value, so no phone number is stored.
    """
    if is_ratelimited(
        request, group=group, key="ip", rate=settings.BOOKINGS_RATE_PER_IP, increment=True
    ):
        return True
    phone = normalize_mobile(phone if isinstance(phone, str) else "")
    try:
        validate_mobile(phone)
    except ValidationError:
        return False
    return is_ratelimited(
        request,
        group=f"{group}:phone",
        key=lambda _group, _request: phone,
        rate=settings.BOOKINGS_RATE_PER_PHONE,
        increment=True,
    )
