"""Fast creation of many published pages under one parent, without revisions.

``parent.add_child()`` costs about 25 ms a page (a query for the last sibling, full_clean, the
parent's numchild, search and reference signals), which is too slow for thousands of pages. Here
the treebeard paths are computed in Python, the ``wagtailcore_page`` rows are inserted with one
``bulk_create`` and the rows of the specific table (which Django cannot bulk-create, since it is a
multi-table child) with a multi-row INSERT of its local fields. The parent's ``numchild`` is set
afterwards. Nothing is indexed for search: the caller runs the indexer once at the end.
"""

from collections.abc import Iterable, Sequence

from django.contrib.contenttypes.models import ContentType
from django.db import connections, router
from django.db.models import Model
from django.utils import timezone
from wagtail.models import Page


def chunked(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def children_slugs(parent: Page) -> set[str]:
    return set(
        Page.objects.filter(path__startswith=parent.path, depth=parent.depth + 1).values_list(
            "slug", flat=True
        )
    )


def bulk_add_children(parent: Page, pages: Sequence[Page], *, batch_size: int = 500) -> list[Page]:
    """Insert ``pages`` (unsaved instances of one specific page model) as live children."""
    if not pages:
        return []
    model = type(pages[0])
    if any(type(page) is not model for page in pages):
        raise TypeError("bulk_add_children takes pages of a single model")
    using = router.db_for_write(model)
    content_type = ContentType.objects.db_manager(using).get_for_model(model)
    depth = parent.depth + 1
    last = (
        Page.objects.using(using)
        .filter(path__startswith=parent.path, depth=depth)
        .order_by("-path")
        .values_list("path", flat=True)
        .first()
    )
    position = Page._str2int(last[-Page.steplen :]) if last else 0
    now = timezone.now()

    for page in pages:
        position += 1
        page.path = Page._get_path(parent.path, depth, position)
        page.depth = depth
        page.numchild = 0
        page.url_path = f"{parent.url_path}{page.slug}/"
        page.content_type = content_type
        page.locale_id = parent.locale_id
        page.live = True
        page.has_unpublished_changes = False
        page.first_published_at = page.first_published_at or now
        page.last_published_at = page.last_published_at or page.first_published_at
        page.draft_title = page.title

    page_fields = [field for field in Page._meta.concrete_fields if not field.primary_key]
    rows = [
        Page(**{field.attname: getattr(page, field.attname) for field in page_fields})
        for page in pages
    ]
    Page.objects.using(using).bulk_create(rows, batch_size=batch_size)
    for page, row in zip(pages, rows, strict=True):
        page.id = row.id
        page.page_ptr_id = row.id

    insert_local_rows(model, pages, using=using)
    for page in pages:
        page._state.adding = False
        page._state.db = using

    numchild = Page.objects.using(using).filter(path__startswith=parent.path, depth=depth).count()
    Page.objects.using(using).filter(pk=parent.pk).update(numchild=numchild)
    parent.numchild = numchild
    return list(pages)


def insert_local_rows(model: type[Model], objs: Sequence[Model], *, using: str) -> None:
    """A multi-row INSERT of the fields that live in ``model``'s own table."""
    fields = list(model._meta.local_concrete_fields)
    connection = connections[using]
    size = max(1, connection.ops.bulk_batch_size(fields, objs))
    for batch in chunked(objs, min(size, 500)):
        model._base_manager.using(using)._insert(batch, fields=fields, using=using)
