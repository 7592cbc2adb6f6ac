"""iCalendar (RFC 5545) files of timetables: pure builders, no HTTP.

Every event's UID is the session's `uid` at the academy's calendar domain, so it is stable for
the session's life whatever staff change; `Session.sequence` (raised by the admin on a change of
time, place or lecturers) is its SEQUENCE; a cancelled session stays in every feed as
STATUS:CANCELLED so subscribed calendars strike it out instead of silently losing it.

Public feeds carry only what the public pages show: titles, times, places, lecturers' names and
links. A trainee's private feed adds their registration code; nothing else personal is written.

Feeds and mail invitations are built and serialised by the icalendar library.
"""

import datetime
import functools
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import (
    Calendar,
    Event,
    Timezone,
    vCalAddress,
    vDDDTypes,
    vDuration,
    vGeo,
    vInt,
    vText,
    vUri,
)

from bases.models import TrainingBasePage
from courses.models import CoursePage

from ..models import Cohort, Session

PRODID = "-//Yantai City Party-Building Academy//Timetables//ZH"
REFRESH = datetime.timedelta(hours=1)
# Subscribed calendars keep what the feed last listed: a window of past sessions stays so that
# the week just gone does not vanish from trainees' and lecturers' calendars.
PAST_WINDOW = datetime.timedelta(days=90)
LIST_SEPARATOR = "、"


def uid_domain() -> str:
    return settings.CALENDAR_UID_DOMAIN or (
        urlsplit(settings.WAGTAILADMIN_BASE_URL).hostname or "localhost"
    )


SESSION_FIELDS = (
    "id",
    "uid",
    "cohort_id",
    "course_id",
    "base_id",
    "title",
    "room",
    "starts_at",
    "ends_at",
    "study_hours",
    "cancelled_at",
    "sequence",
    "updated_at",
)


def calendar_sessions():
    """The sessions feeds draw on, in order; filter them, then `load_sessions`."""
    return Session.objects.only(*SESSION_FIELDS).order_by("starts_at", "pk")


def load_sessions(queryset) -> list[Session]:
    """The sessions with their cohort and programme, course and base (one shared instance of
    each) and `lecturer_names`: at most five queries, however many sessions.

    A select_related join would build a cohort, a programme, a course and a base per row, and a
    prefetch a lecturer page per link: most of a 500-event feed's time went into that.
    """

    sessions = list(queryset)
    if not sessions:
        return sessions
    cohorts = (
        Cohort.objects.select_related("programme")
        .only(
            "title",
            "location",
            "updated_at",
            "programme__title",
            "programme__url_path",
            "programme__live",
        )
        .in_bulk({session.cohort_id for session in sessions})
    )
    courses = CoursePage.objects.only("id", "title", "format").in_bulk(
        {session.course_id for session in sessions if session.course_id}
    )
    bases = TrainingBasePage.objects.only(
        "id", "title", "address", "latitude", "longitude"
    ).in_bulk({session.base_id for session in sessions if session.base_id})
    names = defaultdict(list)
    links = (
        Session.lecturers.through.objects.filter(session__in=queryset.values("pk"))
        .order_by("lecturerpage_id")
        .values_list("session_id", "lecturerpage__title")
    )
    for session_id, name in links:
        names[session_id].append(name)
    for session in sessions:
        session.cohort = cohorts[session.cohort_id]
        session.course = courses.get(session.course_id)
        session.base = bases.get(session.base_id)
        session.lecturer_names = names.get(session.pk, [])
    return sessions


def public_sessions():
    return calendar_sessions().filter(cohort__programme__live=True)


def recent_and_upcoming(queryset, now=None):
    return queryset.filter(ends_at__gte=(now or timezone.now()) - PAST_WINDOW)


def last_modified(sessions: Iterable[Session]) -> datetime.datetime | None:
    """The latest change among the sessions and their cohorts, for Last-Modified."""
    stamps = [
        stamp for session in sessions for stamp in (session.updated_at, session.cohort.updated_at)
    ]
    return max(stamps, default=None)


def cohort_url(session: Session, base_url: str, memo: dict) -> str:
    cohort = session.cohort
    if cohort.pk not in memo:
        programme = cohort.programme
        path = programme.get_url() or "/"
        memo[cohort.pk] = urljoin(
            base_url,
            path + programme.reverse_subpage("cohort", kwargs={"cohort_id": cohort.pk}),
        )
    return memo[cohort.pk]


def location(session: Session) -> str:
    if session.base_id:
        place = " ".join(part for part in (session.base.title, session.room) if part)
        return f"{place}，{session.base.address}" if session.base.address else place
    return " ".join(part for part in (session.room, session.cohort.location) if part)


