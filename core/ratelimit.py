"""Anti-automation for registration: a rate per client IP and a rate per mobile number."""

import ipaddress
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django_ratelimit.core import get_usage

from core.validators import normalize_mobile, validate_mobile

logger = logging.getLogger(__name__)


def client_ip(request) -> str:
    """The address rate limits count: the one the last of our TRUSTED_PROXIES saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with N
    proxies in front the client is the N-th entry from the right (as DRF's NUM_PROXIES reads
    it); whatever a client wrote further left is its own claim and ignored. With no proxy
    (the default) the header is all claim and REMOTE_ADDR is the client.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    forwarded = [
        address.strip()
        for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if address.strip()
    ]
    if not proxies or not forwarded:
        return remote_addr
    candidate = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        # Not written by a proxy of ours: TRUSTED_PROXIES counts more proxies than there are.
        return remote_addr


def spent(request, *, group: str, key, rate: str) -> int:
    """Count one attempt; the seconds until this budget's window ends once it is spent, else 0."""
    usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
    if usage is None:
        logger.error("Rate limit %r not counted: the cache did not answer.", group)
        return 0
    if not usage["should_limit"]:
        return 0
    return max(usage["time_left"], 1)


def too_many_attempts(
    request,
    *,
    group: str,
    phone: str = "",
    phone_rate: str | None = None,
    ip_rate: str | None = None,
) -> int:
    """Count this attempt against the IP's and the phone's budgets.

    Returns 0 while both have room, else the seconds until the spent budget's window ends
    (django-ratelimit's fixed windows: the count starts again then), for Retry-After.
    `phone` is as typed; its budget is keyed on the number it normalises to, so "+86 139…" and
    "139…" share one. A phone that is no valid number has no budget of its own (validation
    refuses it anyway) and counts against the IP's only: keying on whatever was sent would give
    each made-up value a fresh budget and a cache entry. django-ratelimit keys the cache with
    a hash of the value, so no phone number is stored. `phone_rate` replaces
    BOOKINGS_RATE_PER_PHONE for an action that costs more than a try (one that sends a text),
    `ip_rate` BOOKINGS_RATE_PER_IP for one that a network may try less often.
    """
    ip_rate = ip_rate or settings.BOOKINGS_RATE_PER_IP
    if wait := spent(request, group=group, key="ip", rate=ip_rate):
        return wait
    phone = normalize_mobile(phone if isinstance(phone, str) else "")
    try:
        validate_mobile(phone)
    except ValidationError:
        return 0
    return spent(
        request,
        group=f"{group}:phone",
        key=lambda _group, _request: phone,
        rate=phone_rate or settings.BOOKINGS_RATE_PER_PHONE,
    )


def retry_after(wait: int) -> dict[str, str]:
    """The Retry-After header for a refusal that too_many_attempts timed; none for 0."""
    return {"Retry-After": str(wait)} if wait else {}
