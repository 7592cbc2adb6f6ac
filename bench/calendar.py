"""How long a cohort's calendar feed of 500 events takes to render, uncached.

Builds a throwaway SQLite database in a temporary directory (migrate, then one cohort with 500
sessions at 20 bases with coordinates, two lecturers each), and times, each as the median of
`--runs` runs:

* the feed view through Django's test client (middleware, queries, writing, ETag), with the
  calendar cache made stale before every request: the figure the ≤ 100 ms target is about;
* building the calendar and serialising it with icalendar, on the fetched sessions
  (`bookings.calendars.build.build_calendar(...).to_ical()`): the view less its queries and HTTP;
* icalendar alone serialising the same, already built calendar (`Calendar.to_ical()`): the
  floor no feed built with icalendar can go under.

Usage: .venv/bin/python bench/calendar.py [--events 500] [--runs 15]
Only the temporary directory is written; nothing is contacted over the network.
"""

import sys
from pathlib import Path

# Run as `python bench/calendar.py`, this file's folder comes first on the path and would stand
# in for the standard library's `calendar` module: take it off before anything imports that.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import datetime  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from decimal import Decimal  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def setup_django(directory: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "academy.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(events: int):
    from django.utils import timezone
    from wagtail.models import Page, Site

    from academy.models import HomePage
    from bases.models import TrainingBaseIndexPage, TrainingBasePage
    from bookings.models import Cohort, ProgrammeIndexPage, ProgrammePage, Session
    from core.models import District
    from courses.models import CourseIndexPage
    from lecturers.models import LecturerIndexPage, LecturerPage

    root = Page.objects.get(depth=1)
    home = root.add_child(instance=HomePage(title="烟台城市党建学院", slug="academy"))
    Site.objects.update(root_page=home)
    Page.objects.filter(depth=2).exclude(pk=home.pk).delete()
    district = District.objects.get(slug="zhifu")
    base_index = home.add_child(instance=TrainingBaseIndexPage(title="名基地", slug="bases"))
    lecturer_index = home.add_child(instance=LecturerIndexPage(title="名师", slug="trainers"))
    home.add_child(instance=CourseIndexPage(title="名课", slug="courses"))
    programme_index = home.add_child(instance=ProgrammeIndexPage(title="培训班", slug="programmes"))
    programme = programme_index.add_child(
        instance=ProgrammePage(title="基层党组织书记培训班", slug="secretaries", summary="培训")
    )
    bases = [
        base_index.add_child(
            instance=TrainingBasePage(
                title=f"实训基地{n}",
                slug=f"base-{n}",
                district=district,
                category="community",
                address=f"烟台市芝罘区南大街{n}号",
                latitude=Decimal("37.5") + Decimal(n) / 100,
                longitude=Decimal("121.4"),
            )
        )
        for n in range(20)
    ]
    lecturers = [
        lecturer_index.add_child(
            instance=LecturerPage(title=f"讲师{n}", slug=f"lecturer-{n}", category="expert")
        )
        for n in range(40)
    ]
    today = timezone.localdate()
    cohort = Cohort.objects.create(
        programme=programme,
        title="第1期",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=events // 4 + 1),
        capacity=50,
        registration_opens_at=timezone.now(),
        registration_closes_at=timezone.now() + datetime.timedelta(days=1),
        location="烟台城市党建学院",
    )
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    sessions = Session.objects.bulk_create(
        Session(
            cohort=cohort,
            title=f"党建引领基层治理专题讲座（第{n + 1}讲）",
            base=bases[n % len(bases)],
            room="二楼会议室",
            starts_at=start + datetime.timedelta(hours=6 * n),
            ends_at=start + datetime.timedelta(hours=6 * n + 2),
            study_hours=Decimal("2.0"),
            sequence=n % 3,
        )
        for n in range(events)
    )
    through = Session.lecturers.through
    through.objects.bulk_create(
        through(session_id=session.pk, lecturerpage_id=lecturers[(n + k) % len(lecturers)].pk)
        for n, session in enumerate(sessions)
        for k in (0, 1)
    )
    return cohort


def timed(function, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        function()
        times.append((time.perf_counter() - began) * 1000)
    return times


def report(name: str, times: list[float]) -> None:
    print(f"{name:<46} median {statistics.median(times):7.1f} ms   best {min(times):7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-calendar-") as directory:
        setup_django(directory)
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.urls import reverse
        from django.utils import translation

        from bookings.calendars import build as calendars
        from core.cache import CALENDAR_GENERATION_KEY, bump_generation

        cohort = seed(options.events)
        client = Client()
        url = reverse("calendar:cohort", args=[cohort.pk])
        assert client.get(url).status_code == 200  # warm: site root paths, imports

        def uncached_view():
            bump_generation(key=CALENDAR_GENERATION_KEY)
            response = client.get(url)
            assert response.status_code == 200

        def cached_view():
            assert client.get(url).status_code == 200

        bump_generation(key=CALENDAR_GENERATION_KEY)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        events = response.content.count(b"BEGIN:VEVENT")
        sessions = calendars.load_sessions(calendars.calendar_sessions().filter(cohort=cohort))
        kwargs = {"name": "基层党组织书记培训班 第1期 课表", "base_url": "http://testserver/"}

        print(f"{events} events, {len(response.content):,} bytes, {len(queries)} queries per feed")
        with translation.override("zh-hans"):
            report("feed view, uncached (the ≤ 100 ms target)", timed(uncached_view, options.runs))
            report("feed view, cached", timed(cached_view, options.runs))
            report(
                "build and serialise (build_calendar, to_ical)",
                timed(lambda: calendars.build_calendar(sessions, **kwargs).to_ical(), options.runs),
            )
            calendar = calendars.build_calendar(sessions, **kwargs)
            report("icalendar serialising alone (the floor)", timed(calendar.to_ical, options.runs))


if __name__ == "__main__":
    main()
