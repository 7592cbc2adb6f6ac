"""An API token's user and their permissions, kept in the cache between requests.

DRF's token authentication reads the token and its user in every request, and Django's
ModelBackend a user's permissions in two more queries (their own, their groups') whenever asked;
a scanner at the door sends a request for every person, and those three queries were most of a
check-in's. `authenticate_cached(key, read)` answers from Django's cache instead: one cache
round trip, no SQL. The entry is kept under the token's SHA-256 (never the token itself) and
holds the generation it was read under; any change of who holds what (a user saved or deleted,
a token deleted, a user's groups or permissions, a group's permissions, a group or permission
deleted) starts a new generation, so a deactivated user, a deleted token or a withdrawn
permission counts from the very next request. An entry also expires after `TIMEOUT`, which
bounds how long a change the signals cannot see (a queryset's `update()`, or a change made while
the cache server was unreachable, its new generation lost) could go unseen.

The cached user carries only the fields below (no password hash in the cache); any other field
is deferred and read from the database if some code asks for it. A user signed in by session
(the admin's scanner page) has their permissions cached the same way (`load_permissions`).
"""

import hashlib
import uuid
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from rest_framework.authtoken.models import Token

from .rows import instance_from_values

GENERATION_KEY = "permissions-generation"
TIMEOUT = 60
USER_FIELDS = ("id", "username", "first_name", "last_name", "is_active", "is_staff", "is_superuser")


def entry_key(token_key: str) -> str:
    # The version changes with the entry's shape (USER_FIELDS), so that a release never reads
    # an entry an earlier one wrote.
    return f"api-token:v1:{hashlib.sha256(token_key.encode()).hexdigest()}"


def renew_generation(**kwargs) -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def generation(found: dict) -> str | None:
    """The current generation (from `found`, else started now), or None without a cache."""
    current = found.get(GENERATION_KEY)
    if current is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        current = cache.get(GENERATION_KEY)
    return current


def cached(key: str, read: Callable[[], tuple]) -> tuple:
    """The value kept under `key` in the current generation, or `read()`, then kept there
    (unless there is no cache to trust): one cache round trip when found."""
    found = cache.get_many([GENERATION_KEY, key])
    current = generation(found)
    entry = found.get(key)
    if current is not None and entry is not None and entry[0] == current:
        return entry[1]
    value = read()
    if current is not None:
        cache.set(key, (current, value), TIMEOUT)
    return value


def authenticate_cached(key: str, read: Callable[[str], tuple]) -> tuple:
    """(user, token) for an API token, from the cache, or from `read(key)` (DRF's own look-up,
    which refuses an unknown token or an inactive user) and then kept in the cache.
    The user's permission caches are filled either way (`fill_permissions`)."""

    def read_entry() -> tuple:
        user, token = read(key)
        user_values = {name: getattr(user, name) for name in USER_FIELDS}
        return user_values, token.created, *read_permissions(user)

    user_values, created, user_permissions, group_permissions = cached(entry_key(key), read_entry)
    # The same partial user whether it was just read or found: its other fields are deferred.
    user = instance_from_values(get_user_model(), user_values)
    token = instance_from_values(Token, {"key": key, "user_id": user.pk, "created": created})
    fill_permissions(user, user_permissions, group_permissions)
    return user, token


def load_permissions(user) -> None:
    """Fill a signed-in user's permission caches from the cache, or read them and keep them
    there under the same generation: for the admin's own scanner page, which sends the same
    check-ins with the staff member's session instead of a token."""
    if not user.is_active or user.is_anonymous:
        return
    permissions = cached(f"permissions:v1:{user.pk}", lambda: read_permissions(user))
    fill_permissions(user, *permissions)


def read_permissions(user) -> tuple[set[str], set[str]]:
    if user.is_superuser:  # Django answers without reading any permission
        return set(), set()
    backend = ModelBackend()
    return backend.get_user_permissions(user), backend.get_group_permissions(user)


def fill_permissions(user, user_permissions, group_permissions) -> None:
    """ModelBackend's caches (`_user_perm_cache`, `_group_perm_cache`, `_perm_cache`), which
    `has_perm` reads before it would query."""
    user._user_perm_cache = set(user_permissions)
    user._group_perm_cache = set(group_permissions)
    user._perm_cache = user._user_perm_cache | user._group_perm_cache
