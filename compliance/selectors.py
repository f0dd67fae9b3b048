"""Reads of compliance work: the review queue, escalation, the subject's timeline and the trends.

Callers pass querysets already scoped with ``restrict``; these functions only shape them. The
escalation check is set-based: one query for a whole force, never a loop over subjects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from orders.models import NotificationRequirement, ProtectiveOrder
from organisation.models import PracticeSettings
from plans.choices import PlanStatus
from plans.models import Plan
from subjects.models import Subject

from .choices import EscalationReason
from .models import Breach, ComplianceReview, Visit

#: A review due within this many days (today included) is "due"; later ones up to the force's
#: reminder lead time are "upcoming".
DUE_SOON_DAYS = 7


# -- the review queue ------------------------------------------------------------------------------
@dataclass
class ReviewQueue:
    overdue: list[Plan]
    due: list[Plan]
    upcoming: list[Plan]

    @property
    def plans(self) -> list[Plan]:
        return [*self.overdue, *self.due, *self.upcoming]


def review_queue(
    plans: QuerySet[Plan], *, settings_row: PracticeSettings, today: dt.date | None = None
) -> ReviewQueue:
    """Active plans whose review is overdue, due within a week, or upcoming within the force's
    ``review_reminder_days`` (one query)."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=max(settings_row.review_reminder_days, DUE_SOON_DAYS - 1))
    rows = list(
        plans.filter(status=PlanStatus.ACTIVE, next_review_due__lte=horizon)
        .select_related("subject", "subject__managing_team")
        .order_by("next_review_due", "id")
    )
    soon = today + dt.timedelta(days=DUE_SOON_DAYS - 1)
    return ReviewQueue(
        overdue=[p for p in rows if p.next_review_due and p.next_review_due < today],
        due=[p for p in rows if p.next_review_due and today <= p.next_review_due <= soon],
        upcoming=[p for p in rows if p.next_review_due and p.next_review_due > soon],
    )


# -- escalation ------------------------------------------------------------------------------------
def with_escalation(
    subjects: QuerySet[Subject], *, settings_row: PracticeSettings, today: dt.date | None = None
) -> QuerySet[Subject]:
    """``subjects`` annotated with what the escalation rules need, in one query:

    * ``recent_breaches``: breaches in the last ``escalation_breach_window_days``;
    * ``quiet_breach``: a breach in that window with none in the ``escalation_quiet_days`` before
      it, while the subject was already under an order then;
    * ``missed_1`` .. ``missed_n``: whether each of the last n past visits was missed.
    """
    today = today or timezone.localdate()
    window_start = today - dt.timedelta(days=settings_row.escalation_breach_window_days - 1)
    quiet = settings_row.escalation_quiet_days
    recent = (
        Breach.objects.filter(subject=OuterRef("pk"), occurred_on__gte=window_start, occurred_on__lte=today)
        .order_by()
        .values("subject")
        .annotate(n=Count("id"))
        .values("n")
    )
    earlier = Breach.objects.filter(
        subject=OuterRef("subject"),
        occurred_on__lt=OuterRef("occurred_on"),
        occurred_on__gte=OuterRef("quiet_from"),
    )
    order_before = ProtectiveOrder.objects.filter(
        subject=OuterRef("subject"), made_on__lte=OuterRef("quiet_from")
    )
    quiet_breach = (
        Breach.objects.filter(subject=OuterRef("pk"), occurred_on__gte=window_start, occurred_on__lte=today)
        .annotate(
            quiet_from=ExpressionWrapper(
                F("occurred_on") - dt.timedelta(days=quiet), output_field=DateField()
            )
        )
        .filter(~Exists(earlier), Exists(order_before))
    )
    qs = subjects.annotate(
        recent_breaches=Coalesce(Subquery(recent, output_field=IntegerField()), Value(0)),
        quiet_breach=Exists(quiet_breach),
    )
    past = Visit.objects.filter(subject=OuterRef("pk"), window_to__lt=today).order_by("-window_to", "-id")
    for n in range(settings_row.escalation_missed_visits):
        qs = qs.annotate(**{f"missed_{n + 1}": Subquery(past.values("outcome")[n : n + 1])})
    return qs


def escalation_filter(settings_row: PracticeSettings) -> Q:
    """The rows of ``with_escalation`` that escalate."""
    missed = Q()
    for n in range(settings_row.escalation_missed_visits):
        missed &= Q(**{f"missed_{n + 1}": ""})
    return Q(recent_breaches__gte=settings_row.escalation_breaches) | Q(quiet_breach=True) | missed


def escalation_reasons(subject: Any, settings_row: PracticeSettings) -> list[EscalationReason]:
    """Why an annotated subject escalates (empty: it does not)."""
    reasons = []
    if (getattr(subject, "recent_breaches", 0) or 0) >= settings_row.escalation_breaches:
        reasons.append(EscalationReason.REPEATED_BREACHES)
    if getattr(subject, "quiet_breach", False):
        reasons.append(EscalationReason.BREACH_AFTER_QUIET)
    if all(
        getattr(subject, f"missed_{n + 1}", None) == "" for n in range(settings_row.escalation_missed_visits)
    ):
        reasons.append(EscalationReason.MISSED_VISITS)
    return reasons


