"""Calendar feeds (iCalendar) of cohorts, bases, lecturers, the academy, one session, and a
trainee's own registration.

Each feed is built once per cache generation and kept whole in the cache with its ETag (a hash
of the bytes) and Last-Modified; a conditional request that matches gets 304. Feeds are written
in the site's language (Chinese) whatever the visitor's, since calendar clients send none.
An unknown or revoked token, like an unpublished page, is a plain 404.
"""

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from bases.models import TrainingBasePage
from core.cache import CALENDAR_GENERATION_KEY, current_generation
from lecturers.models import LecturerPage

from ..models import Cohort, Registration
from . import build as calendars

CACHE_SECONDS = 3600
# Calendar apps poll; a short shared max-age spares the site without hiding a reschedule long.
PUBLIC_MAX_AGE = 300


def base_url(request) -> str:
    return request.build_absolute_uri("/")


def feed_response(
    request,
    *,
    key: str,
    build: Callable[[], tuple[bytes, object]],
    filename: str,
    private: bool = False,
) -> HttpResponse:
    cache_key = (
        f"calendar:{current_generation()}:{current_generation(CALENDAR_GENERATION_KEY)}:"
        f"{request.get_host()}:{key}"
    )
    entry = cache.get(cache_key)
    if entry is None:
        with translation.override(settings.LANGUAGE_CODE):
            data, modified = build()
        etag = f'"{hashlib.sha256(data).hexdigest()[:32]}"'
        entry = (data, modified.timestamp() if modified else None, etag)
        cache.set(cache_key, entry, CACHE_SECONDS)
    data, modified, etag = entry
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if private:
        patch_cache_control(response, private=True, no_cache=True)
        response["X-Robots-Tag"] = "noindex"
    else:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return get_conditional_response(
        request, etag=etag, last_modified=int(modified) if modified else None, response=response
    )


def sessions_feed(request, sessions, *, name: str, **kwargs) -> tuple[bytes, object]:
    sessions = calendars.load_sessions(sessions)
    calendar = calendars.build_calendar(sessions, name=name, base_url=base_url(request), **kwargs)
    data = calendar.to_ical()
    return data, calendars.last_modified(sessions)


@require_safe
def cohort_feed(request, cohort_id: int):
    cohort = get_object_or_404(
        Cohort.objects.select_related("programme").filter(programme__live=True), pk=cohort_id
    )

    def build():
        name = _("%(cohort)s timetable") % {"cohort": cohort}
        return sessions_feed(request, calendars.public_sessions().filter(cohort=cohort), name=name)

    return feed_response(
        request, key=f"cohort:{cohort.pk}", build=build, filename=f"cohort-{cohort.pk}.ics"
    )


@require_safe
def base_feed(request, page_id: int):
    base = get_object_or_404(TrainingBasePage.objects.live().only("id", "title"), pk=page_id)

    def build():
        name = _("Sessions at %(base)s") % {"base": base.title}
        sessions = calendars.recent_and_upcoming(calendars.public_sessions().filter(base=base))
        return sessions_feed(request, sessions, name=name)

    return feed_response(
        request, key=f"base:{base.pk}", build=build, filename=f"base-{base.pk}.ics"
    )


@require_safe
def lecturer_feed(request, page_id: int):
    lecturer = get_object_or_404(LecturerPage.objects.live().only("id", "title"), pk=page_id)

    def build():
        name = _("%(lecturer)s: teaching") % {"lecturer": lecturer.title}
        sessions = calendars.recent_and_upcoming(
            calendars.public_sessions().filter(lecturers=lecturer)
        )
        return sessions_feed(request, sessions, name=name)

    return feed_response(
        request,
        key=f"lecturer:{lecturer.pk}",
        build=build,
        filename=f"lecturer-{lecturer.pk}.ics",
    )


@require_safe
def academy_feed(request):
    def build():
        name = _("Yantai City Party-Building Academy: sessions")
        sessions = calendars.recent_and_upcoming(calendars.public_sessions())
        return sessions_feed(request, sessions, name=name)

    return feed_response(request, key="academy", build=build, filename="academy.ics")


@require_safe
def session_file(request, uid):
    """One session as a one-event file, for "add to calendar"."""

    def build():
        sessions = calendars.load_sessions(calendars.public_sessions().filter(uid=uid))
        if not sessions:
            raise Http404
        name = sessions[0].display_title
        data = calendars.build_calendar(sessions, name=name, base_url=base_url(request)).to_ical()
        return data, calendars.last_modified(sessions)

    return feed_response(request, key=f"session:{uid}", build=build, filename=f"{uid}.ics")


@require_safe
def registration_feed(request, token: str):
    """A trainee's own sessions, with their registration code; all cancelled once they are not
    taking part any more, so their calendar follows."""
    registration = get_object_or_404(
        Registration.objects.select_related("cohort__programme").only(
            "id", "code", "status", "updated_at", "cohort__title", "cohort__programme__title"
        ),
        token=token,
    )

    def build():
        name = _("My timetable: %(cohort)s") % {"cohort": registration.cohort}
        code = _("Registration code: %(code)s") % {"code": registration.code}
        sessions = calendars.calendar_sessions().filter(cohort_id=registration.cohort_id)
        return sessions_feed(
            request,
            sessions,
            name=name,
            private_description=code,
            cancelled=not registration.is_active,
        )

    stamp = registration.updated_at.timestamp()
    return feed_response(
        request,
        key=f"registration:{registration.pk}:{registration.status}:{stamp}",
        build=build,
        filename=f"registration-{registration.code}.ics",
        private=True,
    )
