"""`manage.py import_data KIND FILE [--dry-run]`: a large spreadsheet, with a progress bar, the
admin's validation and its all-or-nothing rule."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from tqdm import tqdm

from core.imports.kinds import import_kinds
from core.imports.models import ImportRecord
from core.imports.services import import_file


class Command(BaseCommand):
    def create_parser(self, prog_name, subcommand, **kwargs):
        kinds = ", ".join(slug for slug, kind in import_kinds().items() if not kind.export_only)
        self.help = f"Import a spreadsheet (.xlsx, .xls, .csv). KIND is one of: {kinds}."
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("kind")
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Check the file; save nothing.")
        parser.add_argument("--user", help="Username of the member of staff importing.")

    def handle(self, *args, kind, file, dry_run, user, **options):
        translation.activate(settings.LANGUAGE_CODE)
        kinds = import_kinds()
        if kind not in kinds or kinds[kind].export_only:
            raise CommandError(f"Unknown kind {kind!r}; one of: {', '.join(kinds)}")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        by = None
        if user:
            from django.contrib.auth import get_user_model  # noqa: PLC0415

            by = get_user_model().objects.get(username=user)
        with tqdm(desc=path.name, unit=" rows", disable=options["verbosity"] == 0) as bar:
            record = import_file(
                kinds[kind],
                name=path.name,
                content=path.read_bytes(),
                by=by,
                dry_run=dry_run,
                progress=bar.update,
            )
        for error in record.errors[:200]:
            row = f"第 {error['row']} 行：" if error["row"] else ""
            self.stderr.write(f"{row}{error['message']}")
        summary = (
            f"{record.get_status_display()}：新增 {record.new}，更新 {record.updated}，"
            f"未变 {record.unchanged}，有误 {record.invalid}"
        )
        if record.status == ImportRecord.Status.FAILED or record.errors:
            raise CommandError(summary)
        self.stdout.write(summary)