def escalated_subjects(
    subjects: QuerySet[Subject], *, settings_row: PracticeSettings, today: dt.date | None = None
) -> list[tuple[Subject, list[EscalationReason]]]:
    """Every subject of ``subjects`` that escalates, with why: one query for the whole force."""
    rows = with_escalation(subjects, settings_row=settings_row, today=today).filter(
        escalation_filter(settings_row)
    )
    return [(s, escalation_reasons(s, settings_row)) for s in rows]


def escalation_of(
    subject: Subject, *, settings_row: PracticeSettings, today: dt.date | None = None
) -> list[EscalationReason]:
    row = with_escalation(
        Subject.objects.filter(pk=subject.pk), settings_row=settings_row, today=today
    ).first()
    return escalation_reasons(row, settings_row) if row is not None else []


# -- the subject's timeline ------------------------------------------------------------------------
@dataclass(frozen=True)
class TimelineEntry:
    day: dt.date
    kind: str
    title: str
    detail: str = ""


def timeline(
    *,
    orders: Iterable[ProtectiveOrder],
    breaches: Iterable[Breach],
    visits: Iterable[Visit],
    reviews: Iterable[ComplianceReview],
    requirements: Iterable[NotificationRequirement],
    today: dt.date | None = None,
) -> list[TimelineEntry]:
    """Orders, breaches, visits, reviews and notifications in one list, newest first."""
    today = today or timezone.localdate()
    entries: list[TimelineEntry] = []
    for order in orders:
        if order.made_on:
            entries.append(
                TimelineEntry(order.made_on, "order", f"{order.order_type.code} made", order.court)
            )
        if order.expires_on and order.expires_on <= today:
            entries.append(TimelineEntry(order.expires_on, "order", f"{order.order_type.code} ended"))
    for breach in breaches:
        entries.append(
            TimelineEntry(
                breach.occurred_on,
                "breach",
                f"Breach ({breach.get_source_display().lower()})",
                f"{breach.get_outcome_display()}{f', {breach.offence_code}' if breach.offence_code else ''}",
            )
        )
    for visit in visits:
        state = visit.state(today)
        day = visit.visited_on or visit.window_to
        label = visit.get_outcome_display() if visit.outcome else state.label
        entries.append(
            TimelineEntry(day, "visit", f"Visit: {label}", "Announced" if visit.announced else "Unannounced")
        )
    for review in reviews:
        entries.append(
            TimelineEntry(
                review.reviewed_on,
                "review",
                f"Review: {review.get_outcome_display().lower()}",
                "On time" if review.on_time else "Late",
            )
        )
    for req in requirements:
        entries.append(
            TimelineEntry(
                req.notified_on or req.last_day,
                "notification",
                f"Notification: {req.state(today).label.lower()}",
                req.get_trigger_display(),
            )
        )
    return sorted(entries, key=lambda e: e.day, reverse=True)


# -- trends (aggregates only) ----------------------------------------------------------------------
def months_back(today: dt.date, count: int) -> list[dt.date]:
    """The first days of the last ``count`` months, oldest first (this month last)."""
    out = []
    year, month = today.year, today.month
    for _ in range(count):
        out.append(dt.date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(out))


def breaches_by_month(breaches: QuerySet[Breach], *, since: dt.date) -> list[dict[str, Any]]:
    """Counts per month, order type and term kind (one grouped query)."""
    return [
        dict(row)
        for row in breaches.filter(occurred_on__gte=since)
        .annotate(month=TruncMonth("occurred_on"))
        .values("month", order_type=F("term__order__order_type__code"), term_kind=F("term__kind"))
        .annotate(count=Count("id"))
        .order_by("month", "order_type", "term_kind")
    ]


def reviews_on_time_by_month(reviews: QuerySet[ComplianceReview], *, since: dt.date) -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in reviews.filter(reviewed_on__gte=since)
        .annotate(month=TruncMonth("reviewed_on"))
        .values("month")
        .annotate(
            total=Count("id"),
            punctual=Count("id", filter=Q(due_on__isnull=True) | Q(reviewed_on__lte=F("due_on"))),
        )
        .order_by("month")
    ]


def visits_by_month(visits: QuerySet[Visit], *, since: dt.date, today: dt.date) -> list[dict[str, Any]]:
    """Visits planned (window closed in the month, up to today) against those done."""
    return [
        dict(row)
        for row in visits.filter(window_to__gte=since, window_to__lte=today)
        .annotate(month=TruncMonth("window_to"))
        .values("month")
        .annotate(planned=Count("id"), done=Count("id", filter=~Q(outcome="")))
        .order_by("month")
    ]


def overdue_counts(
    *,
    plans: QuerySet[Plan],
    visits: QuerySet[Visit],
    requirements: QuerySet[NotificationRequirement],
    today: dt.date,
) -> dict[str, int]:
    return {
        "reviews": plans.filter(status=PlanStatus.ACTIVE, next_review_due__lt=today).count(),
        "visits": visits.filter(window_to__lt=today, outcome="").count(),
        "notifications": requirements.filter(
            notified_on__isnull=True, suspended=False, last_day__lt=today
        ).count(),
    }
