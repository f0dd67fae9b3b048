"""Compliance's periodic jobs: routine visits, visits due and missed, escalations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery.schedules import crontab
from django.utils import timezone

from core.roles import ForceRole
from jobs.registry import periodic_job
from organisation.models import TeamMember
from organisation.practice import get_practice_settings
from reminders.choices import ReminderKind
from reminders.services import Due, long_date, remind, subject_link
from subjects.models import Subject

from . import selectors
from .models import Visit
from .services import generate_routine_visits

#: Missed visits are reminded of for this many days after their window closed (older ones were).
MISSED_LOOKBACK_DAYS = 7


@periodic_job("routine_visits", schedule=crontab(minute=0, hour=5))
def routine_visits(*, force: Any = None, day: dt.date | None = None) -> str:
    """Every morning: the next routine visit of each subject whose plan chooses visits (audited)."""
    unassigned: list[Any] = []
    made = generate_routine_visits(today=day or timezone.localdate(), unassigned=unassigned)
    detail = f"{len(made)} routine visit(s) tasked"
    if unassigned:
        detail += (
            f"; {len(unassigned)} subject(s) with a plan choosing visits have no team or lead officer "
            "to visit them (set a managing team)"
        )
    return detail


@periodic_job("visit_reminders", schedule=crontab(minute=10, hour=5))
def visit_reminders(*, force: Any = None, day: dt.date | None = None) -> str:
    """Every morning: visits whose window opens within ``visit_reminder_days`` (to the officer or
    the team's lead), and visits missed (the subject's lead officer and team lead too)."""
    today = day or timezone.localdate()
    horizon = today + dt.timedelta(days=get_practice_settings().visit_reminder_days)
    rows = list(
        Visit.objects.filter(
            outcome="",
            window_from__lte=horizon,
            window_to__gte=today - dt.timedelta(days=MISSED_LOOKBACK_DAYS),
        ).values_list(
            "uuid",
            "window_from",
            "window_to",
            "assigned_officer_id",
            "assigned_team_id",
            "subject__uuid",
            "subject_id",
            "subject__lead_officer_id",
            "subject__managing_team_id",
        )
    )
    team_leads = dict(
        TeamMember.objects.filter(team_id__in={r[4] for r in rows if r[4]}, is_lead=True).values_list(
            "team_id", "user_id"
        )
    )

    def tasked(officer: int | None, team: int | None) -> frozenset[int]:
        return frozenset(p for p in (officer, team_leads.get(team) if team else None) if p)

    due, missed = [], []
    for visit_uuid, opens, closes, officer, team, subject_uuid, subject_id, _l, _t in rows:
        if closes < today:
            missed.append(
                Due(
                    kind=ReminderKind.VISIT_MISSED,
                    object_uuid=visit_uuid,
                    due_on=closes,
                    title=f"Visit missed: its window closed on {long_date(closes)}",
                    link=f"/visits/{visit_uuid}/outcome/",
                    subject_id=subject_id,
                    subject_uuid=subject_uuid,
                    also=tasked(officer, team),
                )
            )
        elif opens >= today:
            due.append(
                Due(
                    kind=ReminderKind.VISIT_DUE,
                    object_uuid=visit_uuid,
                    due_on=opens,
                    title=f"Visit due: its window opens on {long_date(opens)}",
                    link=f"/visits/{visit_uuid}/outcome/",
                    subject_uuid=subject_uuid,
                    also=tasked(officer, team),
                )
            )
    first = remind(due)
    second = remind(missed, subjects=[(r[6], r[7], r[8]) for r in rows])
    return f"due: {first}. missed: {second}"


@periodic_job("escalation_reminders", schedule=crontab(minute=15, hour=5))
def escalation_reminders(*, force: Any = None, day: dt.date | None = None) -> str:
    """Every morning: subjects the escalation rules flag (one set-based query), urgent, to the lead
    officer, the team lead and the supervisors; once a week while the escalation stands."""
    today = day or timezone.localdate()
    settings_row = get_practice_settings()
    flagged = selectors.escalated_subjects(Subject.objects.all(), settings_row=settings_row, today=today)
    week = today - dt.timedelta(days=today.weekday())
    dues = [
        Due(
            kind=ReminderKind.ESCALATION,
            object_uuid=subject.uuid,
            due_on=week,
            title="Subject escalated: " + "; ".join(str(r.label).lower() for r in reasons),
            link=subject_link(subject.uuid, "#compliance"),
            subject_id=subject.pk,
            subject_uuid=subject.uuid,
        )
        for subject, reasons in flagged
    ]
    people = [(s.pk, s.lead_officer_id, s.managing_team_id) for s, _r in flagged]
    return remind(dues, subjects=people, roles=[ForceRole.SUPERVISOR])
