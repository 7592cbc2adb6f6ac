"""500 completion certificates issued in bulk, and their PDFs: the ≤ 30 s target of issue 11.

Builds a throwaway database (SQLite in a temporary directory, or PostgreSQL with
``--database postgres``), migrates it, and seeds one cohort of ``--count`` confirmed trainees
(registered through ``bookings.services.register``) with ten 3-hour sessions, each trainee
present at nine and excused from one (90 %: everyone completes). Then it times, in one process:

1. ``issue_certificates(cohort, by=staff)``: completions read, serials drawn, ``--count``
   certificates inserted and ``--count`` audit entries written, in one transaction;
2. each certificate's own PDF (``render_certificate``), as a trainee downloads it;
3. the cohort's certificates as one PDF of ``--count`` pages, as staff print them;

and checks every PDF (the name, serial and hours in its extracted text, the fonts embedded).
The target is on 1 + 2, the figure printed as "issued in bulk".

Usage: .venv/bin/python bench/certificates.py [--count 500] [--database sqlite|postgres]
Only the temporary directory (or the ``bench_certificates`` PostgreSQL database, dropped at the
end) is written; nothing is contacted over the network.
"""

import argparse
import datetime
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
TARGET_SECONDS = 30
SESSIONS = 10


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "academy.settings.test"
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(count: int):
    from django.contrib.auth.models import Group
    from django.utils import timezone
    from wagtail.models import Page, Site

    from academy.models import HomePage
    from attendance.models import Attendance
    from bookings.models import Cohort, ProgrammeIndexPage, ProgrammePage, Session
    from bookings.services import Applicant, register
    from core.models import User

    root = Page.objects.get(depth=1)
    home = root.add_child(instance=HomePage(title="烟台城市党建学院", slug="academy"))
    Site.objects.update(root_page=home)
    programme_index = home.add_child(instance=ProgrammeIndexPage(title="培训班", slug="programmes"))
    programme = programme_index.add_child(
        instance=ProgrammePage(
            title="党建引领基层治理专题培训班", slug="governance", summary="专题培训"
        )
    )
    now = timezone.now()
    today = timezone.localdate()
    cohort = Cohort.objects.create(
        programme=programme,
        title="2026年第1期",
        starts_on=today - datetime.timedelta(days=12),
        ends_on=today - datetime.timedelta(days=2),
        capacity=count,
        registration_opens_at=now - datetime.timedelta(days=30),
        registration_closes_at=now + datetime.timedelta(days=1),
        location="烟台城市党建学院",
    )
    surnames, given = (
        "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗",
        "晓明华芳静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英喆堃",
    )
    registrations = register(
        cohort.pk,
        applicants=[
            Applicant(
                name=surnames[n % len(surnames)]
                + given[n % len(given)]
                + given[(n // len(given)) % len(given)],
                phone=f"139{n:08d}",
                unit="芝罘区向阳街道党工委",
            )
            for n in range(count)
        ],
        notify=False,
    )
    start = timezone.make_aware(datetime.datetime.combine(cohort.starts_on, datetime.time(9)))
    sessions = Session.objects.bulk_create(
        Session(
            cohort=cohort,
            title=f"专题讲座（第{n + 1}讲）",
            starts_at=start + datetime.timedelta(days=n),
            ends_at=start + datetime.timedelta(days=n, hours=3),
            study_hours=Decimal("3.0"),
        )
        for n in range(SESSIONS)
    )
    Attendance.objects.bulk_create(
        Attendance(
            session=one,
            registration=registration,
            status=Attendance.Status.EXCUSED if k == n % SESSIONS else Attendance.Status.PRESENT,
            source=Attendance.Source.ROSTER,
            checked_in_at=None if k == n % SESSIONS else one.starts_at,
        )
        for n, registration in enumerate(registrations)
        for k, one in enumerate(sessions)
    )
    staff = User.objects.create_user("registrar", password="bench-only")
    staff.groups.add(Group.objects.get(name="教务"))
    return cohort, staff


def check(pdf: bytes, certificate) -> None:
    """The PDF names the trainee, serial and hours, and embeds every font it uses."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(reader.pages[0].extract_text().split())
    for expected in (certificate.name, certificate.serial, "完成学时27学时"):
        assert expected in text, (expected, text)
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        assert "/FontFile2" in font.get_object()["/FontDescriptor"].get_object()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--postgres-url", default="postgres://postgres@127.0.0.1:5432/bench_certificates"
    )
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-certificates-") as directory:
        if options.database == "postgres":
            assert options.postgres_url.rsplit("/", 1)[1].startswith("bench")
            url = options.postgres_url
            recreate_postgres(url)
        else:
            url = f"sqlite:///{directory}/bench.sqlite3"
        try:
            run(url, options)
        finally:
            if options.database == "postgres":
                from django.db import connections

                connections.close_all()
                drop_postgres(url)


def postgres_admin(url: str):
    import psycopg

    base, name = url.rsplit("/", 1)
    return psycopg.connect(base + "/postgres", autocommit=True), name


def recreate_postgres(url: str) -> None:
    connection, name = postgres_admin(url)
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def drop_postgres(url: str) -> None:
    connection, name = postgres_admin(url)
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(url: str, options) -> None:
    began = time.perf_counter()
    setup_django(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from wagtail.models import ModelLogEntry

    from attendance.models import Certificate
    from attendance.results.pdf import fonts, render_certificate, render_certificates
    from attendance.results.services import issue_certificates

    cohort, staff = seed(options.count)
    print(f"database {connection.vendor}, seeded in {time.perf_counter() - began:.1f} s")
    fonts()  # loading the two fonts once per process (about 0.2 s) is not per certificate

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        issued = issue_certificates(cohort, by=staff)
    issuing = time.perf_counter() - started
    assert len(issued) == options.count == Certificate.objects.valid().count()
    assert ModelLogEntry.objects.filter(action="attendance.certificate.issue").count() == len(
        issued
    )

    certificates = list(Certificate.objects.order_by("serial"))
    started = time.perf_counter()
    pdfs = []
    times = []
    for certificate in certificates:
        one = time.perf_counter()
        pdfs.append(render_certificate(certificate))
        times.append(time.perf_counter() - one)
    rendering = time.perf_counter() - started

    started = time.perf_counter()
    printed = render_certificates(certificates)
    printing = time.perf_counter() - started

    for pdf, certificate in zip(pdfs, certificates, strict=True):
        check(pdf, certificate)

    total = issuing + rendering
    results = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
        "database": connection.vendor,
        "count": options.count,
        "issue_seconds": round(issuing, 2),
        "issue_queries": len(queries.captured_queries),
        "render_seconds": round(rendering, 2),
        "render_median_ms": round(statistics.median(times) * 1000, 1),
        "pdf_median_kb": round(statistics.median(len(pdf) for pdf in pdfs) / 1024, 1),
        "issued_in_bulk_seconds": round(total, 2),
        "target_seconds": TARGET_SECONDS,
        "print_seconds": round(printing, 2),
        "print_mb": round(len(printed) / 1024 / 1024, 2),
    }
    print(
        f"issue_certificates for {options.count}: {issuing:.2f} s "
        f"({len(queries.captured_queries)} SQL statements, one transaction)"
    )
    print(
        f"{options.count} PDFs, one each: {rendering:.2f} s "
        f"(median {results['render_median_ms']} ms, {results['pdf_median_kb']} KB each)"
    )
    verdict = "meets" if total <= TARGET_SECONDS else "MISSES"
    print(
        f"issued in bulk (certificates + their PDFs): {total:.2f} s, "
        f"{verdict} the target of {TARGET_SECONDS} s"
    )
    print(
        f"the cohort as one PDF of {options.count} pages: {printing:.2f} s, "
        f"{results['print_mb']} MB"
    )
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"certificates-{connection.vendor}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
