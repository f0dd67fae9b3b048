"""The orders' periodic job: a registration end typed in advance restarts notification on its day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery.schedules import crontab
from django.utils import timezone

from jobs.registry import periodic_job

from .services import restart_due_registrations


@periodic_job("restart_notification_after_registration", schedule=crontab(minute=20, hour=0))
def restart_notification_after_registration(*, force: Any = None, day: dt.date | None = None) -> str:
    """Every night: subjects whose sex offender registration has ended by today get the notification
    requirements it suspended restarted from the day it ended (audited)."""
    count = restart_due_registrations(day=day or timezone.localdate())
    return f"{count} notification requirement(s) restarted"
