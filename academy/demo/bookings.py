"""The programmes phase of the demo seeder: training programmes (培训班), their cohorts (班次),
timetables and registrations.

Each programme in ``data/bookings.yaml`` has a fixed plan of cohorts (第1期, 第2期, …) whose
dates are placed around today: finished ones, one running now, some open for registration, one
full with a waiting list, one whose registration has not opened yet. A cohort is identified by
its programme and title; an existing cohort is left alone with its timetable and registrations,
so running the seeder again creates nothing.

Timetables use real courses of a fitting format, taught by the course's lecturers, at the course's
training base or in one of the academy's rooms. A schedule of who and what is busy when (loaded
from the database first) keeps a lecturer, a base or a room from being booked twice at once, by
the rule of ``bookings.services.timetable``: a room is one name at one place (a base, or the
academy).

Trainees come from deterministic pools of people: the staff of the seeded organisations and of
communities, villages and sub-districts of Yantai, and visiting delegations from other cities.
Cohorts whose registration is open are filled through ``bookings.services`` (the path a trainee
takes, with its seat counting, waiting list, approval and cancellation); finished and running
cohorts, whose registration window has closed, get their rows with ``bulk_create``. Registration
times are then spread over the registration window.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connections, router, transaction
from django.test.utils import override_settings
from django.utils import timezone

from bases.models import TrainingBasePage
from bookings import services
from bookings.models import (
    Cohort,
    ProgrammeIndexPage,
    ProgrammePage,
    Registration,
    RegistrationGroup,
    Session,
    new_code,
)
from core.models import District, Organisation
from core.tokens import new_token
from core.validators import id_number_check_char
from courses.models import CourseLecturer, CoursePage, CourseTopic

from . import content

Status = Registration.Status
Source = Registration.Source

SLOTS = {
    "morning": (time(9, 0), time(11, 30), Decimal("2.5")),
    "afternoon": (time(14, 0), time(16, 30), Decimal("2.5")),
    "evening": (time(19, 0), time(20, 30), Decimal("1.5")),
}
# Units per trainee pool, and how many people of each rank a unit has (min, max).
POOL_UNITS = {
    "community": 420,
    "village": 90,
    "property": 50,
    "owners": 40,
    "enterprise": 80,
    "social": 180,
    "agency": 60,
}
POOL_RANKS = {
    "community": {"lead": (1, 1), "deputy": (1, 1), "staff": (1, 3), "grid": (2, 4)},
    "village": {"lead": (1, 1), "deputy": (1, 1), "staff": (1, 2)},
    "street": {"lead": (1, 1), "deputy": (2, 3), "staff": (2, 4)},
    "property": {"lead": (1, 1), "deputy": (1, 1), "staff": (1, 3)},
    "owners": {"lead": (1, 1)},
    "enterprise": {"lead": (1, 1), "deputy": (1, 2), "staff": (1, 2)},
    "social": {"lead": (1, 1), "deputy": (1, 1), "staff": (1, 2)},
    "agency": {"lead": (1, 1), "deputy": (1, 1), "staff": (1, 2)},
    "visitor": {"lead": (1, 1), "deputy": (2, 3), "staff": (6, 13)},
}
VISITOR_UNITS_PER_CITY = 4
# Programmes seeded at --scale 1; each step of the scale adds one more.
CORE_PROGRAMMES = 8


def quiet_settings() -> dict:
    """Settings under which the booking service sends nothing: its notices are queued on a
    dummy task backend (never run), and mail and text messages would stay in memory anyway."""
    try:
        import django.tasks  # noqa: F401  (Django 6)

        tasks = "django.tasks"
    except ImportError:  # Django < 6.0: the backport, as in bookings.notifications
        tasks = "django_tasks"
    return {
        "TASKS": {"default": {"BACKEND": f"{tasks}.backends.dummy.DummyBackend"}},
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "SMS_BACKEND": "core.sms.MemorySMSBackend",
    }


def update_columns(model, objs, field_names) -> None:
    """Write some columns of many rows with one executemany(); bulk_update()'s CASE WHEN
    takes seconds for a few thousand rows."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in field_names]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {assignments} "
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )
    params = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields]
        + [obj.pk]
        for obj in objs
    ]
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


@dataclass(frozen=True)
class Person:
    name: str
    phone: str
    unit: str
    position: str
    party_organisation: str
    province: str
    city: str
    email: str
    id_number: str
    rank: str
    group_key: str  # people sent together by one unit share it
    group_unit: str  # the unit that sends them

    def applicant(self, with_id: bool) -> services.Applicant:
        return services.Applicant(
            name=self.name,
            phone=self.phone,
            unit=self.unit,
            position=self.position,
            party_organisation=self.party_organisation,
            origin_province=self.province,
            origin_city=self.city,
            email=self.email,
            id_number=self.id_number if with_id else "",
        )


@dataclass
class Batch:
    """People registered in one go: one trainee, or a unit's group."""

    people: list
    group_unit: str = ""

    @property
    def is_group(self) -> bool:
        return bool(self.group_unit)


