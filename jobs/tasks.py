"""Celery tasks of the job system; thin wrappers over jobs.registry.

``shared_task`` binds them to the project's app (``spmp_platform.celery``, a tenant-schemas-celery
``CeleryApp``) without this app importing the project package.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from core.tenancy import current_schema

from .registry import forces_for_jobs, get_job, run_for_force


@shared_task(name="jobs.tasks.fan_out_job")
def fan_out_job(name: str, day: str | None = None) -> int:
    """Beat entry point: queue ``run_job_in_force`` once per force, each in that force's schema."""
    job = get_job(name)
    if not job.per_force:
        # Platform-wide jobs (e.g. audit sealing) run once, from the public schema.
        job.func(force=None, day=timezone.localdate())
        return 0
    day = day or timezone.localdate().isoformat()
    forces = forces_for_jobs()
    for force in forces:
        # tenant-schemas-celery switches the worker to the schema named in this header.
        run_job_in_force.apply_async(args=(name, day), headers={"_schema_name": force.schema_name})
    return len(forces)


@shared_task(name="jobs.tasks.run_job_in_force")
def run_job_in_force(name: str, day: str) -> str:
    """Run one job for the force whose schema tenant-schemas-celery switched to."""
    from django_tenants.utils import get_public_schema_name, get_tenant_model, schema_context

    Force = get_tenant_model()

    get_job(name)
    schema = current_schema()  # set from the task's _schema_name header
    with schema_context(get_public_schema_name()):
        force = Force.objects.get(schema_name=schema)
    return run_for_force(name, force, dt.date.fromisoformat(day))
