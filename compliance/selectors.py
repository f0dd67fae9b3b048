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


# -- outcomes: before and after the plan (aggregates only) ----------------------------------------
#: Counts under this are shown as "fewer than 10" and never turned into a rate.
SMALL_COUNT = 10
#: Each side of a subject's comparison is at most a year, at least four weeks.
OUTCOME_MAX_DAYS = 365
OUTCOME_MIN_DAYS = 28
DAYS_PER_MONTH = 365.25 / 12


def suppressed(count: int) -> str:
    """A count as it may be published: under ``SMALL_COUNT`` it reads "fewer than 10"."""
    return f"fewer than {SMALL_COUNT}" if count < SMALL_COUNT else str(count)


@dataclass(frozen=True)
class OutcomeWindow:
    """One subject's equal periods: ``[start - days, start)`` before, ``[start, start + days)`` after."""

    subject_id: int
    start: dt.date
    days: int

    def side(self, day: dt.date) -> str | None:
        if self.start - dt.timedelta(days=self.days) <= day < self.start:
            return "before"
        if self.start <= day < self.start + dt.timedelta(days=self.days):
            return "after"
        return None


@dataclass(frozen=True)
class OutcomeMeasure:
    """One measure on both sides. ``of`` (for a share) counts what the measure is a share of;
    without it the measure is a count per subject-month."""

    key: str
    label: str
    before: int
    after: int
    of_before: int | None = None
    of_after: int | None = None

    @property
    def is_share(self) -> bool:
        return self.of_before is not None

    def publishable(self, side: str) -> bool:
        """A rate is shown only when every count it rests on (and for a share, the rest too) is 10
        or more, so no small number can be worked back from it."""
        count = getattr(self, side)
        if count < SMALL_COUNT:
            return False
        if self.is_share:
            total = getattr(self, f"of_{side}")
            return total >= SMALL_COUNT and total - count >= SMALL_COUNT
        return True


@dataclass(frozen=True)
class OutcomeFigures:
    """Whether breaches and harm fall once plans are in place, across the force's subjects."""

    today: dt.date
    subjects: int
    subject_months: float
    too_recent: int
    measures: list[OutcomeMeasure]

    def rate(self, measure: OutcomeMeasure, side: str) -> float | None:
        """Per 100 subject-months, or a percentage for a share; None when it may not be shown."""
        if not measure.publishable(side) or not self.subject_months:
            return None
        count = getattr(measure, side)
        if measure.is_share:
            return round(100 * count / getattr(measure, f"of_{side}"), 1)
        return round(100 * count / self.subject_months, 1)

    def published(self) -> dict[str, Any]:
        """The figures as numbers another app (the region's resourcing snapshot) may pass on:
        counts under 10 are None, and so is every rate resting on one."""

        def count(n: int) -> int | None:
            return n if n >= SMALL_COUNT else None

        return {
            "subjects": count(self.subjects),
            "subject_months": round(self.subject_months, 1) if self.subjects >= SMALL_COUNT else None,
            "measures": {
                m.key: {
                    "before": count(m.before),
                    "after": count(m.after),
                    "before_rate": self.rate(m, "before"),
                    "after_rate": self.rate(m, "after"),
                    "rate_unit": "percent" if m.is_share else "per 100 subject-months",
                }
                for m in self.measures
            },
        }


def outcome_windows(
    plans: QuerySet[Plan], orders: QuerySet[ProtectiveOrder], *, today: dt.date
) -> tuple[list[OutcomeWindow], int]:
    """Each planned subject's equal periods around their plan's first approved version (one query).

    The period before starts no earlier than the subject's first order (no term was in force to
    breach before it) and each side is at most a year and no longer than the time since approval.
    Subjects with less than four weeks either side are counted as too recent, not compared.
    """
    from plans.models import PlanVersion

    first_approved = (
        PlanVersion.objects.filter(plan=OuterRef("pk"), approved_at__isnull=False)
        .order_by("approved_at")
        .values("approved_at")[:1]
    )
    first_order = (
        orders.filter(subject=OuterRef("subject"), made_on__isnull=False)
        .order_by("made_on")
        .values("made_on")[:1]
    )
    rows = (
        plans.annotate(first_approved=Subquery(first_approved), first_order=Subquery(first_order))
        .filter(first_approved__isnull=False)
        .values_list("subject_id", "first_approved", "first_order")
    )
    windows: list[OutcomeWindow] = []
    too_recent = 0
    for subject_id, approved_at, first_made in rows:
        start = timezone.localdate(approved_at)
        days = min(OUTCOME_MAX_DAYS, (today - start).days)
        if first_made is not None:
            days = min(days, (start - first_made).days)
        if days < OUTCOME_MIN_DAYS:
            too_recent += 1
            continue
        windows.append(OutcomeWindow(subject_id, start, days))
    return windows, too_recent


