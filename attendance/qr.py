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
from dataclasses import dataclass, field

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


@dataclass
class ScannedCode:
    """What staff scanned or typed, read once: the registration's pk from a QR text, or a typed
    registration code (taken as people type it: full-width letters, lower case, spaces and
    dashes), or neither (`pk` and `code` both None: nothing can match).

    `registration()` finds it and checks a QR text's signature; a query may find it first
    (`selectors.session_for_check_in` reads it with the session) and hand it over with
    `found()`. A forged, tampered or revoked QR text and an unknown code are all None: the
    caller cannot tell them apart, nor can whoever guesses.
    """

    text: str
    pk: int | None = None
    code: str | None = None
    _registration: Registration | None = field(default=None, init=False, repr=False)
    _looked_up: bool = field(default=False, init=False, repr=False)

    @classmethod
    def read(cls, text: str) -> "ScannedCode":
        text = unicodedata.normalize("NFKC", text or "").strip()
        if not text or len(text) > MAX_LENGTH or "\x00" in text:
            return cls(text)
        if not is_qr_text(text):
            code = normalize_digits(text)
            return cls(text, code=code) if code.isalnum() else cls(text)
        pk, _, _signature = text.partition(SEPARATOR)
        if not pk.isascii() or not pk.isdigit() or len(pk) > 18:
            return cls(text)
        return cls(text, pk=int(pk))

    @property
    def is_qr(self) -> bool:
        return self.pk is not None

    @property
    def lookup(self) -> tuple[str, int | str] | None:
        """The registration's field and value to find it by (`id` of a QR text, or `code`),
        or None when nothing can match."""
        if self.is_qr:
            return "id", self.pk
        return ("code", self.code) if self.code else None

    def found(self, registration: Registration | None) -> None:
        """What a query found for `pk` or `code` (None: nothing), not yet checked."""
        self._registration, self._looked_up = registration, True

    def registration(self) -> Registration | None:
        """The registration named, its QR signature checked; None when there is none."""
        if not self._looked_up:
            found = None
            if self.lookup:
                field, value = self.lookup
                found = Registration.objects.filter(**{field: value}).first()
            self.found(found)
        registration = self._registration
        if registration is None or not self.is_qr:
            return registration
        try:
            _signer(registration.token).unsign(self.text)
        except signing.BadSignature:
            return None
        return registration


def registration_from_code(text: str) -> Registration | None:
    """The registration a scanned QR text or a typed registration code names, or None."""
    return ScannedCode.read(text).registration()
