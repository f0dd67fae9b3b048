"""Registering periodic jobs and running them for one force and day, exactly once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery.schedules import crontab
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, get_tenant_model, schema_context

from core.tenancy import current_schema

JobFunc = Callable[..., str | None]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: JobFunc
    schedule: Any
    per_force: bool = True
    description: str = ""


_JOBS: dict[str, PeriodicJob] = {}


def periodic_job(
    name: str, *, schedule: Any = None, per_force: bool = True, description: str = ""
) -> Callable[[JobFunc], JobFunc]:
    """Register ``func(*, force, day)`` to run in every force's schema on ``schedule``.

    ``per_force=False`` jobs run once in the public schema (``force`` is the platform tenant)
    and are not limited to one run a day (e.g. the audit sealing job every minute).
    """

    def decorator(func: JobFunc) -> JobFunc:
        _JOBS[name] = PeriodicJob(
            name=name,
            func=func,
            schedule=schedule or crontab(minute=15, hour=2),
            per_force=per_force,
            description=description or (func.__doc__ or "").strip(),
        )
        return func

    return decorator


def get_job(name: str) -> PeriodicJob:
    try:
        return _JOBS[name]
    except KeyError:
        raise KeyError(f"Unknown job '{name}'. Known jobs: {', '.join(sorted(_JOBS))}.") from None


def all_jobs() -> dict[str, PeriodicJob]:
    return dict(_JOBS)


def beat_schedule() -> dict[str, dict[str, Any]]:
    return {
        f"job:{job.name}": {
            "task": "jobs.tasks.fan_out_job",
            "schedule": job.schedule,
            "args": (job.name,),
        }
        for job in _JOBS.values()
    }


def forces_for_jobs() -> list[Any]:
    Force = get_tenant_model()

    with schema_context(get_public_schema_name()):
        return list(Force.objects.exclude(schema_name=get_public_schema_name()).order_by("slug"))


def run_for_force(name: str, force: Any, day: dt.date) -> str:
    """Run job ``name`` for ``force`` and ``day`` unless it already ran; returns what happened.

    The unique (job, force, day) row is the idempotency key: a second run for the same day,
    even concurrently on another worker, finds the row and does nothing.
    """
    from .models import JobRun

    job = get_job(name)
    with schema_context(get_public_schema_name()):
        try:
            with transaction.atomic():
                run = JobRun.objects.create(job=name, force=force, day=day)
        except IntegrityError:
            existing = JobRun.objects.get(job=name, force=force, day=day)
            if existing.outcome != JobRun.Outcome.FAILED:
                return "skipped"
            run = existing  # a failed run may be retried
            run.outcome = JobRun.Outcome.RUNNING
            run.started_at = timezone.now()
            run.save(update_fields=["outcome", "started_at"])
    try:
        with schema_context(force.schema_name):
            schema_seen = current_schema()
            detail = job.func(force=force, day=day) or ""
        outcome = JobRun.Outcome.SUCCEEDED
    except Exception as exc:  # recorded, then re-raised so Celery sees the failure too
        with schema_context(get_public_schema_name()):
            JobRun.objects.filter(pk=run.pk).update(
                outcome=JobRun.Outcome.FAILED, finished_at=timezone.now(), detail=repr(exc)[:2000]
            )
        raise
    with schema_context(get_public_schema_name()):
        JobRun.objects.filter(pk=run.pk).update(
            outcome=outcome, finished_at=timezone.now(), schema_seen=schema_seen, detail=detail
        )
    return "ran"
