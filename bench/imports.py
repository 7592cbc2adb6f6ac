"""Spreadsheet imports and exports (core.imports): 10,000 trainees in, 100,000 rows out.

Creates a throwaway PostgreSQL test database (Django's `setup_databases`, named after the
`DATABASE_URL` database with a `test_` prefix, removed at the end), a programme and a cohort
with 20,000 seats, and measures:

1. an .xlsx of 10,000 trainee rows (姓名, 手机号, 单位, 职务, 所在党组织), previewed (dry run:
   read, every row validated, the seats checked under the cohort's lock by
   `check_registration`, nothing written) and applied (read again, validated, registered
   through `bookings.services.register` in one transaction, audit entries written): seconds
   for each, and the process's peak memory (target: preview and apply ≤ 5 s each, memory
   < 300 MB); the machine's load average before each, since a shared machine's other work
   shows in the seconds;
2. a streamed CSV export of 100,000 registrations through the same resource (neutralised,
   masked), consumed chunk by chunk: seconds, and the Python heap's peak (peak process RSS) after
   10,000 and after 100,000 rows, which stays flat when the export streams;
3. with `--attendance-export-rows N`, N attendance rows of that cohort (its trainees at as many
   sessions as it takes, written with bulk_create: setup, not measured) and the streamed CSV
   export of the `attendance` kind (the roster sheet: 班次, 课次, 报名码, 姓名…): seconds, and peak
   process RSS after 10,000 and after N rows.

Usage (from the project root)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sheets \\
        .venv/bin/python bench/imports.py [--rows 10000] [--export-rows 100000] \\
        [--attendance-export-rows 100000]
"""

import argparse
import datetime
import io
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "academy.settings.test")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Start the kernel's peak RSS (VmHWM) afresh, so that a later part's peak is its own and
    not the import's before it (Linux; False where it cannot)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def part_peak_rss_mb() -> float:
    """The peak RSS since `reset_peak_rss` (VmHWM), else the process's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--attendance-export-rows", type=int, default=0)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from django.utils import timezone, translation

    translation.activate("zh-hans")
    old = setup_databases(verbosity=0, interactive=False)
    try:
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        run(args, timezone)
    finally:
        teardown_databases(old, verbosity=0)


def run(args, timezone) -> None:
    import openpyxl
    from django.core.files.base import ContentFile
    from wagtail.models import Page

    from bookings.models import Cohort, ProgrammeIndexPage, ProgrammePage, Registration
    from core.imports.exporting import export_rows, stream_csv
    from core.imports.kinds import get_kind
    from core.imports.services import apply_import, preview_import
    from core.models import User

    user = User.objects.create_superuser("bench", "bench@example.org", "bench")
    root = Page.objects.get(depth=1)
    index = root.add_child(instance=ProgrammeIndexPage(title="培训班", slug="programmes-bench"))
    programme = index.add_child(
        instance=ProgrammePage(title="基层党组织书记培训班", slug="bench", summary="基准")
    )
    now = timezone.now()
    cohort = Cohort.objects.create(
        programme=programme,
        title="第3期",
        starts_on=timezone.localdate() + datetime.timedelta(days=30),
        ends_on=timezone.localdate() + datetime.timedelta(days=32),
        capacity=args.rows * 2,
        registration_opens_at=now - datetime.timedelta(days=1),
        registration_closes_at=now + datetime.timedelta(days=20),
    )

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["姓名", "手机号", "单位", "职务", "所在党组织", "班次"])
    for n in range(args.rows):
        sheet.append(
            [
                f"学员{n}",
                f"139{n:08d}",
                "芝罘区向阳街道党工委",
                "支部书记",
                "向阳街道党支部",
                str(cohort),
            ]
        )
    file = io.BytesIO()
    workbook.save(file)
    content = file.getvalue()
    print(f"file: {args.rows:,} rows, {len(content) / 1024:.0f} KB .xlsx")

    kind = get_kind("registrations")
    rss_before = peak_rss_mb()
    load_preview = os.getloadavg()[0]
    started = time.perf_counter()
    record = preview_import(kind, upload=ContentFile(content, name="报名.xlsx"), by=user)
    preview_seconds = time.perf_counter() - started
    assert record.can_apply, record.errors[:5]
    load_apply = os.getloadavg()[0]
    started = time.perf_counter()
    record = apply_import(record, kind, by=user)
    apply_seconds = time.perf_counter() - started
    assert record.status == "applied", record.errors[:5]
    assert Registration.objects.filter(cohort=cohort).count() == args.rows
    print(f"import preview (dry run): {preview_seconds:.2f} s  (load average {load_preview:.1f})")
    print(
        f"import apply (validated, written, logged): {apply_seconds:.2f} s  (target ≤ 5 s; "
        f"load average {load_apply:.1f})"
    )
    print(
        f"peak memory (process RSS): {peak_rss_mb():.0f} MB, before the import {rss_before:.0f} MB"
        "  (target < 300 MB)"
    )

    # The export: more registrations, written directly (setup, not measured).
    extra = args.export_rows - args.rows
    template = Registration.objects.filter(cohort=cohort).first()
    batch = []
    for n in range(extra):
        batch.append(
            Registration(
                cohort=cohort,
                status="confirmed",
                source="staff",
                code=f"X{n:07d}",
                token=f"bench-token-{n}",
                name=f"=学员{n}",
                phone=f"137{n:08d}",
                unit=template.unit,
                consented_at=now,
            )
        )
        if len(batch) == 5000:
            Registration.objects.bulk_create(batch)
            batch = []
    Registration.objects.bulk_create(batch)

    resource_ = kind.resource(user=None)  # a plain editor: masked numbers
    rows = export_rows(resource_, resource_.export_queryset({"cohort": str(cohort.pk)}))
    rss_start = peak_rss_mb()
    started = time.perf_counter()
    size = 0
    peaks = {}
    for count, chunk in enumerate(stream_csv(rows)):
        size += len(chunk)
        if count in (10_000, args.export_rows):
            peaks[count] = peak_rss_mb()
    export_seconds = time.perf_counter() - started
    print(
        f"export: {args.export_rows:,} rows streamed as CSV in {export_seconds:.2f} s, "
        f"{size / 1024 / 1024:.1f} MB"
    )
    print(
        f"export memory (peak process RSS): {rss_start:.0f} MB at the start, "
        + ", ".join(f"{peak:.0f} MB after {count:,} rows" for count, peak in peaks.items())
    )
    print(f"peak memory (process RSS) at the end: {peak_rss_mb():.0f} MB")
    if args.attendance_export_rows:
        attendance_export(args.attendance_export_rows, cohort, user, timezone)


def attendance_export(count: int, cohort, user, timezone) -> None:
    """Part 3 of the module's docstring."""
    from attendance.models import Attendance
    from bookings.models import Registration, Session
    from core.imports.exporting import export_rows, stream_csv
    from core.imports.kinds import get_kind

    registrations = list(
        Registration.objects.filter(cohort=cohort).order_by("pk").values_list("pk", flat=True)
    )
    sessions_needed = -(-count // len(registrations))
    first = timezone.now() - datetime.timedelta(days=sessions_needed)
    sessions = Session.objects.bulk_create(
        Session(
            cohort=cohort,
            title=f"专题讲座{n}",
            starts_at=first + datetime.timedelta(days=n),
            ends_at=first + datetime.timedelta(days=n, hours=2),
        )
        for n in range(sessions_needed)
    )
    started = time.perf_counter()
    batch, made = [], 0
    statuses = ["present", "present", "present", "late", "excused", "absent"]
    for session in sessions:
        for registration_id in registrations:
            if made == count:
                break
            status = statuses[made % len(statuses)]
            batch.append(
                Attendance(
                    session=session,
                    registration_id=registration_id,
                    status=status,
                    source="scan" if status in ("present", "late") else "roster",
                    checked_in_at=session.starts_at if status in ("present", "late") else None,
                    reason="病假" if status == "excused" else "",
                    recorded_by=user,
                )
            )
            made += 1
            if len(batch) == 5000:
                Attendance.objects.bulk_create(batch)
                batch = []
    Attendance.objects.bulk_create(batch)
    print(
        f"attendance: {made:,} rows at {len(sessions)} sessions written (bulk_create) in "
        f"{time.perf_counter() - started:.2f} s"
    )

    resource_ = get_kind("attendance").resource(user=user)
    rows = export_rows(resource_, resource_.export_queryset({"cohort": str(cohort.pk)}))
    reset = reset_peak_rss()
    rss_start = part_peak_rss_mb()
    started = time.perf_counter()
    size = 0
    peaks = {}
    for number, chunk in enumerate(stream_csv(rows)):
        size += len(chunk)
        # Chunk 0 is the byte-order mark, 1 the headers: chunk n + 1 is row n.
        if number - 1 in (10_000, count):
            peaks[number - 1] = part_peak_rss_mb()
    export_seconds = time.perf_counter() - started
    print(
        f"attendance export: {count:,} rows streamed as CSV in {export_seconds:.2f} s, "
        f"{size / 1024 / 1024:.1f} MB"
    )
    what = "peak RSS of the export alone" if reset else "peak process RSS"
    print(
        f"attendance export memory ({what}): {rss_start:.0f} MB at the start, "
        + ", ".join(f"{peak:.0f} MB after {n:,} rows" for n, peak in peaks.items())
    )


if __name__ == "__main__":
    main()
