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
   10,000 and after 100,000 rows, which stays flat when the export streams.

Usage (from the project root)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sheets \\
        .venv/bin/python bench/imports.py [--rows 10000] [--export-rows 100000]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--export-rows", type=int, default=100_000)
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


if __name__ == "__main__":
    main()
