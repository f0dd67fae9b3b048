"""The platform's own periodic jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery.schedules import crontab

from core.tenancy import current_schema

from .models import Heartbeat
from .registry import periodic_job


@periodic_job("heartbeat", schedule=crontab(minute=5, hour=0))
def heartbeat(*, force: Any, day: dt.date) -> str:
    """Daily: record, in the force's own schema, that the job system reached this force."""
    Heartbeat.objects.get_or_create(day=day, defaults={"schema_name": current_schema()})
    return f"heartbeat in {current_schema()}"
