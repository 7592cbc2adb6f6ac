"""iCalendar (RFC 5545) files of timetables: pure builders, no HTTP.

Every event's UID is the session's `uid` at the academy's calendar domain, so it is stable for
the session's life whatever staff change; `Session.sequence` (raised by the admin on a change of
time, place or lecturers) is its SEQUENCE; a cancelled session stays in every feed as
STATUS:CANCELLED so subscribed calendars strike it out instead of silently losing it.

Public feeds carry only what the public pages show: titles, times, places, lecturers' names and
links. A trainee's private feed adds their registration code; nothing else personal is written.
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
from icalendar import Calendar, Event, Timezone, vCalAddress, vDuration, vGeo

from courses.models import Session

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
    from bases.models import BasePage
    from courses.models import Cohort, CoursePage

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
    bases = BasePage.objects.only("id", "title", "address", "latitude", "longitude").in_bulk(
        {session.base_id for session in sessions if session.base_id}
    )
    names = defaultdict(list)
    links = (
        Session.lecturers.through.objects.filter(session__in=queryset.values("pk"))
        .order_by("trainerpage_id")
        .values_list("session_id", "trainerpage__title")
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


def event_properties(
    session: Session,
    *,
    base_url: str,
    tz: datetime.tzinfo,
    private_description: str | None = None,
    cancelled: bool = False,
    stamp: datetime.datetime | None = None,
    url_memo: dict | None = None,
) -> list[tuple[str, object]]:
    """What one session's VEVENT says, as (name, value) pairs both writers take.

    `cancelled` marks the event cancelled even if the session is not (a cancelled
    registration); its SEQUENCE then moves past the session's own.
    """
    url = cohort_url(session, base_url, {} if url_memo is None else url_memo)
    is_cancelled = cancelled or session.is_cancelled
    properties = [
        ("UID", f"{session.uid}@{uid_domain()}"),
        ("DTSTAMP", stamp or session.updated_at),
        ("LAST-MODIFIED", session.updated_at),
        ("SEQUENCE", session.sequence + (1 if cancelled and not session.is_cancelled else 0)),
        ("DTSTART", session.starts_at.astimezone(tz)),
        ("DTEND", session.ends_at.astimezone(tz)),
        ("SUMMARY", session.display_title),
        ("DESCRIPTION", description(session, url, private_description)),
    ]
    place = location(session)
    if place:
        properties.append(("LOCATION", place))
    if session.base_id and session.base.latitude is not None:
        properties.append(("GEO", (float(session.base.latitude), float(session.base.longitude))))
    properties += [
        ("URL", url),
        ("STATUS", "CANCELLED" if is_cancelled else "CONFIRMED"),
        ("TRANSP", "TRANSPARENT" if is_cancelled else "OPAQUE"),
    ]
    return properties


def calendar_properties(name: str, method: str | None) -> list[tuple[str, object]]:
    properties = [("PRODID", PRODID), ("VERSION", "2.0"), ("CALSCALE", "GREGORIAN")]
    if method:
        properties.append(("METHOD", method))
    return properties + [
        ("X-WR-CALNAME", name),
        ("X-WR-TIMEZONE", settings.TIME_ZONE),
        ("REFRESH-INTERVAL", REFRESH),
        ("X-PUBLISHED-TTL", REFRESH),
    ]


def all_event_properties(sessions, *, base_url, private_description, cancelled, stamp):
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    memo: dict = {}
    for session in sessions:
        yield event_properties(
            session,
            base_url=base_url,
            tz=tz,
            private_description=private_description,
            cancelled=cancelled,
            stamp=stamp,
            url_memo=memo,
        )


# -- the feeds' writer ---------------------------------------------------------------------------
# icalendar takes about 0.5 ms an event on the production machines, so a 500-event feed would
# spend most of its 100 ms budget in it. Feeds are written here instead, for the handful of value
# types events use; tests parse every feed back with icalendar and compare this writer's output
# with icalendar's for the same events. The VTIMEZONE still comes from icalendar.

TEXT_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n", "\r": ""})
# icalendar writes X- properties as it got them, and calendar apps read them so.
UNESCAPED = frozenset({"URL", "GEO", "PRODID", "VERSION", "X-WR-TIMEZONE", "X-WR-CALNAME"})
FOLD_OCTETS = 75


@functools.cache
def vtimezone(tzid: str) -> str:
    return Timezone.from_tzid(tzid).to_ical().decode()


def fold(line: str) -> str:
    """Lines of at most 75 octets, never splitting a UTF-8 character (RFC 5545, 3.1)."""
    data = line.encode()
    if len(data) <= FOLD_OCTETS:
        return line
    parts, start, limit = [], 0, FOLD_OCTETS
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: back to the character
            end -= 1
        parts.append(data[start:end])
        start, limit = end, FOLD_OCTETS - 1  # the continuation's leading space
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode()


def content_line(name: str, value) -> str:
    if isinstance(value, datetime.datetime):
        if str(value.tzinfo) == "UTC":
            return f"{name}:{value:%Y%m%dT%H%M%S}Z"
        return f"{name};TZID={value.tzinfo}:{value:%Y%m%dT%H%M%S}"
    if isinstance(value, datetime.timedelta):
        parameters = ";VALUE=DURATION" if name == "REFRESH-INTERVAL" else ""
        return f"{name}{parameters}:{vDuration(value).to_ical().decode()}"
    if isinstance(value, tuple):
        return f"{name}:{value[0]};{value[1]}"
    if isinstance(value, int) or name in UNESCAPED:
        return fold(f"{name}:{value}")
    return fold(f"{name}:{str(value).translate(TEXT_ESCAPES)}")


def build_calendar(
    sessions: Iterable[Session],
    *,
    name: str,
    base_url: str,
    private_description: str | None = None,
    method: str | None = None,
    cancelled: bool = False,
) -> bytes:
    """The VCALENDAR of `sessions`, as bytes ready to serve.

    `method` ("REQUEST" or "CANCEL") makes it an iTIP message: DTSTAMP is then now.
    """
    stamp = timezone.now().astimezone(datetime.UTC) if method else None
    lines = ["BEGIN:VCALENDAR"]
    lines += [content_line(key, value) for key, value in calendar_properties(name, method)]
    lines.append(vtimezone(settings.TIME_ZONE).rstrip("\r\n"))
    for properties in all_event_properties(
        sessions,
        base_url=base_url,
        private_description=private_description,
        cancelled=cancelled,
        stamp=stamp,
    ):
        lines.append("BEGIN:VEVENT")
        lines += [content_line(key, value) for key, value in properties]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR\r\n")
    return "\r\n".join(lines).encode()


def build_icalendar(
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
    """The same calendar built with icalendar; mail invitations use it, with the ORGANIZER
    and ATTENDEE RFC 5546 asks for, and the benchmark times it as the floor."""
    stamp = timezone.now().astimezone(datetime.UTC) if method else None
    calendar = Calendar()
    for key, value in calendar_properties(name, method):
        if key == "REFRESH-INTERVAL":
            calendar.add(key, value, parameters={"VALUE": "DURATION"})
        elif isinstance(value, datetime.timedelta):
            calendar.add(key, vDuration(value))
        else:
            calendar.add(key, value)
    for properties in all_event_properties(
        sessions,
        base_url=base_url,
        private_description=private_description,
        cancelled=cancelled,
        stamp=stamp,
    ):
        event = Event()
        for key, value in properties:
            event.add(key, vGeo(value) if key == "GEO" else value)
        if organizer:
            event.add("ORGANIZER", vCalAddress(f"mailto:{organizer}"))
        if attendee:
            address = vCalAddress(f"mailto:{attendee[0]}")
            address.params["CN"] = attendee[1]
            address.params["ROLE"] = "REQ-PARTICIPANT"
            event.add("ATTENDEE", address)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar
