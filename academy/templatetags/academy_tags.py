from django import template
from django.urls import reverse
from wagtail.models import Page, Site

register = template.Library()

NAV_SLUGS = ("courses", "trainers", "bases", "news", "about")


@register.simple_tag(takes_context=True)
def site_links(context) -> dict[str, str]:
    """URLs of the home page and the top-level sections, by slug, in one query."""
    request = context.get("request")
    links = {"home": reverse("wagtail_serve", args=("",))}
    site = Site.find_for_request(request) if request else None
    if site is None:
        return links
    sections = Page.objects.live().filter(depth=3, slug__in=NAV_SLUGS)
    for page in sections.only("id", "slug", "url_path", "path", "depth"):
        url = page.get_url(request)
        if url:
            links.setdefault(page.slug, url)
    return links
