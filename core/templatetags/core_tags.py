from django import template
from django.core.cache import cache
from django.template.defaulttags import querystring
from django.urls import reverse, translate_url
from django.utils.translation import get_language
from wagtail.models import Site

from .. import sections
from ..cache import current_generation
from ..models import AcademySettings

register = template.Library()

CHROME_SECONDS = 3600


@register.simple_tag(takes_context=True)
def site_chrome(context) -> dict:
    """What every page's header and footer show: the main menu, sections, contact details.

    Kept in the cache under the page-cache generation, so a publish refreshes it and a page
    render costs no query for it.
    """
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return {"links": {"home": reverse("wagtail_serve", args=("",))}, "titles": {}, "menu": []}
    key = f"chrome:{current_generation()}:{site.pk}:{get_language()}"
    chrome = cache.get(key)
    if chrome is None:
        chrome = build_chrome(request, site)
        cache.set(key, chrome, CHROME_SECONDS)
    return chrome


def build_chrome(request, site) -> dict:
    """The home page's live children: all of them by slug, for breadcrumbs and the footer's
    links, and those editors mark "show in menus", in tree order, as the main menu.
    """
    links = {"home": reverse("wagtail_serve", args=("",))}
    titles = {}
    menu = []
    # Wagtail loads the site's root page with the site itself: no query for it here.
    sections = site.root_page.get_children().live()
    for page in sections.only(
        "id", "title", "slug", "url_path", "path", "depth", "show_in_menus", "content_type"
    ):
        url = page.get_url(request)
        if not url:
            continue
        links.setdefault(page.slug, url)
        titles.setdefault(page.slug, page.title)
        if page.show_in_menus:
            # An index names its section in the visitor's language (`menu_label`).
            label = getattr(page.specific_class, "menu_label", "") or page.title
            menu.append({"title": str(label), "url": url})
    settings = AcademySettings.for_site(site)
    contact = {
        field: getattr(settings, field) for field in ("address", "phone", "email", "icp_number")
    }
    return {"links": links, "titles": titles, "menu": menu, "contact": contact}


@register.simple_tag(takes_context=True)
def language_url(context, language_code: str) -> str:
    """This page's address in another language: the same view and query, reversed in it."""
    request = context.get("request")
    return translate_url(request.get_full_path() if request else "/", language_code)


@register.inclusion_tag("includes/breadcrumb.html", takes_context=True)
def section_breadcrumb(context, slug: str) -> dict:
    """A link back to the page's section index, from the cached chrome."""
    chrome = context.get("chrome") or {}
    return {
        "url": chrome.get("links", {}).get(slug),
        "title": chrome.get("titles", {}).get(slug),
    }


@register.inclusion_tag("includes/filter_chips.html", takes_context=True)
def filter_chips(context, name: str, label: str, choices, current, label_hidden: bool = False):
    """One filter of an index page: a chip for "all", then one per choice, the current one marked.

    Each chip links to the page's query string with the parameter `name` set to the chip's value
    (removed for "all"), the other parameters kept and the page number dropped, since the
    filtered list starts again at its first page. Django's `{% querystring %}` takes only literal
    parameter names, so the chips' links are built here.

    `choices` are (value, label) pairs or objects with a slug and a name (topics, districts);
    `current` is the value filtered on, or such an object, or blank for all.
    """
    query = context["request"].GET

    def url(value) -> str:
        return querystring(context, query, **{name: value, "page": None})

    current = getattr(current, "slug", current) or ""
    chips = []
    for choice in choices:
        value, text = choice if isinstance(choice, (tuple, list)) else (choice.slug, choice.name)
        chips.append({"label": text, "url": url(value), "current": value == current})
    return {
        "name": name,
        "label": label,
        "label_hidden": label_hidden,
        "all_url": url(None),
        "all_current": not current,
        "chips": chips,
    }


@register.simple_tag(takes_context=True)
def page_sections(context, page, hook_name: str = "") -> str:
    """What the apps above add to this page through its `section_hook`, or through `hook_name`
    where a page has more than one place for them (core.sections)."""
    return sections.page_sections(context.get("request"), page, hook_name)
