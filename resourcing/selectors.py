"""Demand and capacity of the current force (set-based, in its schema) and the numbers of a snapshot.

Weekly demand counts, per subject, the larger of what the plan requires (the force's review and
visit intervals) and what is already scheduled (open visits and reviews due in the next four weeks),
never both. Plan revisions and breach follow-ups are counted at the rate of the last twelve weeks.
Capacity is the hours a week the unit's members give, less planned absences in the week ahead.
All of it in a fixed number of queries whatever the caseload: no loop per subject.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from compliance.models import Breach, ComplianceReview, Visit
from compliance.selectors import outcome_figures as plan_outcome_figures
from orders.models import LIVE_STATUSES, ProtectiveOrder
from organisation.choices import RiskLevel, TeamKind
from organisation.models import PlannedAbsence, PracticeSettings, Team, TeamMember
from organisation.practice import get_practice_settings
from plans.choices import PlanStatus, VersionStatus
from plans.models import Plan, PlanTacticalOption, PlanVersion
from subjects.models import Subject

#: Work already scheduled is looked at over four weeks, and spread over them.
LOOKAHEAD_WEEKS = 4
#: Plan revisions and breaches: the weekly rate over the last twelve weeks.
RATE_WEEKS = 12
OUTCOME_DAYS = 90
NO_TEAM = 0
WORK = ("visits", "reviews", "revisions", "breaches")


@dataclass
class TeamLoad:
    team_id: int
    kind: str
    name: str = ""
    demand_hours: float = 0.0
    capacity_hours: float = 0.0

    @property
    def gap_hours(self) -> float:
        return self.capacity_hours - self.demand_hours


@dataclass
class ForceFigures:
    """Everything a snapshot holds, computed now in the current force's schema."""

    caseload: int = 0
    planned: int = 0
    demand_hours: float = 0.0
    capacity_hours: float = 0.0
    visit_hours: float = 0.0
    visit_share: int = 0
    other_capacity_hours: float = 0.0
    overdue_reviews: int = 0
    overdue_visits: int = 0
    demand_by_work: dict[str, float] = field(default_factory=dict)
    caseload_by_risk: dict[str, int] = field(default_factory=dict)
    caseload_by_order_type: dict[str, int] = field(default_factory=dict)
    unplanned_by_order_type: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    teams: dict[int, TeamLoad] = field(default_factory=dict)

    def snapshot_values(self) -> dict[str, Any]:
        values = {k: v for k, v in self.__dict__.items() if k != "teams"}
        return values


def _active_version() -> Any:
    """The active version of the outer subject's active plan (a subquery over ``OuterRef("pk")``)."""
    return PlanVersion.objects.filter(
        plan__subject=OuterRef("pk"), status=VersionStatus.ACTIVE, plan__status=PlanStatus.ACTIVE
    )


def _per_week(days_by_level: dict[str, int]) -> Any:
    """A subject's weekly frequency from the risk level of its active version (none: as medium).

    One subquery a subject giving the rate itself: a ``Case`` over the ``risk`` annotation inlined
    that annotation's subquery into each of its branches (up to nine lookups a subject)."""
    medium = days_by_level.get(RiskLevel.MEDIUM)
    default = Value(7.0 / medium) if medium else Value(0.0)
    whens = [When(risk_level=level, then=Value(7.0 / days)) for level, days in days_by_level.items() if days]
    rate = Case(*whens, When(risk_level="", then=default), default=Value(0.0), output_field=FloatField())
    return Coalesce(
        Subquery(_active_version().annotate(rate=rate).values("rate")[:1], output_field=FloatField()), default
    )


def caseload_subjects(today: dt.date) -> Any:
    """Subjects under a live order (the caseload), annotated with risk level, plan and what is due."""
    live = ProtectiveOrder.objects.filter(subject=OuterRef("pk"), status__in=LIVE_STATUSES)
    active_version = _active_version()
    horizon = today + dt.timedelta(weeks=LOOKAHEAD_WEEKS)
    scheduled_visits = (
        Visit.objects.filter(
            subject=OuterRef("pk"), outcome="", window_to__gte=today, window_from__lt=horizon
        )
        .order_by()
        .values("subject")
        .annotate(n=Count("id"))
        .values("n")
    )
    visit_subjects = PlanTacticalOption.objects.filter(
        version__status=VersionStatus.ACTIVE, option__icontains="visit"
    )
    return (
        Subject.objects.filter(Exists(live))
        .annotate(
            risk=Coalesce(Subquery(active_version.values("risk_level")[:1]), Value("")),
            has_plan=Exists(active_version),
            # IN over the subjects whose active version names a visit (hashed, worked out once): as
            # EXISTS per subject the planner scanned every plan of the force for each subject.
            chooses_visits=ExpressionWrapper(
                Q(pk__in=visit_subjects.values("version__plan__subject_id")), output_field=BooleanField()
            ),
            scheduled_visits=Coalesce(Subquery(scheduled_visits, output_field=IntegerField()), Value(0)),
            review_due=Exists(
                Plan.objects.filter(
                    subject=OuterRef("pk"), status=PlanStatus.ACTIVE, next_review_due__lt=horizon
                )
            ),
        )
        .order_by()
    )


