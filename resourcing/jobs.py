"""The nightly capacity snapshot: one ``ForceSnapshot`` of numbers per force and day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery.schedules import crontab
from django_tenants.utils import get_public_schema_name, schema_context

from jobs.registry import periodic_job

from .models import ForceSnapshot
from .selectors import force_figures


def take_snapshot(force: Any, day: dt.date) -> ForceSnapshot | None:
    """Compute the current force's figures for ``day`` and keep them; None if that day has one already."""
    with schema_context(get_public_schema_name()):
        if ForceSnapshot.objects.filter(force_id=force.pk, day=day).exists():
            return None
    figures = force_figures(day)
    with schema_context(get_public_schema_name()):
        snapshot, created = ForceSnapshot.objects.get_or_create(
            force_id=force.pk, day=day, defaults=figures.snapshot_values()
        )
    return snapshot if created else None


@periodic_job("capacity_snapshot", schedule=crontab(minute=40, hour=2))
def capacity_snapshot(*, force: Any, day: dt.date) -> str:
    """Daily: the force's demand, capacity, caseload, backlog and outcomes as numbers, kept in public."""
    snapshot = take_snapshot(force, day)
    if snapshot is None:
        return "snapshot already taken"
    return f"demand {snapshot.demand_hours:.1f} h, capacity {snapshot.capacity_hours:.1f} h a week"
