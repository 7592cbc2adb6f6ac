"""Pinyin slugs: a page titled in Chinese gets an address in pinyin, as Chinese sites use,
instead of a percent-encoded one (/courses/%E7%BA%A2%E8%89%B2…/).

"红色物业专题" → "hong-se-wu-ye-zhuan-ti". Wagtail's slug field (its `w-slug` script) fills the
slug from the title as typed, Chinese included (WAGTAIL_ALLOW_UNICODE_SLUGS); any slug that is
not ASCII becomes pinyin when the page is validated: in the admin's form (`PinyinSlugPageForm`,
against the parent's other children) and in the model's `full_clean`, which Wagtail runs on
every save, so pages made in code (the demo data, an import) without a slug get one too.
"""

from django.utils.text import slugify
from pypinyin import lazy_pinyin
from wagtail.admin.forms import WagtailAdminPageForm

# Wagtail's slug field takes 255 characters; an address stays readable well below that.
MAX_SLUG_LENGTH = 80


def pinyin_slug(text: str) -> str:
    """Each Han character's pinyin without tones, words joined by hyphens; Latin letters and
    digits kept, lower-cased; anything else (punctuation, other scripts) dropped."""
    words = lazy_pinyin(text or "")
    slug = slugify(" ".join(words))
    if len(slug) > MAX_SLUG_LENGTH:
        slug = slug[:MAX_SLUG_LENGTH].rsplit("-", 1)[0]
    return slug


def needs_pinyin(slug: str) -> bool:
    return bool(slug) and not slug.isascii()


def available_slug(page, base_slug: str, parent) -> str:
    """`base_slug`, or with -2, -3… as Wagtail numbers an automatic slug taken under `parent`."""
    candidate, suffix = base_slug, 1
    while not page._slug_is_available(candidate, parent, page):
        suffix += 1
        candidate = f"{base_slug}-{suffix}"
    return candidate


class PinyinSlugPageMixin:
    """A page whose slug is pinyin whenever it would hold Chinese (or is left empty)."""

    def full_clean(self, *args, **kwargs):
        parent = self.get_parent() if self.path else getattr(self, "_cached_parent_obj", None)
        source = self.slug if needs_pinyin(self.slug) else ("" if self.slug else self.title)
        base_slug = pinyin_slug(source) if source else ""
        if base_slug:
            self.slug = available_slug(self, base_slug, parent) if parent else base_slug
        super().full_clean(*args, **kwargs)


class PinyinSlugPageForm(WagtailAdminPageForm):
    """The admin's page form: a Chinese slug (as Wagtail's script fills it from the title)
    is saved as pinyin, numbered if a sibling has it already."""

    def clean_slug(self):
        slug = self.cleaned_data.get("slug", "")
        if needs_pinyin(slug) and (base_slug := pinyin_slug(slug)):
            parent = self.parent_page
            return available_slug(self.instance, base_slug, parent) if parent else base_slug
        return slug
