"""Sharing's periodic job: remove the permissions of expired grants (reads refuse them already)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery.schedules import crontab

from jobs.registry import periodic_job

from .services import expire_grants as _expire


@periodic_job("expire_grants", schedule=crontab(minute="*/15"), per_force=False)
def expire_grants(*, force: Any = None, day: dt.date | None = None) -> str:
    """Every 15 minutes: remove the guardian permissions of grants past their expiry."""
    return f"{_expire()} grant(s) expired"
