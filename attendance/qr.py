"""The check-in QR code on a trainee's private page, and reading back what staff scan or type.

The QR text is `<registration pk>:<signature>`: a Django signature (HMAC-SHA256 with the
project's secret key) over the pk, salted with this purpose and the registration's private
`token`. It carries no personal data, nothing in it can be forged without the secret key, and
resetting the private link (`bookings.services.rotate_token`) changes the token and so revokes
every QR code printed or screenshotted before. About 50 ASCII characters: a version-3 QR code.

Staff may type the registration code instead (the fallback when a phone will not scan): it
never holds a colon, so the two cannot be confused.
"""

import unicodedata

from django.core import signing

from bookings.models import Registration
from core.validators import normalize_digits

SALT = "attendance.checkin-qr"
SEPARATOR = ":"
# Longer than any QR text or code ever made: anything beyond is refused unread.
MAX_LENGTH = 120


def _signer(registration_token: str) -> signing.Signer:
    return signing.Signer(salt=f"{SALT}:{registration_token}", sep=SEPARATOR)


def registration_qr_text(registration: Registration) -> str:
    """The text of the registration's check-in QR code (see the module's docstring)."""
    return _signer(registration.token).sign(str(registration.pk))


def is_qr_text(text: str) -> bool:
    """Whether `text` is a scanned QR text rather than a typed code (which has no colon)."""
    return SEPARATOR in text


def registration_from_code(text: str) -> Registration | None:
    """The registration a scanned QR text or a typed registration code names, or None.

    A typed code is taken as people type it (full-width letters, lower case, spaces and
    dashes); a QR text must be exactly as signed. A forged, tampered or revoked QR text and an
    unknown code are all None: the caller cannot tell them apart, nor can whoever guesses.
    """
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text or len(text) > MAX_LENGTH or "\x00" in text:
        return None
    if not is_qr_text(text):
        code = normalize_digits(text)
        return Registration.objects.filter(code=code).first() if code.isalnum() else None
    pk, _, _signature = text.partition(SEPARATOR)
    if not pk.isascii() or not pk.isdigit() or len(pk) > 18:
        return None
    try:
        registration = Registration.objects.get(pk=int(pk))
        _signer(registration.token).unsign(text)
    except (Registration.DoesNotExist, signing.BadSignature):
        return None
    return registration
