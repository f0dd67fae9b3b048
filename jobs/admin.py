"""Django admin (regional host): the record of periodic job runs, read-only."""

from django.contrib import admin

from .models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("job", "force", "day", "outcome", "started_at", "finished_at", "schema_seen")
    list_filter = ("job", "outcome")
