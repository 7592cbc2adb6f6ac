"""Spreadsheets in and out, for every kind of data, on django-import-export.

An import kind is a django-import-export `Resource` (a subclass of
`core.imports.resources.AcademyResource`, or `core.imports.pages.PageResource` for pages) plus
who may import and export it, registered through Wagtail's `register_import_kinds` hook. The
admin's upload → preview → confirm views (`core.imports.views`, under /admin/imports/<kind>/),
the template download, the xlsx and csv exports, `manage.py import_data KIND FILE [--dry-run]`
and the dashboard's "recent imports" panel serve every registered kind alike.

What the machinery guarantees for every kind (`reading`, `services`):
- a file is read as .xlsx (once, as written, so a formula is seen and refused), .xls (through
  xlrd: dates as dates) or .csv (UTF-8, UTF-8 with BOM, GBK/GB18030); refused whole, with a
  Chinese message and nothing written, when it is over `ACADEMY_IMPORT_MAX_BYTES`, not what its
  name says, damaged, empty, or has unknown, repeated or missing headers; Chinese headers, the
  English ones accepted;
- a natural key (`Meta.import_id_fields`) repeated inside the file is refused, row by row;
- the preview is `import_data(dry_run=True)`, rolled back; the confirmation runs it again inside
  one `transaction.atomic()` and rolls all of it back on any invalid row or error;
- each upload is an `ImportRecord` (file kept, counts, errors) and Wagtail's audit log has
  `core.import` or `core.import_failed` with who, the file name and the counts;
- exports stream (csv with a BOM, xlsx write-only), pass every cell through
  `core.exports.neutralise`, and mask `personal_fields` unless the user holds
  `personal_permission`.

How an app adds its kinds (attendance rosters, visits, competition projects, judge assignments…):

1. `yourapp/resources.py`::

       from core.imports.kinds import ImportKind
       from core.imports.resources import AcademyResource, ReferenceWidget, column

       class RosterResource(AcademyResource):
           registration = column("registration", "报名码", ReferenceWidget(Registration, "code"))
           session = column("session", "课次", ReferenceWidget(Session, label=str))
           checked_in_at = column("checked_in_at", "签到时间", LocalDateTimeWidget())
           filename = "签到"                      # exports: 签到_<parts>_20261128.xlsx

           class Meta(AcademyResource.Meta):
               model = Attendance
               import_id_fields = ("registration", "session")   # the natural key
               fields = ("registration", "session", "checked_in_at")

           def save_instance(self, instance, is_create, row, **kwargs):
               record_attendance(..., by=self.user)           # writes go through your service

           @classmethod
           def export_queryset(cls, params): ...              # what the export lists
           @classmethod
           def filename_parts(cls, params): return []         # e.g. the cohort's title

       def roster_kind():
           return ImportKind(slug="attendance", label=_("Attendance"),
                             resource_class=RosterResource,
                             permission="attendance.add_attendance",
                             export_permission="attendance.view_attendance")

   (`export_only=True` for kinds that are only exported: evaluations, scores, rankings…)
2. One line in `yourapp/wagtail_hooks.py`::

       hooks.register(core.imports.kinds.HOOK, roster_kind)

3. Optionally the listing's buttons: put `core.imports.buttons.ImportExportButtonsMixin` first in
   its index view's bases with `import_kind = "attendance"`.
"""
