"""Extension points: a page of a lower app shows what a higher app adds to it.

A page model names its hook (`section_hook`, e.g. "register_lecturer_page_section"); an app
above registers a function under that name, called with the request and the page, that
returns HTML or "". The lower app imports nothing of the higher one.
"""

from django.utils.html import format_html_join
from wagtail import hooks


def page_sections(request, page, hook_name: str = "") -> str:
    """The HTML every function registered under `hook_name` (by default the page's
    `section_hook`) returns, in order. `page` may be any object that declares its hooks."""
    hook_name = hook_name or getattr(page, "section_hook", "")
    if not hook_name:
        return ""
    parts = [render(request, page) for render in hooks.get_hooks(hook_name)]
    return format_html_join("", "{}", ((part,) for part in parts if part))
