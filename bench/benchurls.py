"""The site's URLs plus ``/bench/trivial/``, the baseline every page is compared with."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from academy.urls import urlpatterns as academy_urlpatterns


def trivial(request: HttpRequest) -> HttpResponse:
    """The cheapest Django response: the full middleware stack, no database, no template."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


# Before the site's patterns: Wagtail's catch-all would otherwise claim the path.
urlpatterns = [path("bench/trivial/", trivial, name="bench-trivial"), *academy_urlpatterns]
