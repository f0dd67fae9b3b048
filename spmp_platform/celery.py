"""The Celery app: every task runs inside an explicit force schema (tenant-schemas-celery)."""

from __future__ import annotations

import os

from celery.signals import beat_init, worker_init
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spmp_platform.settings")

app = CeleryApp("spmp_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _schedule_periodic_jobs(sender: CeleryApp, **_: object) -> None:
    # One beat entry per registered job; each fans out to every force.
    from jobs.registry import beat_schedule

    sender.conf.beat_schedule = beat_schedule()


@worker_init.connect
@beat_init.connect
def _start_local_services(**_: object) -> None:
    # Not at import: this module is imported with the project package (and so with settings).
    # A worker or beat needs the database and the broker's folders before the first task.
    from spmp_platform.embedded import ensure_local_services

    ensure_local_services()
