"""A user's permissions kept in the cache between requests, for the API's token clients.

Django's ModelBackend reads a user's permissions in two queries (their own, their groups') in
every request that asks; a scanner at the door sends a request for every person, and those two
queries were a third of each check-in. `load_cached_permissions(user)` fills the user's
permission caches from Django's cache instead. The entry holds the generation it was read
under, and any change of who holds what (a user's groups or permissions, a group's permissions,
a group or permission deleted) starts a new generation, so a withdrawn permission counts from
the next request. An entry also expires after `TIMEOUT`, which bounds how long a change made
while the cache server was unreachable (its new generation lost) could go unseen.
"""

import uuid

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

GENERATION_KEY = "permissions-generation"
TIMEOUT = 60


def entry_key(user) -> str:
    return f"permissions:{user.pk}"


def renew_generation(**kwargs) -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def load_cached_permissions(user) -> None:
    """Fill `user`'s permission caches (ModelBackend's `_user_perm_cache`, `_group_perm_cache`,
    `_perm_cache`) from the cache, or read them and keep them there: one cache round trip."""
    if not user.is_active or user.is_anonymous or user.is_superuser:
        return  # Django answers these without reading any permission
    found = cache.get_many([GENERATION_KEY, entry_key(user)])
    generation = found.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(GENERATION_KEY)
        if generation is None:  # no cache to trust: Django reads them when asked
            return
    entry = found.get(entry_key(user))
    if entry is not None and entry[0] == generation:
        _generation, user_permissions, group_permissions = entry
    else:
        backend = ModelBackend()
        user_permissions = backend.get_user_permissions(user)
        group_permissions = backend.get_group_permissions(user)
        cache.set(entry_key(user), (generation, user_permissions, group_permissions), TIMEOUT)
    user._user_perm_cache = set(user_permissions)
    user._group_perm_cache = set(group_permissions)
    user._perm_cache = user._user_perm_cache | user._group_perm_cache