def outcome_figures(
    *,
    plans: QuerySet[Plan] | None = None,
    orders: QuerySet[ProtectiveOrder] | None = None,
    breaches: QuerySet[Breach] | None = None,
    contacts: QuerySet[Any] | None = None,
    reviews: QuerySet[ComplianceReview] | None = None,
    visits: QuerySet[Visit] | None = None,
    today: dt.date | None = None,
) -> OutcomeFigures:
    """Breaches and further offences against protected persons per subject-month, reassurance
    from the contact log, and reviews and visits on time, in equal periods before and after each
    subject's first approved plan version. Counts only: no row leaves this function.

    Pages pass querysets scoped with ``restrict(user, "trends", force=...)``; a job (the region's
    resourcing snapshot) may pass none, and gets the whole current force. A fixed number of
    queries whatever the number of subjects (six).
    """
    from orders.models import ContactLogEntry, Reassurance

    today = today or timezone.localdate()
    plans = plans if plans is not None else Plan.objects.all()
    orders = orders if orders is not None else ProtectiveOrder.objects.all()
    breaches = breaches if breaches is not None else Breach.objects.all()
    contacts = contacts if contacts is not None else ContactLogEntry.objects.all()
    reviews = reviews if reviews is not None else ComplianceReview.objects.all()
    visits = visits if visits is not None else Visit.objects.all()

    windows, too_recent = outcome_windows(plans, orders, today=today)
    by_subject = {w.subject_id: w for w in windows}
    earliest = min((w.start - dt.timedelta(days=w.days) for w in windows), default=today)
    ids = list(by_subject)
    tally: dict[str, int] = {}

    def add(key: str, subject_id: int, day: dt.date | None) -> str | None:
        side = by_subject[subject_id].side(day) if day is not None else None
        if side is not None:
            tally[f"{key}_{side}"] = tally.get(f"{key}_{side}", 0) + 1
        return side

    if ids:
        for subject_id, day, person_id in breaches.filter(
            subject_id__in=ids, occurred_on__gte=earliest
        ).values_list("subject_id", "occurred_on", "protected_person_id"):
            side = add("breaches", subject_id, day)
            if side is not None and person_id is not None:
                add("offences", subject_id, day)
        for subject_id, day, reassured in contacts.filter(
            protected_person__subject_id__in=ids, contacted_on__gte=earliest
        ).values_list("protected_person__subject_id", "contacted_on", "reassured"):
            if add("contacts", subject_id, day) is not None and reassured == Reassurance.YES:
                add("reassured", subject_id, day)
        for subject_id, day, due in reviews.filter(subject_id__in=ids, reviewed_on__gte=earliest).values_list(
            "subject_id", "reviewed_on", "due_on"
        ):
            if add("reviews", subject_id, day) is not None and (due is None or day <= due):
                add("reviews_on_time", subject_id, day)
        for subject_id, closes, outcome, visited in visits.filter(
            subject_id__in=ids, window_to__gte=earliest, window_to__lt=today
        ).values_list("subject_id", "window_to", "outcome", "visited_on"):
            if add("visits", subject_id, closes) is not None and outcome and (visited or closes) <= closes:
                add("visits_on_time", subject_id, closes)

    def n(key: str, side: str) -> int:
        return tally.get(f"{key}_{side}", 0)

    def measure(key: str, label: str, of: str | None = None) -> OutcomeMeasure:
        return OutcomeMeasure(
            key,
            label,
            n(key, "before"),
            n(key, "after"),
            n(of, "before") if of else None,
            n(of, "after") if of else None,
        )

    return OutcomeFigures(
        today=today,
        subjects=len(windows),
        subject_months=sum(w.days for w in windows) / DAYS_PER_MONTH,
        too_recent=too_recent,
        measures=[
            measure("breaches", "Breaches"),
            measure("offences", "Further offences against protected persons"),
            measure("contacts", "Contacts with protected persons"),
            measure("reassured", "Protected persons reassured (of contacts)", of="contacts"),
            measure("reviews_on_time", "Reviews on time (of reviews)", of="reviews"),
            measure("visits_on_time", "Visits done in their window (of visits due)", of="visits"),
        ],
    )
