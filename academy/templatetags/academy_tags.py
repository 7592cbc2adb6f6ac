from django import template
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import get_language
from wagtail.models import Page, Site

from academy.cache import current_generation

register = template.Library()

SECTION_SLUGS = ("courses", "programmes", "trainers", "bases", "news", "about")
CHROME_SECONDS = 3600


@register.simple_tag(takes_context=True)
def site_chrome(context) -> dict:
    """What every page's header and footer show: section links and titles, contact details.

    Kept in the cache under the page-cache generation, so a publish refreshes it and a page
    render costs no query for it.
    """
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return {"links": {"home": reverse("wagtail_serve", args=("",))}, "titles": {}}
    key = f"chrome:{current_generation()}:{site.pk}:{get_language()}"
    chrome = cache.get(key)
    if chrome is None:
        chrome = build_chrome(request, site)
        cache.set(key, chrome, CHROME_SECONDS)
    return chrome


def build_chrome(request, site) -> dict:
    from academy.models import AcademySettings

    links = {"home": reverse("wagtail_serve", args=("",))}
    titles = {}
    sections = Page.objects.live().filter(depth=3, slug__in=SECTION_SLUGS)
    for page in sections.only("id", "title", "slug", "url_path", "path", "depth"):
        url = page.get_url(request)
        if url and page.slug not in links:
            links[page.slug] = url
            titles[page.slug] = page.title
    settings = AcademySettings.for_site(site)
    contact = {
        field: getattr(settings, field) for field in ("address", "phone", "email", "icp_number")
    }
    return {"links": links, "titles": titles, "contact": contact}


@register.inclusion_tag("includes/breadcrumb.html", takes_context=True)
def section_breadcrumb(context, slug: str) -> dict:
    """A link back to the page's section index, from the cached chrome."""
    chrome = context.get("chrome") or {}
    return {
        "url": chrome.get("links", {}).get(slug),
        "title": chrome.get("titles", {}).get(slug),
    }
