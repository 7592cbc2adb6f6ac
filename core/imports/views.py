"""The Wagtail admin's import and export views, for every registered kind.

Upload → preview (a dry run, kept as an `ImportRecord`) → confirm (applied whole or not at all);
the kind's template; its exports; the kept file. Each view asks the kind's permission.
"""

import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .exporting import csv_response, export_filename, export_rows, template_workbook, xlsx_response
from .kinds import get_kind
from .models import ImportRecord
from .reading import EXTENSIONS
from .services import apply_import, preview_import

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# The preview shows this many rows at most: the wrong ones first, then new and updated ones,
# then unchanged ones. The confirmation imports the whole file all the same.
PREVIEW_ROWS = 500
ROW_ORDER = {"invalid": 0, "new": 1, "updated": 1}


def preview_rows(rows: list[dict]) -> list[dict]:
    """The rows the preview shows, in the file's order."""
    if len(rows) <= PREVIEW_ROWS:
        return rows
    first = sorted(rows, key=lambda row: ROW_ORDER.get(row["type"], 2))[:PREVIEW_ROWS]
    return sorted(first, key=lambda row: row["row"])


def kind_breadcrumbs(kind, title: str) -> list[dict]:
    """The kind's listing › this page, after Wagtail's Home in the admin's header."""
    items = []
    if listing_url := kind.listing_url():
        items.append({"url": listing_url, "label": str(kind.label)})
    return [*items, {"url": "", "label": title}]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx, .xls or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )


class KindMixin:
    def dispatch(self, request, *args, **kwargs):
        self.kind = get_kind(kwargs["kind"])
        if self.kind is None:
            raise Http404
        self.check_permission(request.user)
        return super().dispatch(request, *args, **kwargs)

    def check_permission(self, user):
        if not self.kind.user_can_import(user):
            raise PermissionDenied


class ImportUploadView(KindMixin, WagtailAdminTemplateMixin, FormView):
    template_name = "core/imports/upload.html"
    form_class = UploadForm
    header_icon = "upload"

    def get_page_title(self):
        return _("Import %(kind)s") % {"kind": self.kind.label}

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + kind_breadcrumbs(self.kind, self.get_page_title())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["kind"] = self.kind
        context["template_url"] = reverse("core_imports:template", args=[self.kind.slug])
        context["listing_url"] = self.kind.listing_url()
        return context

    def form_valid(self, form):
        record = preview_import(self.kind, upload=form.cleaned_data["file"], by=self.request.user)
        return redirect("core_imports:record", record.pk)


class ImportRecordView(WagtailAdminTemplateMixin, TemplateView):
    """The preview of an upload (and, once applied or failed, what became of it); POST applies."""

    template_name = "core/imports/preview.html"
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        self.record = get_object_or_404(ImportRecord, pk=kwargs["pk"])
        self.kind = get_kind(self.record.kind)
        if self.kind is None or not self.kind.user_can_import(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Import %(kind)s") % {"kind": self.kind.label}

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + kind_breadcrumbs(self.kind, self.get_page_title())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        preview = self.record.preview or {}
        rows = preview.get("rows", [])
        shown = preview_rows(rows)
        context.update(
            record=self.record,
            kind=self.kind,
            headers=preview.get("headers", []),
            rows=shown,
            rows_total=len(rows),
            rows_hidden=len(rows) - len(shown),
            upload_url=reverse("core_imports:upload", args=[self.kind.slug]),
            file_url=reverse("core_imports:file", args=[self.record.pk]),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not self.record.can_apply:
            messages.error(request, _("This file cannot be imported; upload a corrected one."))
            return redirect("core_imports:record", self.record.pk)
        record = apply_import(self.record, self.kind, by=request.user)
        if record.status == ImportRecord.Status.APPLIED:
            messages.success(
                request,
                _("Imported %(file)s: %(new)d new, %(updated)d updated, %(unchanged)d unchanged.")
                % {
                    "file": record.file_name,
                    "new": record.new,
                    "updated": record.updated,
                    "unchanged": record.unchanged,
                },
            )
            if listing_url := self.kind.listing_url():
                return redirect(listing_url)
        else:
            messages.error(request, _("Nothing was imported: the file has errors."))
        return redirect("core_imports:record", record.pk)


def record_file(request, pk):
    record = get_object_or_404(ImportRecord, pk=pk)
    kind = get_kind(record.kind)
    if kind is None or not kind.user_can_import(request.user):
        raise PermissionDenied
    return FileResponse(record.file.open("rb"), as_attachment=True, filename=record.file_name)


def template_download(request, kind):
    found = get_kind(kind)
    if found is None:
        raise Http404
    if not found.user_can_import(request.user):
        raise PermissionDenied
    resource = found.resource(user=request.user)
    file = io.BytesIO()
    template_workbook(resource, file)
    file.seek(0)
    name = f"{resource.filename}_导入模板.xlsx"
    return FileResponse(file, as_attachment=True, filename=name, content_type=XLSX)


def export(request, kind, fmt):
    found = get_kind(kind)
    if found is None or fmt not in ("xlsx", "csv"):
        raise Http404
    if not found.user_can_export(request.user):
        raise PermissionDenied
    resource = found.resource(user=request.user)
    params = request.GET
    rows = export_rows(resource, resource.export_queryset(params))
    filename = export_filename(resource, resource.filename_parts(params), fmt)
    if fmt == "csv":
        return csv_response(rows, filename)
    return xlsx_response(rows, filename)