def _net_hours_by_team(today: dt.date) -> dict[int, float]:
    """Hours a week per team over the next seven days, less its members' planned absences."""
    week_end = today + dt.timedelta(days=6)
    absences: dict[int, int] = {}
    for user_id, starts, ends in PlannedAbsence.objects.filter(
        starts_on__lte=week_end, ends_on__gte=today
    ).values_list("user_id", "starts_on", "ends_on"):
        days = (min(ends, week_end) - max(starts, today)).days + 1
        absences[user_id] = min(7, absences.get(user_id, 0) + days)
    out: dict[int, float] = {}
    for team_id, user_id, hours in TeamMember.objects.values_list("team_id", "user_id", "hours_per_week"):
        out[team_id] = out.get(team_id, 0.0) + float(hours) * (7 - absences.get(user_id, 0)) / 7
    return out


def force_figures(today: dt.date, settings_row: PracticeSettings | None = None) -> ForceFigures:
    """Demand, capacity, caseload, backlog and outcomes of the current force on ``today``.

    Measured with PostgreSQL's JIT off, as every connection has it (``DATABASES`` in settings): with
    it on, compiling the caseload query took 5.7 s of a query that runs in 0.1 s."""
    row = settings_row or get_practice_settings()
    review_days = {i.risk_level: i.as_days() for i in row.review_intervals.all()}
    visit_days = {
        i.risk_level: (i.next_after(dt.date(2001, 1, 1)) - dt.date(2001, 1, 1)).days
        for i in row.visit_intervals.all()
    }
    subjects = caseload_subjects(today)
    visits_a_week = Greatest(
        Case(
            When(chooses_visits=True, then=_per_week(visit_days)),
            default=Value(0.0),
            output_field=FloatField(),
        ),
        F("scheduled_visits") / Value(float(LOOKAHEAD_WEEKS)),
        output_field=FloatField(),
    )
    reviews_a_week = Greatest(
        Case(When(has_plan=True, then=_per_week(review_days)), default=Value(0.0), output_field=FloatField()),
        Case(
            When(review_due=True, then=Value(1.0 / LOOKAHEAD_WEEKS)),
            default=Value(0.0),
            output_field=FloatField(),
        ),
        output_field=FloatField(),
    )
    by_team = {
        r["managing_team_id"] or NO_TEAM: r
        for r in subjects.values("managing_team_id").annotate(
            n=Count("id"),
            planned=Count("id", filter=Q(has_plan=True)),
            visits=Sum(visits_a_week),
            reviews=Sum(reviews_a_week),
        )
    }
    since = today - dt.timedelta(weeks=RATE_WEEKS)
    revisions = dict(
        PlanVersion.objects.filter(created_at__date__gte=since, number__gt=1)
        .order_by()
        .values_list("plan__subject__managing_team_id")
        .annotate(n=Count("id"))
    )
    breaches = dict(
        Breach.objects.filter(occurred_on__gte=since)
        .order_by()
        .values_list("subject__managing_team_id")
        .annotate(n=Count("id"))
    )
    teams = {t.pk: t for t in Team.objects.only("id", "name", "kind", "visit_share")}
    share = min(
        100,
        sum(t.visit_share for t in teams.values() if t.kind in (TeamKind.RESPONSE, TeamKind.NEIGHBOURHOOD)),
    )
    figures = ForceFigures(visit_share=share)
    unit_share = 1 - share / 100
    work = dict.fromkeys(WORK, 0.0)
    loads = {pk: TeamLoad(team_id=pk, kind=t.kind, name=t.name) for pk, t in teams.items()}
    for team_id in set(by_team) | {k or NO_TEAM for k in revisions} | {k or NO_TEAM for k in breaches}:
        row_ = by_team.get(team_id, {})
        hours = {
            "visits": (row_.get("visits") or 0.0) * row.minutes_per_visit / 60,
            "reviews": (row_.get("reviews") or 0.0) * row.minutes_per_review / 60,
            "revisions": revisions.get(team_id or None, 0) / RATE_WEEKS * row.minutes_per_revision / 60,
            "breaches": breaches.get(team_id or None, 0) / RATE_WEEKS * row.minutes_per_breach / 60,
        }
        for k, v in hours.items():
            work[k] += v
        figures.caseload += row_.get("n", 0)
        figures.planned += row_.get("planned", 0)
        if team_id in loads:
            loads[team_id].demand_hours += hours["visits"] * unit_share + sum(hours[k] for k in WORK[1:])
    figures.visit_hours = round(work["visits"], 2)
    figures.demand_by_work = {k: round(v, 2) for k, v in work.items()}
    figures.demand_hours = round(work["visits"] * unit_share + sum(work[k] for k in WORK[1:]), 2)
    for pk, t in teams.items():
        if t.kind in (TeamKind.RESPONSE, TeamKind.NEIGHBOURHOOD):
            loads[pk].demand_hours = work["visits"] * t.visit_share / 100
    for team_id, net in _net_hours_by_team(today).items():
        loads[team_id].capacity_hours = net
    figures.capacity_hours = round(
        sum(t.capacity_hours for t in loads.values() if t.kind == TeamKind.ANCILLARY_ORDER_UNIT), 2
    )
    figures.other_capacity_hours = round(
        sum(
            t.capacity_hours for t in loads.values() if t.kind in (TeamKind.RESPONSE, TeamKind.NEIGHBOURHOOD)
        ),
        2,
    )
    figures.teams = loads
    figures.caseload_by_risk = {
        (r["risk"] or "unassessed"): r["n"]
        for r in subjects.values("risk").annotate(n=Count("id")).order_by("risk")
    }
    live_orders = ProtectiveOrder.objects.filter(status__in=LIVE_STATUSES).order_by()
    figures.caseload_by_order_type = dict(
        live_orders.values_list("order_type__code")
        .annotate(n=Count("subject_id", distinct=True))
        .order_by("order_type__code")
    )
    no_plan = ~Exists(Plan.objects.filter(subject=OuterRef("subject_id"), status=PlanStatus.ACTIVE))
    figures.unplanned_by_order_type = dict(
        live_orders.filter(no_plan)
        .values_list("order_type__code")
        .annotate(n=Count("subject_id", distinct=True))
        .order_by("order_type__code")
    )
    figures.overdue_reviews = Plan.objects.filter(status=PlanStatus.ACTIVE, next_review_due__lt=today).count()
    figures.overdue_visits = Visit.objects.filter(window_to__lt=today, outcome="").count()
    figures.outcomes = outcome_counts(today)
    return figures


