"""The reminders' own periodic job: the daily digest (first delivering anything left in the outbox)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery.schedules import crontab
from django.utils import timezone

from jobs.registry import periodic_job

from .services import deliver_pending, send_digests


@periodic_job("daily_digest", schedule=crontab(minute=0, hour=7))
def daily_digest(*, force: Any = None, day: dt.date | None = None) -> str:
    """Every morning: one email per person listing the routine reminders they chose as a digest."""
    deliver_pending()
    return f"{send_digests(day or timezone.localdate())} digest email(s)"