class Schedule:
    """Who and what is busy when: lecturers, training bases and rooms."""

    def __init__(self):
        self.busy = defaultdict(list)

    def free(self, keys, start, end) -> bool:
        return not any(s < end and start < e for key in keys for s, e in self.busy[key])

    def book(self, keys, start, end) -> None:
        for key in keys:
            self.busy[key].append((start, end))

    @classmethod
    def from_database(cls) -> "Schedule":
        schedule = cls()
        through = Session.lecturers.through
        lecturers = defaultdict(list)
        for session_id, lecturer_id in through.objects.values_list("session_id", "lecturerpage_id"):
            lecturers[session_id].append(lecturer_id)
        for pk, start, end, base_id, room in Session.objects.values_list(
            "pk", "starts_at", "ends_at", "base_id", "room"
        ):
            schedule.book(session_keys(lecturers[pk], base_id, room), start, end)
        return schedule


def holiday_week(monday: date) -> bool:
    """Whether the working week from ``monday`` has a public holiday: New Year's Day, the
    Spring Festival (roughly), Labour Day or the National Day week."""
    for day in (monday + timedelta(days=i) for i in range(5)):
        if (
            (day.month, day.day) == (1, 1)
            or (day.month == 2 and 8 <= day.day <= 24)
            or (day.month == 5 and day.day <= 5)
            or (day.month == 10 and day.day <= 8)
        ):
            return True
    return False


def session_keys(lecturer_ids, base_id, room) -> list:
    """What a session books, as ``bookings.services.timetable.session_conflicts`` compares it."""
    keys = [("lecturer", pk) for pk in lecturer_ids]
    if base_id:
        keys.append(("base", base_id))
    if room.strip():
        keys.append(room_key(base_id, room))
    return keys


def room_key(base_id, room) -> tuple:
    """A room at its place: the base, or ``None`` for the academy's own rooms."""
    return ("room", base_id or None, room.strip())


@dataclass
class CourseInfo:
    pk: int
    format: str
    base_id: int | None
    base_capacity: int
    base_district: int | None
    lecturers: list
    topics: set


