"""The subjects' periodic job: records due for their MoPI retention review."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery.schedules import crontab
from django.utils import timezone

from core.roles import ROLE_PERMISSIONS, Perm
from jobs.registry import periodic_job
from organisation.practice import get_practice_settings
from reminders.choices import ReminderKind
from reminders.services import Due, long_date, remind

from .models import Subject


@periodic_job("retention_reminders", schedule=crontab(minute=40, hour=5))
def retention_reminders(*, force: Any = None, day: dt.date | None = None) -> str:
    """Every morning: subjects whose next MoPI review falls within ``review_reminder_days`` (or
    has passed), to those who review retention (coordinators, supervisors), once per review date."""
    today = day or timezone.localdate()
    horizon = today + dt.timedelta(days=get_practice_settings().review_reminder_days)
    rows = list(Subject.objects.filter(next_review_date__lte=horizon).values_list("uuid", "next_review_date"))
    dues = [
        Due(
            kind=ReminderKind.RETENTION_REVIEW,
            object_uuid=subject_uuid,
            due_on=when,
            title=f"Record due for its MoPI retention review on {long_date(when)}",
            link=f"/subjects/retention/{subject_uuid}/retain/",
            subject_uuid=subject_uuid,
        )
        for subject_uuid, when in rows
        if when is not None
    ]
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if Perm.REVIEW_RETENTION in perms]
    return remind(dues, roles=roles)
