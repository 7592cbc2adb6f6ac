"""What every phase of the demo seeder shares: seeded random streams, the progress bar,
counters, and the ways rows are made (a live child page, StreamField blocks, unique names)."""

import random
import sys
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from tqdm import tqdm
from wagtail.models import Page

from core.slugs import pinyin_slug

DEFAULT_SEED = 20200501


@dataclass
class Pools:
    """The pictures and documents that pages share."""

    scenes: list
    portraits: list
    documents: list


class Seeder:
    """The state of one run: its scale, its seed, what it has created so far."""

    def __init__(self, *, scale=1, seed=DEFAULT_SEED, stdout=None, progress=True):
        if scale < 1:
            raise ValueError("scale must be at least 1")
        self.scale = scale
        self.seed = seed
        self.stdout = stdout or sys.stdout
        self.progress = progress
        self.created = Counter()
        self.to_index: dict[type, list] = {}

    # -- helpers -----------------------------------------------------------------------------------

    def rng(self, phase: str) -> random.Random:
        return random.Random(f"{self.seed}:{phase}")

    def bar(self, total: int, desc: str, unit: str):
        return tqdm(
            total=total,
            desc=desc,
            unit=unit,
            disable=not self.progress,
            leave=True,
            dynamic_ncols=True,
            file=sys.stderr,
        )

    @staticmethod
    def uuid(rng: random.Random) -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def block(self, rng, block_type: str, value) -> dict:
        return {"type": block_type, "value": value, "id": self.uuid(rng)}

    @staticmethod
    def unique(seen: set, candidates) -> str:
        """The first candidate not yet seen (candidates is an iterable, possibly endless)."""
        for candidate in candidates:
            if candidate not in seen:
                seen.add(candidate)
                return candidate
        raise RuntimeError("ran out of candidates")

    @staticmethod
    def published_at(rng: random.Random, max_days: int = 240) -> datetime:
        moment = timezone.now() - timedelta(days=rng.uniform(1, max_days))
        return moment.replace(microsecond=0)

    def queue_for_index(self, model, objs) -> None:
        self.to_index.setdefault(model, []).extend(objs)

    @staticmethod
    def add_page(parent: Page, page: Page) -> Page:
        """``page`` as the last, live child of ``parent``; Wagtail's ``add_child`` saves it with
        its child rows and many-to-many links and indexes it for search and references."""
        page.last_published_at = page.last_published_at or page.first_published_at
        return parent.add_child(instance=page)

    @staticmethod
    def link_m2m(model, field_name: str, links) -> None:
        """Bulk-insert rows of a (parental) many-to-many field's through table."""
        field = model._meta.get_field(field_name)
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        rows = [
            through(**{f"{source}_id": obj.pk, f"{target}_id": target_pk})
            for obj, target_pks in links
            for target_pk in dict.fromkeys(target_pks)
        ]
        through.objects.bulk_create(rows, batch_size=500)


class PinyinSlugs:
    """Each title's pinyin slug (core.slugs), numbered -2, -3… when an earlier title of the run
    had it (homophones, long titles cut short): the same titles in the same order give the
    same slugs, so a second run finds the pages it made."""

    def __init__(self):
        self.taken: set[str] = set()

    def __call__(self, title: str) -> str:
        base_slug = pinyin_slug(title) or "page"
        slug, suffix = base_slug, 1
        while slug in self.taken:
            suffix += 1
            slug = f"{base_slug}-{suffix}"
        self.taken.add(slug)
        return slug


def child_slugs(parent: Page) -> set[str]:
    return set(parent.get_children().values_list("slug", flat=True))
