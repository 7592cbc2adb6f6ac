"""The live roadshow's big screen and the JSON it polls (see competitions/live.py)."""

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from .live import cached_entry, cached_page


@require_safe
def screen(request, round_id):
    """The page a projector shows: rendered with the current state, then kept up to date by
    static/js/live-screen.js (no inline script: the public Content-Security-Policy forbids it).
    Rendered once per change of the state, as the JSON is: it holds no form and no token."""
    found, version = cached_entry(round_id)
    if not found:
        raise Http404

    def render() -> bytes:
        context = {
            "data": found["payload"],
            "data_url": reverse("competitions:live_data", kwargs={"round_id": round_id}),
            "poll_milliseconds": int(settings.COMPETITIONS_LIVE_POLL_SECONDS * 1000),
        }
        return render_to_string("competitions/live/screen.html", context, request).encode()

    response = HttpResponse(cached_page(round_id, version, render))
    patch_cache_control(response, no_cache=True)
    return response


@require_safe
def data(request, round_id):
    """The screen's state as JSON; a client that has the current version gets 304."""
    found, version = cached_entry(round_id)
    if not found:
        raise Http404
    etag = f'"live-{round_id}-{version}-{get_language()}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(found["json"], content_type="application/json")
    response["ETag"] = etag
    patch_cache_control(response, no_cache=True)
    return response
