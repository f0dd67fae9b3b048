"""The plans' reminder jobs: reviews due and overdue, plans ready to close."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery.schedules import crontab
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from core.roles import ForceRole
from jobs.registry import periodic_job
from orders.models import ProtectiveOrder
from organisation.practice import get_practice_settings
from reminders.choices import ReminderKind
from reminders.services import Due, long_date, remind, subject_link

from .choices import PlanStatus
from .models import Plan
from .services import ENDED_ORDER_STATES

SUBJECT_FIELDS = ("subject_id", "subject__lead_officer_id", "subject__managing_team_id")


@periodic_job("review_reminders", schedule=crontab(minute=30, hour=5))
def review_reminders(*, force: Any = None, day: dt.date | None = None) -> str:
    """Every morning: active plans whose review falls within the force's ``review_reminder_days``
    (to the lead officer and the managing team's lead), and those overdue (coordinators too)."""
    today = day or timezone.localdate()
    horizon = today + dt.timedelta(days=get_practice_settings().review_reminder_days)
    rows = list(
        Plan.objects.filter(status=PlanStatus.ACTIVE, next_review_due__lte=horizon).values_list(
            "uuid", "next_review_due", "subject__uuid", *SUBJECT_FIELDS
        )
    )
    due = [
        Due(
            kind=ReminderKind.REVIEW_DUE,
            object_uuid=plan_uuid,
            due_on=when,
            title=f"Plan review due on {long_date(when)}",
            link=subject_link(subject_uuid, "compliance/review/"),
            subject_id=subject_id,
            subject_uuid=subject_uuid,
        )
        for plan_uuid, when, subject_uuid, subject_id, _l, _t in rows
        if when >= today
    ]
    overdue = [
        Due(
            kind=ReminderKind.REVIEW_OVERDUE,
            object_uuid=plan_uuid,
            due_on=when,
            title=f"Plan review overdue: it was due on {long_date(when)}",
            link=subject_link(subject_uuid, "compliance/review/"),
            subject_id=subject_id,
            subject_uuid=subject_uuid,
        )
        for plan_uuid, when, subject_uuid, subject_id, _l, _t in rows
        if when < today
    ]
    people = [row[3:] for row in rows]
    first = remind(due, subjects=people)
    second = remind(overdue, subjects=people, roles=[ForceRole.COORDINATOR])
    return f"due: {first}. overdue: {second}"


@periodic_job("plan_close_reminders", schedule=crontab(minute=35, hour=5))
def plan_close_reminders(*, force: Any = None, day: dt.date | None = None) -> str:
    """Every morning: open plans whose subject's orders have all ended (once per last change)."""
    live = ProtectiveOrder.objects.filter(subject_id=OuterRef("subject_id")).exclude(
        status__in=ENDED_ORDER_STATES
    )
    any_order = ProtectiveOrder.objects.filter(subject_id=OuterRef("subject_id"))
    rows = list(
        Plan.objects.exclude(status=PlanStatus.CLOSED)
        .filter(Exists(any_order), ~Exists(live))
        .annotate(ended=Max("subject__orders__updated_at"))
        .values_list("uuid", "ended", "subject__uuid", *SUBJECT_FIELDS)
    )
    dues = [
        Due(
            kind=ReminderKind.PLAN_CLOSE,
            object_uuid=plan_uuid,
            # The key's day: when the last order changed, so the reminder comes once per ending.
            due_on=timezone.localtime(ended).date(),
            title="Plan ready to close: every order of the subject has ended",
            link=subject_link(subject_uuid, "plan/close/"),
            subject_id=subject_id,
            subject_uuid=subject_uuid,
        )
        for plan_uuid, ended, subject_uuid, subject_id, _l, _t in rows
    ]
    return remind(dues, subjects=[row[3:] for row in rows])
