"""The registry of import kinds: what can be imported and exported, by whom."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from wagtail import hooks

# The Wagtail hook an app registers its kinds with (see `core.imports`' docstring).
HOOK = "register_import_kinds"


@dataclass(frozen=True)
class ImportKind:
    """One kind of spreadsheet: its resource, who may import and export it, its listing.

    `permission` is a permission name or a function of the user (for pages, whose rights come
    from the page tree); export needs `export_permission` (default: the same). `export_only`
    kinds have no import. `listing_url_name` is the admin listing it is imported from, or
    `listing` a function giving that listing's URL (a page kind's is its index page's).
    """

    slug: str
    label: str
    resource_class: type
    permission: str | Callable
    export_permission: str | Callable | None = None
    export_only: bool = False
    listing_url_name: str = ""
    listing: Callable[[], str] | None = None
    help_text: str = ""
    extra: dict = field(default_factory=dict)

    def resource(self, *, user=None, **kwargs):
        return self.resource_class(user=user, **kwargs)

    @staticmethod
    def _allows(permission, user) -> bool:
        if not user or not user.is_authenticated:
            return False
        if callable(permission):
            return bool(permission(user))
        return user.has_perm(permission)

    def user_can_import(self, user) -> bool:
        return not self.export_only and self._allows(self.permission, user)

    def user_can_export(self, user) -> bool:
        return self._allows(self.export_permission or self.permission, user)

    def listing_url(self) -> str:
        if self.listing is not None:
            return self.listing()
        return reverse(self.listing_url_name) if self.listing_url_name else ""


def import_kinds() -> dict[str, ImportKind]:
    """Every registered kind by slug, in the order the apps registered them."""
    kinds = {}
    for make in hooks.get_hooks(HOOK):
        kind = make()
        kinds[kind.slug] = kind
    return kinds


def get_kind(slug: str) -> ImportKind | None:
    return import_kinds().get(slug)