class ProgrammeSeeder:
    """Run by ``DemoSeeder.run()``; uses its random streams, progress bar and counters."""

    def __init__(self, seeder, pools):
        self.seeder = seeder
        self.pools = pools
        self.tz = timezone.get_default_timezone()
        self.now = timezone.now().replace(microsecond=0)
        self.today = timezone.localdate(self.now)
        self.phones: set[str] = set()
        self.codes: set[str] = set()

    # -- helpers -----------------------------------------------------------------------------------

    def rng(self, phase: str) -> random.Random:
        return self.seeder.rng(phase)

    def at(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self.tz)

    def mobile(self, rng) -> str:
        while True:
            phone = rng.choice(content.bookings.mobile_prefixes) + f"{rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def code(self) -> str:
        while True:
            code = new_code()
            if code not in self.codes:
                self.codes.add(code)
                return code

    @staticmethod
    def name(rng) -> tuple[str, bool]:
        male = rng.random() < 0.55
        chars = content.core.given_male if male else content.core.given_female
        length = 1 if rng.random() < 0.3 else 2
        return rng.choice(content.core.surnames) + "".join(rng.sample(chars, length)), male

    @staticmethod
    def id_number(rng, area: str, male: bool, rank: str) -> str:
        """A valid 18-character resident ID number (GB 11643)."""
        oldest, youngest = (1966, 1988) if rank == "lead" else (1972, 2000)
        born = date(oldest, 1, 1) + timedelta(days=rng.randrange((youngest - oldest) * 365))
        sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
        first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
        return first17 + id_number_check_char(first17)

    @staticmethod
    def email(rng) -> str:
        if rng.random() < 0.6:
            return f"{rng.randint(10_000_000, 3_999_999_999)}@qq.com"
        letters = "".join(rng.choice("abcdefghjkmnpqrstwxyz") for _ in range(rng.randint(4, 8)))
        return f"{letters}{rng.randint(1, 9999)}@{rng.choice(['163.com', '126.com', 'sina.com'])}"

    # -- the phase ---------------------------------------------------------------------------------

    def run(self, index: ProgrammeIndexPage) -> None:
        count = min(len(content.bookings.programmes), CORE_PROGRAMMES + self.seeder.scale - 1)
        specs = content.bookings.programmes[:count]
        programmes = self.programme_pages(index, specs)
        cohorts = [(spec, n, entry) for spec in specs for n, entry in enumerate(spec["plan"], 1)]
        existing = defaultdict(set)
        for programme_id, title in Cohort.objects.values_list("programme_id", "title"):
            existing[programme_id].add(title)
        todo = [
            (spec, n, entry)
            for spec, n, entry in cohorts
            if f"第{n}期" not in existing[programmes[spec["slug"]].pk]
        ]
        if not todo:
            return
        self.codes = set(Registration.objects.values_list("code", flat=True))
        self.people = self.trainee_pools()
        self.courses = self.course_infos()
        self.schedule = Schedule.from_database()
        with (
            override_settings(**quiet_settings()),
            transaction.atomic(),
            self.seeder.bar(len(todo), "培训班次", "期") as bar,
        ):
            for spec in specs:
                programme = programmes[spec["slug"]]
                used = set(
                    Registration.objects.filter(cohort__programme=programme).values_list(
                        "phone", flat=True
                    )
                )
                calendar = self.calendar(spec)
                for n, entry in enumerate(spec["plan"], 1):
                    if f"第{n}期" in existing[programme.pk]:
                        continue
                    self.cohort(programme, spec, n, entry, calendar[n - 1], used)
                    bar.update()

    def programme_pages(self, index, specs) -> dict[str, ProgrammePage]:
        existing = set(index.get_children().values_list("slug", flat=True))
        pages = []
        for spec in specs:
            rng = self.rng(f"programme:{spec['slug']}")
            if spec["slug"] in existing:
                continue
            block = self.seeder.block
            goals, contents, method = content.bookings.programme_headings
            image = rng.choice(self.pools.scenes)
            body = [
                block(rng, "heading", {"text": goals, "size": "h2"}),
                block(rng, "paragraph", f"<p>{spec['goals']}。</p>"),
                block(rng, "heading", {"text": contents, "size": "h2"}),
                block(rng, "points", {"title": "", "points": spec["contents"]}),
                block(rng, "heading", {"text": method, "size": "h2"}),
                block(rng, "paragraph", f"<p>{content.bookings.programme_method}</p>"),
                block(rng, "image", {"image": image.pk, "caption": spec["title"]}),
            ]
            pages.append(
                ProgrammePage(
                    title=spec["title"],
                    slug=spec["slug"],
                    summary=spec["summary"],
                    audience=spec["audience"],
                    body=body,
                    search_description=spec["summary"][:150],
                    first_published_at=self.seeder.published_at(rng, 300),
                )
            )
        with transaction.atomic():
            for page in pages:
                self.seeder.add_page(index, page)
        self.seeder.created["programmes"] += len(pages)
        by_slug = {
            page.slug: page
            for page in ProgrammePage.objects.child_of(index).filter(
                slug__in=[spec["slug"] for spec in specs]
            )
        }
        missing = [spec["slug"] for spec in specs if spec["slug"] not in by_slug]
        if missing:
            raise RuntimeError(f"/programmes/ 下的页面不是培训班：{'、'.join(missing)}")
        return by_slug

    # -- dates -------------------------------------------------------------------------------------

    def calendar(self, spec) -> list[list[date]]:
        """The days of each cohort of the programme, in the order of its plan."""
        rng = self.rng(f"programme:{spec['slug']}:calendar")
        monday = self.today - timedelta(days=self.today.weekday())
        kinds = [entry.split("+")[0] for entry in spec["plan"]]
        quiet = [w for w in range(3, 45) if not holiday_week(monday - timedelta(weeks=w))]
        past_weeks = sorted(rng.sample(quiet, kinds.count("past")), reverse=True)
        result = []
        for kind in kinds:
            length = rng.randint(*spec["days"])
            if kind == "running":  # began yesterday, goes on whatever the weekday
                start = self.today - timedelta(days=1)
                result.append([start + timedelta(days=i) for i in range(max(length, 3))])
                continue
            if kind == "past":
                week = -past_weeks.pop(0)
            else:
                low, high = {"full": (2, 3), "not_yet": (7, 9)}.get(kind, (2, 5))
                week = rng.randint(low, high)
                while holiday_week(monday + timedelta(weeks=week)):
                    week += 1
            start = monday + timedelta(weeks=week, days=rng.randint(0, 5 - length))
            result.append([start + timedelta(days=i) for i in range(length)])
        return result

    def window(self, rng, kind: str, starts_on: date) -> tuple[datetime, datetime]:
        if kind in ("past", "running"):
            opens = self.at(starts_on - timedelta(days=rng.randint(21, 35)), time(9))
            closes = self.at(starts_on - timedelta(days=rng.randint(2, 4)), time(17))
        elif kind == "not_yet":
            opens = self.at(self.today + timedelta(days=rng.randint(3, 10)), time(9))
            closes = self.at(starts_on - timedelta(days=3), time(17))
        else:
            opens = self.at(self.today - timedelta(days=rng.randint(6, 25)), time(9))
            closes = self.at(starts_on - timedelta(days=2), time(17))
        return opens, closes

    # -- one cohort --------------------------------------------------------------------------------

    def cohort(self, programme, spec, n, entry, days, used) -> None:
        kind, *flags = entry.split("+")
        rng = self.rng(f"cohort:{spec['slug']}:{n}")
        low, high = spec["capacity"]
        capacity = rng.randrange(low, high + 1, 5)
        opens, closes = self.window(rng, kind, days[0])
        visitors = any(pool == "visitor" for pool, _, _ in spec["pools"])
        cohort = Cohort(
            programme=programme,
            title=f"第{n}期",
            starts_on=days[0],
            ends_on=days[-1],
            capacity=capacity,
            registration_opens_at=opens,
            registration_closes_at=closes,
            requires_approval=kind == "approval" or "approval" in flags,
            waitlist_enabled=not visitors,
            waitlist_capacity=rng.choice([10, 15, 20]) if kind == "full" else None,
            asks_id_number="id" in flags,
            audience=spec["audience"],
            location=content.bookings.programme_address,
            contact_name=f"{rng.choice(content.bookings.staff_surnames)}老师",
            contact_phone=f"0535-6688{rng.randint(101, 199)}",
        )
        cohort.full_clean()
        cohort.save()
        self.seeder.created["cohorts"] += 1
        self.timetable(rng, spec, cohort, days, cancel="cancel" in flags)
        if kind in ("past", "running"):
            self.closed_registrations(rng, spec, cohort, kind, used)
        elif kind != "not_yet":
            self.open_registrations(rng, spec, cohort, kind, used)

    # -- timetable ---------------------------------------------------------------------------------

    def course_infos(self) -> dict[str, list[CourseInfo]]:
        lecturers = defaultdict(list)
        for course_id, lecturer_id in (
            CourseLecturer.objects.filter(lecturer__live=True)
            .order_by("page_id", "sort_order", "pk")
            .values_list("page_id", "lecturer_id")
        ):
            lecturers[course_id].append(lecturer_id)
        topics = defaultdict(set)
        for course_id, name in CourseTopic.objects.values_list("page_id", "topic__name"):
            topics[course_id].add(name)
        bases = {
            pk: (cap, d)
            for pk, cap, d in TrainingBasePage.objects.values_list("pk", "capacity", "district_id")
        }
        by_format = defaultdict(list)
        for pk, fmt, base_id in (
            CoursePage.objects.live().order_by("path").values_list("pk", "format", "base_id")
        ):
            by_format[fmt].append(
                CourseInfo(
                    pk=pk,
                    format=fmt,
                    base_id=base_id,
                    base_capacity=bases.get(base_id, (0, None))[0],
                    base_district=bases.get(base_id, (0, None))[1],
                    lecturers=lecturers[pk],
                    topics=topics[pk],
                )
            )
        if not by_format:
            raise RuntimeError("Courses must exist before programmes.")
        return by_format

    def timetable(self, rng, spec, cohort, days, *, cancel: bool) -> None:
        evenings = set(rng.sample(range(len(days) - 1), rng.randint(1, min(2, len(days) - 1))))
        used_courses: set[int] = set()
        sessions, links = [], []
        for d, day in enumerate(days):
            districts = set()  # of the day's training bases: the bus goes to one area a day
            slots = ["morning", "afternoon"] + (["evening"] if d in evenings else [])
            for slot in slots:
                start_time, end_time, hours = SLOTS[slot]
                start, end = self.at(day, start_time), self.at(day, end_time)
                if d == len(days) - 1 and slot == "afternoon":
                    session, lecturers = self.closing(rng, cohort, start, end, hours)
                else:
                    session, lecturers = self.course_session(
                        rng, spec, cohort, slot, start, end, hours, used_courses, districts
                    )
                session.uid = self.seeder.uuid(rng)
                sessions.append(session)
                links.append((session, lecturers))
        if cancel:
            candidates = [s for s in sessions if s.course_id]
            session = rng.choice(candidates)
            if session.starts_at > self.now:
                session.cancelled_at = self.now - timedelta(hours=rng.randint(20, 60))
            else:
                session.cancelled_at = session.starts_at - timedelta(hours=rng.randint(20, 60))
            session.sequence = 1
        Session.objects.bulk_create(sessions)
        self.seeder.link_m2m(Session, "lecturers", links)
        self.seeder.created["sessions"] += len(sessions)

    def rooms(self, fmt: str, capacity: int) -> list[str]:
        rooms = content.bookings.rooms[fmt]
        if capacity > 60 and fmt in ("lecture", "closing", "roadshow"):
            rooms = [room for room in rooms if room in content.bookings.halls] or rooms
        return rooms

    def free_room(self, rooms, start, end) -> str | None:
        """The first of these academy rooms that is free from start to end."""
        return next(
            (room for room in rooms if self.schedule.free([room_key(None, room)], start, end)),
            None,
        )

    def closing(self, rng, cohort, start, end, hours):
        room = self.free_room(self.rooms("closing", cohort.capacity), start, end)
        room = room or self.free_room(self.all_rooms(), start, end)
        if room is None:
            raise RuntimeError(f"No free room at {start:%Y-%m-%d %H:%M}.")
        self.schedule.book([room_key(None, room)], start, end)
        title = rng.choice(content.bookings.closing_titles)
        session = Session(
            cohort=cohort, title=title, room=room, starts_at=start, ends_at=end, study_hours=hours
        )
        return session, []

    @staticmethod
    def all_rooms() -> list[str]:
        return list(
            dict.fromkeys(room for rooms in content.bookings.rooms.values() for room in rooms)
        )

    def course_session(self, rng, spec, cohort, slot, start, end, hours, used_courses, districts):
        weights = spec["formats"]
        formats = [
            fmt
            for fmt in content.bookings.slot_formats[slot]
            if weights.get(fmt) or slot == "evening"
        ]
        # A weighted shuffle: the formats the programme favours come first more often.
        formats.sort(key=lambda fmt: -(rng.random() ** (1 / weights.get(fmt, 1))))
        topics = set(spec["topics"])
        for fmt in formats:
            candidates = [c for c in self.courses.get(fmt, []) if c.pk not in used_courses]
            candidates.sort(
                key=lambda c: (
                    -len(c.topics & topics),
                    bool(c.base_id and districts and c.base_district not in districts),
                    bool(c.base_id and c.base_capacity < cohort.capacity),
                    rng.random(),
                )
            )
            for course in candidates:
                if course.base_id:
                    room = ""
                else:
                    room = self.free_room(self.rooms(fmt, cohort.capacity), start, end)
                    if room is None:
                        continue
                keys = session_keys(course.lecturers, course.base_id, room)
                if not self.schedule.free(keys, start, end):
                    continue
                self.schedule.book(keys, start, end)
                used_courses.add(course.pk)
                if course.base_id:
                    districts.add(course.base_district)
                session = Session(
                    cohort=cohort,
                    course_id=course.pk,
                    base_id=course.base_id,
                    room=room,
                    starts_at=start,
                    ends_at=end,
                    study_hours=hours,
                )
                return session, course.lecturers
        # Every fitting course is taken: the trainees discuss among themselves.
        room = self.free_room(self.all_rooms(), start, end)
        if room is None:
            raise RuntimeError(f"No free room at {start:%Y-%m-%d %H:%M}.")
        self.schedule.book([room_key(None, room)], start, end)
        title = rng.choice(content.bookings.fallback_titles)
        session = Session(
            cohort=cohort, title=title, room=room, starts_at=start, ends_at=end, study_hours=hours
        )
        return session, []

    # -- trainees ----------------------------------------------------------------------------------

    def trainee_pools(self) -> dict[str, list[Person]]:
        """People who might register, by pool: the same on every run with the same
        organisations, each with a unique mobile number."""
        districts = list(District.objects.order_by("sort_order", "pk"))
        by_pk = {district.pk: district for district in districts}
        organisations = defaultdict(list)
        for name, kind, district_id in Organisation.objects.order_by("pk").values_list(
            "name", "kind", "district_id"
        ):
            organisations[kind].append((name, by_pk.get(district_id)))
        K = Organisation.Kind
        street_committee = self.seeder.street_committee
        people = {}

        def street_of(name, district):
            if district is None:
                return ""
            streets = content.core.streets.get(district.slug, [])
            return next((s for s in streets if name.startswith(district.name + s)), "")

        def fill(pool, units, rng):
            """units: (unit, district or None, group key, group unit, party organisation)."""
            persons = []
            for unit, district, group_key, group_unit, party in units:
                area = (
                    content.core.division_codes.get(district.slug, "370600")
                    if district
                    else "370602"
                )
                for rank, (low, high) in POOL_RANKS[pool].items():
                    for _ in range(rng.randint(low, high)):
                        name, male = self.name(rng)
                        member = rng.random() < 0.9 or rank == "lead"
                        position = rng.choice(content.bookings.trainee_positions[pool][rank])
                        if pool == "street" and unit.endswith("镇党委"):  # a town, not a 街道
                            position = position.replace("党工委", "党委").replace(
                                "办事处主任", "镇长"
                            )
                        persons.append(
                            Person(
                                name=name,
                                phone=self.mobile(rng),
                                unit=unit,
                                position=position,
                                party_organisation=party if member else "",
                                province="山东省",
                                city="烟台市",
                                email=self.email(rng) if rng.random() < 0.3 else "",
                                id_number=self.id_number(rng, area, male, rank),
                                rank=rank,
                                group_key=group_key,
                                group_unit=group_unit,
                            )
                        )
            return persons

        def named(rng, kind, target, make, keep=lambda name: True):
            """Seeded organisations of a kind first, then made-up ones: (name, district)."""
            units = [(n, d) for n, d in organisations[kind] if keep(n)][:target]
            seen = {n for n, _ in units}
            for _ in range(target * 20):
                if len(units) >= target:
                    break
                district = rng.choice(districts)
                name = make(rng, district)
                if name not in seen:
                    seen.add(name)
                    units.append((name, district))
            return units

        def street_group(name, district, street):
            if not street:
                return name, name
            unit = f"{district.name}{street}{street_committee(street)}"
            return unit, unit

        # Communities: a sub-district's 党工委 sends its communities' people together.
        rng = self.rng("trainees:community")

        def community(rng, district):
            street = rng.choice(content.core.streets[district.slug])
            return f"{district.name}{street}{rng.choice(content.core.communities)}社区居民委员会"

        units = []
        for name, district in named(rng, K.COMMUNITY, POOL_UNITS["community"], community):
            street = street_of(name, district)
            party = name.replace("居民委员会", "党委")
            units.append((name, district, *street_group(name, district, street), party))
        people["community"] = fill("community", units, rng)

        rng = self.rng("trainees:village")
        rural = [d for d in districts if d.slug not in ("zhifu", "laishan", "gaoxinqu")]
        seen, units = set(), []
        while len(units) < POOL_UNITS["village"] and rural:
            district = rng.choice(rural)
            street = rng.choice(content.core.streets[district.slug])
            village = f"{district.name}{street}{rng.choice(content.core.villages)}村"
            if village in seen:
                continue
            seen.add(village)
            units.append(
                (
                    f"{village}民委员会",
                    district,
                    *street_group(village, district, street),
                    f"{village}党支部",
                )
            )
        people["village"] = fill("village", units, rng)

        rng = self.rng("trainees:street")
        units = []
        for district in districts:
            for street in content.core.streets.get(district.slug, []):
                unit = f"{district.name}{street}{street_committee(street)}"
                units.append((unit, district, unit, unit, f"{district.name}{street}机关党支部"))
        people["street"] = fill("street", units, rng)

        rng = self.rng("trainees:property")

        def property_company(rng, district):
            brand = rng.choice(content.core.brands)
            return rng.choice(
                [f"烟台{brand}物业服务有限公司", f"{district.name}{brand}物业管理有限公司"]
            )

        units = [
            (name, district, name, name, f"{name}党支部")
            for name, district in named(
                rng, K.ENTERPRISE, POOL_UNITS["property"], property_company, lambda n: "物业" in n
            )
        ]
        people["property"] = fill("property", units, rng)

        rng = self.rng("trainees:owners")

        def owners(rng, district):
            street = rng.choice(content.core.streets[district.slug])
            return f"{district.name}{street}{rng.choice(content.core.communities)}小区业主委员会"

        units = []
        for name, district in named(
            rng, K.OTHER, POOL_UNITS["owners"], owners, lambda n: "业主委员会" in n
        ):
            street = street_of(name, district)
            party = name.replace("小区业主委员会", "社区党委") if street else ""
            units.append((name, district, *street_group(name, district, street), party))
        people["owners"] = fill("owners", units, rng)

        rng = self.rng("trainees:enterprise")

        def enterprise(rng, district):
            suffix = rng.choice(["有限公司", "集团有限公司", "股份有限公司"])
            brand, industry = (
                rng.choice(content.core.brands),
                rng.choice(content.core.industries[2:]),
            )
            return f"烟台{brand}{industry}{suffix}"

        units = [
            (name, district, name, name, f"{name}{'党委' if '集团' in name else '党支部'}")
            for name, district in named(
                rng, K.ENTERPRISE, POOL_UNITS["enterprise"], enterprise, lambda n: "物业" not in n
            )
        ]
        people["enterprise"] = fill("enterprise", units, rng)

        rng = self.rng("trainees:social")

        def social(rng, district):
            brand, kind = rng.choice(content.core.brands), rng.choice(content.core.social_org_kinds)
            return f"{district.name}{brand}{kind}"

        units = []
        for name, district in named(rng, K.SOCIAL_ORGANISATION, POOL_UNITS["social"], social):
            area = district.name if district and name.startswith(district.name) else "烟台市"
            party = f"{name}党支部" if rng.random() < 0.5 else f"{area}社会组织综合党委"
            units.append((name, district, name, name, party))
        people["social"] = fill("social", units, rng)

        rng = self.rng("trainees:agency")
        agencies = [
            (n, d)
            for n, d in organisations[K.PARTY_GOVERNMENT]
            if not n.endswith(("党工委", "党委", "办事处"))
        ] + organisations[K.PUBLIC_INSTITUTION]
        units = []
        for name, district in agencies[: POOL_UNITS["agency"]]:
            party = (
                f"{name}机关党支部"
                if name.endswith(("局", "部", "委员会", "办公室", "工委"))
                else f"{name}党总支"
            )
            units.append((name, district, name, name, party))
        people["agency"] = fill("agency", units, rng)

        people["visitor"] = self.visitors()
        return people

    def visitors(self) -> list[Person]:
        """Delegations from other cities, one a unit."""
        rng = self.rng("trainees:visitor")
        persons = []
        for province, city, area, city_districts, streets in content.bookings.visitor_cities:
            units = set()
            while len(units) < VISITOR_UNITS_PER_CITY:
                units.add(
                    rng.choice(content.bookings.visitor_units).format(
                        c=city,
                        d=rng.choice(city_districts),
                        s=rng.choice(streets),
                        m=rng.choice(content.core.communities),
                    )
                )
            for unit in sorted(units):
                party = unit if unit.endswith(("党工委", "党委")) else f"{unit}机关党支部"
                for rank, (low, high) in POOL_RANKS["visitor"].items():
                    for _ in range(rng.randint(low, high)):
                        name, male = self.name(rng)
                        persons.append(
                            Person(
                                name=name,
                                phone=self.mobile(rng),
                                unit=unit,
                                position=rng.choice(
                                    content.bookings.trainee_positions["visitor"][rank]
                                ),
                                party_organisation=party,
                                province=province,
                                city=city,
                                email=self.email(rng) if rng.random() < 0.3 else "",
                                id_number=self.id_number(rng, area, male, rank),
                                rank=rank,
                                group_key=unit,
                                group_unit=unit,
                            )
                        )
        return persons

    def eligible(self, spec) -> list[tuple[list[Person], dict, int]]:
        """(people, people by group key, weight) for each pool of the programme."""
        result = []
        for pool, ranks, weight in spec["pools"]:
            wanted = set(ranks.split())
            persons = [p for p in self.people[pool] if p.rank in wanted]
            groups = defaultdict(list)
            for person in persons:
                groups[person.group_key].append(person)
            result.append((persons, groups, weight))
        return result

    def draw(self, rng, spec, eligible, used, limit: int) -> Batch | None:
        """One trainee or a unit's group of at most ``limit`` people not yet in ``used``."""
        persons, groups, _ = rng.choices(eligible, weights=[w for _, _, w in eligible])[0]
        if limit >= 2 and rng.random() < spec["group_share"]:
            visitor = persons[0].city != "烟台市"
            for _ in range(20):
                key = rng.choice(list(groups))
                free = [p for p in groups[key] if p.phone not in used]
                if len(free) >= 2:
                    size = rng.randint(8, 18) if visitor else rng.randint(2, 8)
                    chosen = rng.sample(free, min(size, len(free), limit))
                    if len(chosen) >= 2:
                        used.update(p.phone for p in chosen)
                        return Batch(chosen, group_unit=chosen[0].group_unit)
        for _ in range(50):
            person = rng.choice(persons)
            if person.phone not in used:
                used.add(person.phone)
                return Batch([person])
        free = [p for pool, _, _ in eligible for p in pool if p.phone not in used]
        if not free:
            return None
        person = rng.choice(free)
        used.add(person.phone)
        return Batch([person])

    def batches(self, rng, spec, used, count: int) -> list[Batch]:
        eligible = self.eligible(spec)
        result, total = [], 0
        while total < count:
            batch = self.draw(rng, spec, eligible, used, count - total)
            if batch is None:
                break
            result.append(batch)
            total += len(batch.people)
        return result

    def group_row(self, rng, cohort, batch) -> RegistrationGroup:
        name, _male = self.name(rng)
        return RegistrationGroup(
            cohort=cohort, unit=batch.group_unit, contact_name=name, contact_phone=self.mobile(rng)
        )

    @staticmethod
    def single_source(rng) -> str:
        return rng.choices([Source.WEB, Source.API, Source.STAFF], weights=[65, 25, 10])[0]

    # -- registrations for closed windows (bulk) --------------------------------------------------

    def closed_registrations(self, rng, spec, cohort, kind, used) -> None:
        capacity = cohort.capacity
        low = 0.9 if kind == "running" else 0.86
        confirmed = min(capacity, round(capacity * rng.uniform(low, 1.0)))
        cancelled = rng.randint(1, max(2, capacity // 20))
        rejected = rng.randint(1, 3) if cohort.requires_approval else 0
        batches = self.batches(rng, spec, used, confirmed + cancelled + rejected)
        rng.shuffle(batches)
        opens, closes = cohort.registration_opens_at, cohort.registration_closes_at
        span = (closes - opens).total_seconds() - 3600
        moments = sorted(
            opens + timedelta(seconds=rng.uniform(0, span)) for _ in range(len(batches))
        )
        start = self.at(cohort.starts_on, time(8))
        groups, group_times, rows, times = [], [], [], []
        for batch, moment in zip(batches, moments, strict=True):
            group = self.group_row(rng, cohort, batch) if batch.is_group else None
            if group:
                groups.append(group)
                group_times.append(moment)
            source = Source.GROUP if group else self.single_source(rng)
            for i, person in enumerate(batch.people):
                created = moment + timedelta(milliseconds=37 * i)
                times.append(created)
                rows.append(
                    Registration(
                        cohort=cohort,
                        group=group,
                        status=Status.CONFIRMED,
                        source=source,
                        code=self.code(),
                        token=new_token(),
                        consented_at=created,
                        **person.applicant(cohort.asks_id_number).__dict__,
                    )
                )
        others = rng.sample(range(len(rows)), min(len(rows), cancelled + rejected))
        outcome = dict.fromkeys(others[:cancelled], Status.CANCELLED)
        outcome.update(dict.fromkeys(others[cancelled:], Status.REJECTED))
        for i, (row, created) in enumerate(zip(rows, times, strict=True)):
            row.status = outcome.get(i, Status.CONFIRMED)
            row.decided_at = created
            if cohort.requires_approval:
                row.decided_at = min(created + timedelta(hours=rng.uniform(2, 72)), closes)
            if row.status == Status.CANCELLED:
                row.cancelled_at = row.decided_at + (start - row.decided_at) * rng.uniform(0.1, 0.9)
        RegistrationGroup.objects.bulk_create(groups, batch_size=500)
        Registration.objects.bulk_create(rows, batch_size=500)
        # created_at is auto_now_add and updated_at auto_now: put the real times back.
        for row, created in zip(rows, times, strict=True):
            row.created_at = created
            row.updated_at = row.cancelled_at or row.decided_at
        for group, moment in zip(groups, group_times, strict=True):
            group.created_at = moment
        update_columns(Registration, rows, ["created_at", "updated_at"])
        update_columns(RegistrationGroup, groups, ["created_at"])
        self.seeder.created["registrations"] += len(rows)
        self.seeder.created["registration groups"] += len(groups)

    # -- registrations while the window is open (through the service) -----------------------------

    def open_registrations(self, rng, spec, cohort, kind, used) -> None:
        capacity = cohort.capacity
        eligible = self.eligible(spec)
        calls = []  # (registrations, group or None)
        taken = waiting = 0

        def register(batch, source=None):
            group = None
            if batch.is_group:
                row = self.group_row(rng, cohort, batch)
                group = services.GroupContact(row.unit, row.contact_name, row.contact_phone)
            registrations = services.register(
                cohort.pk,
                applicants=[p.applicant(cohort.asks_id_number) for p in batch.people],
                source=Source.GROUP if group else (source or self.single_source(rng)),
                group=group,
            )
            calls.append(registrations)
            return registrations

        if kind == "full":
            extra = rng.randint(5, min(9, cohort.waitlist_capacity))
            while taken < capacity:
                batch = self.draw(rng, spec, eligible, used, capacity - taken)
                if batch is None:
                    break
                taken += len(register(batch))
            while waiting < extra:
                batch = self.draw(rng, spec, eligible, used, 1)
                if batch is None:
                    break
                waiting += len(register(batch))
        else:
            low, high = (0.5, 0.8) if kind == "approval" else (0.45, 0.8)
            target = round(capacity * rng.uniform(low, high))
            while taken < target:
                batch = self.draw(rng, spec, eligible, used, target - taken)
                if batch is None:
                    break
                taken += len(register(batch))

        registrations = [r for call in calls for r in call]
        approved, rejected, cancelled, promoted = set(), set(), set(), set()
        if kind == "approval":
            pending = [r.pk for r in registrations]
            rng.shuffle(pending)
            rejected = set(pending[: rng.randint(1, 2)])
            approved = set(pending[len(rejected) : len(rejected) + round(len(pending) * 0.55)])
            services.approve_registrations(sorted(approved), by=None)
            services.reject_registrations(sorted(rejected), by=None)
        seated = [r for r in registrations if r.status in (Status.CONFIRMED, Status.PENDING)]
        seated = [r for r in seated if r.pk not in rejected]
        for registration in rng.sample(seated, min(len(seated), rng.randint(1, 2))):
            cancelled.add(registration.pk)
            promoted.update(services.cancel_registration(registration))

        # The service stamped everything "now": spread the times over the window so far.
        opens = cohort.registration_opens_at
        span = (self.now - timedelta(days=2) - opens).total_seconds()
        moments = sorted(opens + timedelta(seconds=rng.uniform(0, span)) for _ in calls)
        created = {}
        group_times = {}
        for call, moment in zip(calls, moments, strict=True):
            for i, registration in enumerate(call):
                created[registration.pk] = moment + timedelta(milliseconds=41 * i)
                if registration.group_id:
                    group_times[registration.group_id] = moment
        rows = list(Registration.objects.filter(cohort=cohort).order_by("pk"))
        cancelled_at = {
            pk: self.now - timedelta(hours=rng.uniform(3, 40)) for pk in sorted(cancelled)
        }
        freed_at = max(cancelled_at.values(), default=self.now)
        for row in rows:
            row.created_at = row.consented_at = created[row.pk]
            if row.pk in approved or row.pk in rejected:
                row.decided_at = min(
                    row.created_at + timedelta(hours=rng.uniform(3, 48)),
                    self.now - timedelta(hours=1),
                )
            elif row.pk in promoted:
                row.decided_at = freed_at if row.status == Status.CONFIRMED else None
            elif row.decided_at is not None:
                row.decided_at = row.created_at
            if row.pk in cancelled_at:
                row.cancelled_at = max(cancelled_at[row.pk], row.decided_at or row.created_at)
            row.updated_at = max(
                t for t in (row.created_at, row.decided_at, row.cancelled_at) if t is not None
            )
        update_columns(
            Registration,
            rows,
            ["created_at", "consented_at", "decided_at", "cancelled_at", "updated_at"],
        )
        groups = list(RegistrationGroup.objects.filter(cohort=cohort))
        for group in groups:
            group.created_at = group_times[group.pk]
        update_columns(RegistrationGroup, groups, ["created_at"])
        self.seeder.created["registrations"] += len(rows)
        self.seeder.created["registration groups"] += len(groups)
