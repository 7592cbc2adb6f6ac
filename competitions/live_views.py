"""The live roadshow's big screen and the JSON it polls (see competitions/live.py)."""

from django.conf import settings
from django.http import Http404, HttpResponseNotModified, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from .live import cached_payload


@require_safe
def screen(request, round_id):
    """The page a projector shows: rendered with the current state, then kept up to date by
    static/js/live-screen.js (no inline script: the public Content-Security-Policy forbids it)."""
    data, _version = cached_payload(round_id)
    if data is None:
        raise Http404
    context = {
        "data": data,
        "data_url": reverse("competitions:live_data", kwargs={"round_id": round_id}),
        "poll_milliseconds": int(settings.COMPETITIONS_LIVE_POLL_SECONDS * 1000),
    }
    response = TemplateResponse(request, "competitions/live/screen.html", context)
    patch_cache_control(response, no_cache=True)
    return response


@require_safe
def data(request, round_id):
    """The screen's state as JSON; a client that has the current version gets 304."""
    data, version = cached_payload(round_id)
    if data is None:
        raise Http404
    etag = f'"live-{round_id}-{version}-{get_language()}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["ETag"] = etag
    patch_cache_control(response, no_cache=True)
    return response
