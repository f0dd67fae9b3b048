"""The caseload import pages: /subjects/import/ (upload), its template, and the check (dry run) page.

Upload -> the file is read (encoding, header, size, rows) -> kept in the session for the check
and confirmation steps only -> the check page runs a dry run of ``orders.imports`` and lists every
problem by row and column, or what would be imported with each possible duplicate to confirm ->
"Import" runs the import (one transaction) and forgets the file. The file is kept nowhere else:
not on disk, not in the database beyond the session, and for at most ``KEEP_SECONDS``.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from core.pages import ForcePageMixin
from core.roles import Perm
from core.tenancy import current_schema

from .forms import ORDER_COLUMNS, CaseloadRowForm, CaseloadUploadForm, ConfirmDuplicatesForm
from .imports import (
    MAX_BYTES,
    MAX_ROWS,
    FileProblems,
    ImportReport,
    import_caseload,
    read_caseload,
    template_csv,
)

SESSION_KEY = "spmp_caseload_import"
#: How long an uploaded file waits for its confirmation (the session keeps it no longer).
KEEP_SECONDS = 30 * 60


def _store(request: HttpRequest) -> dict[str, Any]:
    return dict(request.session.get(SESSION_KEY) or {})


def keep_file(request: HttpRequest, data: bytes) -> None:
    """Keep the uploaded file (already read as UTF-8) for this force's check and import steps."""
    store = _store(request)
    store[current_schema()] = {
        "text": data.decode("utf-8-sig"),
        "at": time.time(),
    }
    request.session[SESSION_KEY] = store


def kept_file(request: HttpRequest) -> bytes | None:
    """This force's kept file, or None (none uploaded, imported, cancelled or too old)."""
    entry = _store(request).get(current_schema())
    if not entry:
        return None
    if time.time() - float(entry.get("at", 0)) > KEEP_SECONDS:
        forget_file(request)
        return None
    return str(entry["text"]).encode("utf-8")


def forget_file(request: HttpRequest) -> None:
    store = _store(request)
    if store.pop(current_schema(), None) is not None:
        request.session[SESSION_KEY] = store


def _columns() -> list[dict[str, Any]]:
    """Each column of the file, documented from the row form (the one source of the columns)."""
    form = CaseloadRowForm()
    return [
        {"name": name, "label": field.label, "help": field.help_text, "order": name in ORDER_COLUMNS}
        for name, field in form.fields.items()
    ]


def _row_numbers(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 7]


class ImportUploadView(ForcePageMixin, View):
    """Choose the file; its structure is checked here, its rows on the check page."""

    permission = Perm.IMPORT_CASELOAD
    case_data = True

    def show(
        self, form: CaseloadUploadForm, *, problems: list[Any] | None = None, status: int = 200
    ) -> HttpResponse:
        return render(
            self.request,
            "orders/import_upload.html",
            {
                "form": form,
                "problems": problems or [],
                "columns": _columns(),
                "max_rows": MAX_ROWS,
                "max_mb": MAX_BYTES // (1024 * 1024),
                "case_data": True,
            },
            status=status,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.show(CaseloadUploadForm())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = CaseloadUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.show(form, status=400)
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            form.add_error("file", f"The file must be smaller than {MAX_BYTES // (1024 * 1024)} MB")
            return self.show(form, status=400)
        data = upload.read(MAX_BYTES + 1)
        try:
            read_caseload(data)
        except FileProblems as exc:
            for problem in exc.problems:
                form.add_error("file", f"{problem.where}: {problem.message}")
            return self.show(form, problems=exc.problems, status=400)
        keep_file(request, data)
        return HttpResponseRedirect(reverse("caseload_import:check"))


class ImportTemplateView(ForcePageMixin, View):
    """The template: the header row of a caseload file, to fill in."""

    permission = Perm.IMPORT_CASELOAD

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="caseload-import-template.csv"'
        return response


class ImportCheckView(ForcePageMixin, View):
    """The dry run of the kept file; "Import" imports it when clean and confirmed."""

    permission = Perm.IMPORT_CASELOAD
    case_data = True

    def show(self, report: ImportReport, form: ConfirmDuplicatesForm, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            "orders/import_check.html",
            {"report": report, "form": form, "case_data": True},
            status=status,
        )

    def confirm_form(self, report: ImportReport, data: Any = None) -> ConfirmDuplicatesForm:
        return ConfirmDuplicatesForm(data, rows=[d.row for d in report.duplicates])

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        data = kept_file(request)
        if data is None:
            return self.start_again()
        report = import_caseload(data, actor=request.user, dry_run=True)
        return self.show(report, self.confirm_form(report))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "cancel" in request.POST:
            forget_file(request)
            messages.info(
                request, "The import was cancelled: nothing was imported and the file was discarded."
            )
            return HttpResponseRedirect(reverse("subjects:subject-list"))
        data = kept_file(request)
        if data is None:
            return self.start_again()
        confirmed = _row_numbers(request.POST.getlist("confirm_rows"))
        report = import_caseload(data, actor=request.user, confirmed_rows=confirmed)
        if not report.imported:
            form = self.confirm_form(report, request.POST)
            form.is_valid()
            for duplicate in report.unconfirmed:
                form.add_error(
                    "confirm_rows",
                    f"Row {duplicate.row}: check the possible duplicate and confirm it is a new subject, "
                    "or correct the file",
                )
            return self.show(report, form, status=400)
        forget_file(request)
        messages.success(
            request,
            f"Caseload imported: {report.subjects_new} subjects recorded, {report.subjects_changed} "
            f"updated; {report.orders_new} orders recorded, {report.orders_changed} updated.",
        )
        return HttpResponseRedirect(reverse("subjects:subject-list"))

    def start_again(self) -> HttpResponse:
        messages.error(
            self.request,
            "No caseload file is waiting to be checked (a file is kept for 30 minutes): upload it again.",
        )
        return HttpResponseRedirect(reverse("caseload_import:upload"))
