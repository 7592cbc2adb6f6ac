"""Private-link tokens: unguessable, URL-safe, and carrying no personal data."""

import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)