def outcome_counts(today: dt.date) -> dict[str, int]:
    """The outcome figures a snapshot keeps: the last 90 days' activity (``recent_activity``) and
    the compliance work's before/after figures around each subject's first approved plan
    (``compliance.selectors.outcome_figures``: ``<measure>_before`` / ``<measure>_after`` counts)."""
    counts = recent_activity(today)
    plan = plan_outcome_figures(today=today)
    counts["subjects_compared"] = plan.subjects
    for m in plan.measures:
        counts[f"{m.key}_before"], counts[f"{m.key}_after"] = m.before, m.after
    return counts


def recent_activity(today: dt.date, days: int = OUTCOME_DAYS) -> dict[str, int]:
    """Breaches (and further offences), visits planned and done, reviews and reviews on time over
    the last ``days`` (three grouped queries), for the report's side-by-side columns."""
    since = today - dt.timedelta(days=days)
    b = Breach.objects.filter(occurred_on__gte=since, occurred_on__lte=today).aggregate(
        breaches=Count("id"), further_offences=Count("id", filter=Q(protected_person__isnull=False))
    )
    v = Visit.objects.filter(window_to__gte=since, window_to__lte=today).aggregate(
        visits_planned=Count("id"), visits_done=Count("id", filter=~Q(outcome=""))
    )
    r = ComplianceReview.objects.filter(reviewed_on__gte=since, reviewed_on__lte=today).aggregate(
        reviews=Count("id"),
        reviews_on_time=Count("id", filter=Q(due_on__isnull=True) | Q(reviewed_on__lte=F("due_on"))),
    )
    return {k: int(v_ or 0) for k, v_ in {**b, **v, **r}.items()}
