"""Registering periodic jobs and running them for one force and day, exactly once."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery.schedules import crontab
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, get_tenant_model, schema_context

from core.tenancy import current_schema

JobFunc = Callable[..., str | None]

logger = logging.getLogger(__name__)


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
    even concurrently on another worker, finds the row and does nothing. A failed run is retried;
    so is a run still marked running after ``JOB_RUN_TIMEOUT_SECONDS`` (its worker was killed, or
    the day would be skipped for good). Taking a run over is one conditional UPDATE, so of two
    workers arriving together exactly one takes it; the takeover is logged and kept in ``detail``.
    """
    from .models import JobRun

    job = get_job(name)
    note = ""
    with schema_context(get_public_schema_name()):
        try:
            with transaction.atomic():
                run = JobRun.objects.create(job=name, force=force, day=day)
        except IntegrityError:
            existing = JobRun.objects.get(job=name, force=force, day=day)
            now = timezone.now()
            stale = now - dt.timedelta(seconds=float(settings.JOB_RUN_TIMEOUT_SECONDS))
            if existing.outcome == JobRun.Outcome.FAILED:
                pass
            elif existing.outcome == JobRun.Outcome.RUNNING and existing.started_at < stale:
                note = (
                    f"took over a run started at {existing.started_at:%Y-%m-%d %H:%M:%S %Z} and "
                    f"still marked running after {settings.JOB_RUN_TIMEOUT_SECONDS:g} seconds"
                )
            else:
                return "skipped"
            taken = JobRun.objects.filter(
                pk=existing.pk, outcome=existing.outcome, started_at=existing.started_at
            ).update(outcome=JobRun.Outcome.RUNNING, started_at=now, finished_at=None, detail=note)
            if not taken:
                return "skipped"  # another worker retried or took it over first
            if note:
                logger.warning("job %s for %s on %s: %s", name, force.slug, day.isoformat(), note)
            run = existing
    try:
        with schema_context(force.schema_name):
            schema_seen = current_schema()
            detail = job.func(force=force, day=day) or ""
        outcome = JobRun.Outcome.SUCCEEDED
    except Exception as exc:  # recorded, then re-raised so Celery sees the failure too
        with schema_context(get_public_schema_name()):
            JobRun.objects.filter(pk=run.pk).update(
                outcome=JobRun.Outcome.FAILED,
                finished_at=timezone.now(),
                detail="\n".join(part for part in (note, repr(exc)[:2000]) if part),
            )
        raise
    with schema_context(get_public_schema_name()):
        JobRun.objects.filter(pk=run.pk).update(
            outcome=outcome,
            finished_at=timezone.now(),
            schema_seen=schema_seen,
            detail="\n".join(part for part in (note, detail) if part),
        )
    return "ran"
