"""The orders' periodic jobs: notification restarted after registration, notification reminders
(last day tomorrow, overdue: urgent) and orders ending (renewal)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery.schedules import crontab
from django.utils import timezone

from core.roles import ForceRole
from jobs.registry import periodic_job
from organisation.practice import get_practice_settings
from reminders.choices import ReminderKind
from reminders.services import Due, long_date, remind, subject_link

from .models import LIVE_STATUSES, NotificationRequirement, ProtectiveOrder
from .services import restart_due_registrations

SUBJECT_FIELDS = ("order__subject_id", "order__subject__lead_officer_id", "order__subject__managing_team_id")


@periodic_job("restart_notification_after_registration", schedule=crontab(minute=20, hour=0))
def restart_notification_after_registration(*, force: Any = None, day: dt.date | None = None) -> str:
    """Every night: subjects whose sex offender registration has ended by today get the notification
    requirements it suspended restarted from the day it ended (audited)."""
    count = restart_due_registrations(day=day or timezone.localdate())
    return f"{count} notification requirement(s) restarted"


@periodic_job("notification_reminders", schedule=crontab(minute=20, hour=5))
def notification_reminders(*, force: Any = None, day: dt.date | None = None) -> str:
    """Every morning, urgent: notifications whose last day is tomorrow, and those overdue (an
    offence; coordinators too)."""
    today = day or timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    rows = list(
        NotificationRequirement.objects.open()
        .filter(last_day__lte=tomorrow, order__status__in=LIVE_STATUSES)
        .values_list("uuid", "last_day", "order__subject__uuid", *SUBJECT_FIELDS)
    )
    last_day, overdue = [], []
    for req_uuid, last, subject_uuid, subject_id, _l, _t in rows:
        if last == tomorrow:
            last_day.append(
                Due(
                    kind=ReminderKind.NOTIFICATION_LAST_DAY,
                    object_uuid=req_uuid,
                    due_on=last,
                    title=f"Notification: the last day is tomorrow, {long_date(last)}",
                    link=subject_link(subject_uuid, "#orders"),
                    subject_id=subject_id,
                    subject_uuid=subject_uuid,
                )
            )
        elif last < today:
            overdue.append(
                Due(
                    kind=ReminderKind.NOTIFICATION_OVERDUE,
                    object_uuid=req_uuid,
                    due_on=last,
                    title=f"Notification overdue: the last day was {long_date(last)}",
                    link=subject_link(subject_uuid, "#orders"),
                    subject_id=subject_id,
                    subject_uuid=subject_uuid,
                )
            )
    people = [row[3:] for row in rows]
    first = remind(last_day, subjects=people)
    second = remind(overdue, subjects=people, roles=[ForceRole.COORDINATOR])
    return f"last day tomorrow: {first}. overdue: {second}"


@periodic_job("order_expiry_reminders", schedule=crontab(minute=25, hour=5))
def order_expiry_reminders(*, force: Any = None, day: dt.date | None = None) -> str:
    """Every morning: orders in force ending within ``order_expiry_reminder_days`` (renewal), to
    the lead officer, the team lead and the coordinators, once per end date."""
    today = day or timezone.localdate()
    horizon = today + dt.timedelta(days=get_practice_settings().order_expiry_reminder_days)
    rows = list(
        ProtectiveOrder.objects.filter(
            status__in=LIVE_STATUSES,
            until_further_order=False,
            expires_on__gte=today,
            expires_on__lte=horizon,
        ).values_list(
            "uuid",
            "expires_on",
            "order_type__code",
            "subject__uuid",
            "subject_id",
            "subject__lead_officer_id",
            "subject__managing_team_id",
        )
    )
    dues = [
        Due(
            kind=ReminderKind.ORDER_ENDING,
            object_uuid=order_uuid,
            due_on=ends,
            title=f"{code} ends on {long_date(ends)}: consider renewal",
            link=subject_link(subject_uuid, "#orders"),
            subject_id=subject_id,
            subject_uuid=subject_uuid,
        )
        for order_uuid, ends, code, subject_uuid, subject_id, _l, _t in rows
        if ends is not None
    ]
    return remind(dues, subjects=[row[4:] for row in rows], roles=[ForceRole.COORDINATOR])
