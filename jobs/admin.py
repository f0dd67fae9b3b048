"""Django admin (regional host): the record of periodic job runs, read-only (``run_job`` writes it)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import JobRun


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ("job", "force", "day", "outcome", "started_at", "finished_at", "schema_seen")
    list_filter = ("job", "outcome")