def description(session: Session, url: str, private_description: str | None) -> str:
    lines = [f"{session.cohort.programme.title} {session.cohort.title}"]
    lecturers = LIST_SEPARATOR.join(session.lecturer_names)
    if lecturers:
        lines.append(_("Lecturers: %(names)s") % {"names": lecturers})
    if session.course_id and session.course.format:
        lines.append(_("Format: %(format)s") % {"format": session.course.get_format_display()})
    hours = f"{session.study_hours.normalize():f}"
    lines.append(_("Study hours: %(hours)s") % {"hours": hours})
    if session.is_cancelled:
        lines.append(_("This session has been cancelled."))
    if private_description:
        lines.append(private_description)
    lines.append(url)
    return "\n".join(lines)


def utc(moment: datetime.datetime) -> vDDDTypes:
    """DTSTAMP, LAST-MODIFIED: UTC, as RFC 5545 asks."""
    return vDDDTypes(moment.astimezone(datetime.UTC))


def shared(memo: dict, kind, value):
    """One icalendar value per distinct value in a calendar: the events of one cohort, at one
    base or of one status share theirs instead of building it again for each event."""
    key = (kind, value)
    if key not in memo:
        memo[key] = kind(value)
    return memo[key]


def event(
    session: Session,
    *,
    base_url: str,
    tz: datetime.tzinfo,
    private_description: str | None = None,
    cancelled: bool = False,
    stamp: datetime.datetime | None = None,
    memo: dict | None = None,
) -> Event:
    """One session's VEVENT.

    `cancelled` marks the event cancelled even if the session is not (a cancelled
    registration); its SEQUENCE then moves past the session's own.

    The values are icalendar's own property types, set directly: `Component.add` would infer
    each type again and convert each time to UTC, a third of a 500-event feed's time. `memo`
    (one per calendar) keeps the cohorts' URLs and the values events share.
    """
    memo = {} if memo is None else memo
    url = cohort_url(session, base_url, memo)
    is_cancelled = cancelled or session.is_cancelled
    modified = utc(session.updated_at)
    vevent = Event()
    vevent["UID"] = vText(f"{session.uid}@{uid_domain()}")
    vevent["DTSTAMP"] = shared(memo, utc, stamp) if stamp else modified
    vevent["LAST-MODIFIED"] = modified
    vevent["SEQUENCE"] = vInt(
        session.sequence + (1 if cancelled and not session.is_cancelled else 0)
    )
    vevent["DTSTART"] = vDDDTypes(session.starts_at.astimezone(tz))
    vevent["DTEND"] = vDDDTypes(session.ends_at.astimezone(tz))
    vevent["SUMMARY"] = vText(session.display_title)
    vevent["DESCRIPTION"] = vText(description(session, url, private_description))
    place = location(session)
    if place:
        vevent["LOCATION"] = shared(memo, vText, place)
    if session.base_id and session.base.latitude is not None:
        coordinates = (float(session.base.latitude), float(session.base.longitude))
        vevent["GEO"] = shared(memo, vGeo, coordinates)
    vevent["URL"] = shared(memo, vUri, url)
    vevent["STATUS"] = shared(memo, vText, "CANCELLED" if is_cancelled else "CONFIRMED")
    vevent["TRANSP"] = shared(memo, vText, "TRANSPARENT" if is_cancelled else "OPAQUE")
    return vevent


@functools.cache
def vtimezone(tzid: str) -> Timezone:
    """The zone's VTIMEZONE, computed once: `add_missing_timezones` would take ~25 ms a feed.

    Shared by every calendar built here, which only ever serialise it.
    """
    return Timezone.from_tzid(tzid)


def build_calendar(
    sessions: Iterable[Session],
    *,
    name: str,
    base_url: str,
    private_description: str | None = None,
    method: str | None = None,
    cancelled: bool = False,
    organizer: str | None = None,
    attendee: tuple[str, str] | None = None,
) -> Calendar:
    """The VCALENDAR of `sessions`; `.to_ical()` gives the bytes to serve.

    `method` ("REQUEST" or "CANCEL") makes it an iTIP message (RFC 5546) for a mail: DTSTAMP is
    then now, and `organizer` (an address) and `attendee` (address, name) are added to each event.
    """
    stamp = timezone.now() if method else None
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    if method:
        calendar.add("METHOD", method)
    calendar.add("X-WR-CALNAME", name)
    calendar.add("X-WR-TIMEZONE", settings.TIME_ZONE)
    calendar.add("REFRESH-INTERVAL", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    calendar.add_component(vtimezone(settings.TIME_ZONE))

    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    memo: dict = {}
    for session in sessions:
        vevent = event(
            session,
            base_url=base_url,
            tz=tz,
            private_description=private_description,
            cancelled=cancelled,
            stamp=stamp,
            memo=memo,
        )
        if organizer:
            vevent.add("ORGANIZER", vCalAddress(f"mailto:{organizer}"))
        if attendee:
            address = vCalAddress(f"mailto:{attendee[0]}")
            address.params["CN"] = attendee[1]
            address.params["ROLE"] = "REQ-PARTICIPANT"
            vevent.add("ATTENDEE", address)
        calendar.add_component(vevent)
    return calendar
