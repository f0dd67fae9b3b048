"""Demo compliance history (issue 13, item 6): 18 months of reviews, visits and breaches.

The first demo subject with an active plan gets a DAPO made 19 months ago (two terms) beside its
SPO, is managed by the force's ancillary order unit, and has: a review every three months, a
visit a month tasked to a neighbourhood team (varied days and bands, a few with no reply, one
missed), and breaches that fall once the plan is in force (five in the first year, one since),
with two in the last 30 days, so the subject escalates. Routine visits are then generated for
every active plan. Written through the services; safe to run again (a force with reviews gets no
more). The contact log of protected persons is not on the platform yet, so no contacts are seeded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from orders import services as order_services
from orders.models import OrderTerm, TermKind
from organisation.choices import TeamKind
from organisation.models import Team
from plans.choices import PlanStatus
from plans.models import Plan
from statute.models import OrderType
from subjects import services as subject_services

from . import services
from .choices import TimeBand, VisitOutcome
from .models import ComplianceReview

MONTHS = 18
#: Months ago (and day of the month) of each breach before the last 30 days: more before the plan.
BREACH_MONTHS = (17, 15, 14, 12, 10, 5)


def seed_compliance(force: Any) -> None:
    if ComplianceReview.objects.exists():
        return
    plan = Plan.objects.filter(status=PlanStatus.ACTIVE).select_related("subject").order_by("id").first()
    unit = (
        Team.objects.filter(kind=TeamKind.ANCILLARY_ORDER_UNIT).prefetch_related("team_members__user").first()
    )
    if plan is None or unit is None:
        return
    reviewer = next((m.user for m in unit.team_members.all()), None)
    if reviewer is None:
        return
    neighbourhood = Team.objects.filter(kind=TeamKind.NEIGHBOURHOOD).prefetch_related("areas").first()
    subject = plan.subject
    changes: dict[str, Any] = {"managing_team": unit.uuid}
    if neighbourhood is not None and neighbourhood.areas.exists() and subject.area_id is None:
        changes["area"] = neighbourhood.areas.first().uuid  # type: ignore[union-attr]
    subject = subject_services.update_subject(actor=None, subject=subject, **changes)

    today = timezone.localdate()
    start = today - dt.timedelta(days=MONTHS * 30 + 20)
    order = order_services.create_order(
        actor=None,
        subject=subject,
        order_type=OrderType.objects.get(code="DAPO"),
        court="Lincoln Magistrates' Court (demo)",
        case_number="DEMO-DAPO-18M",
        applicant="Chief Constable (demo)",
        made_on=start,
        served_on=start,
        until_further_order=True,
    )
    order_services.add_term(
        actor=None,
        order=order,
        kind=TermKind.PROHIBITION,
        wording="Not to contact the applicant by any means (demo).",
    )
    order_services.add_term(
        actor=None,
        order=order,
        kind=TermKind.PROHIBITION,
        wording="Not to enter the exclusion zone around the applicant's street (demo).",
        exclusion_zone="Demo Street and the roads off it",
    )
    terms = list(OrderTerm.objects.filter(order=order).order_by("id"))

    # Visits: one a month, varied day and band; some no reply, one missed.
    bands = TimeBand.values
    for month in range(MONTHS, 0, -1):
        day = today - dt.timedelta(days=month * 30 + (month % 3))
        visit = services.schedule_visit(
            actor=None,
            subject=subject,
            window_from=day,
            window_to=day + dt.timedelta(days=2),
            announced=month % 2 == 0,
            assigned_team=neighbourhood or unit,
            time_band=bands[month % len(bands)],
        )
        if month == 4:
            continue  # missed: the window passed with no outcome
        outcome = (
            VisitOutcome.NO_REPLY
            if month % 5 == 0
            else (VisitOutcome.SEEN_CONCERNS if month in BREACH_MONTHS else VisitOutcome.SEEN_COMPLIANT)
        )
        services.record_visit_outcome(
            actor=None, visit=visit, outcome=outcome, visited_on=day + dt.timedelta(days=1)
        )

    # Breaches: more before the plan than since, and two in the last 30 days (the escalation).
    for n, month in enumerate(BREACH_MONTHS):
        services.record_breach(
            actor=None,
            subject=subject,
            term=terms[n % len(terms)],
            occurred_on=today - dt.timedelta(days=month * 30 + 7),
            source="victim-report" if n % 2 == 0 else "anpr",
            niche_occurrence_ref=f"DEMO-OCC-{100 + n}",
            outcome=("convicted", "caution", "charged", "no-further-action", "reasonable-excuse", "charged")[
                n
            ],
        )
    for days_ago, source in ((12, "victim-report"), (3, "visit")):
        services.record_breach(
            actor=None,
            subject=subject,
            term=terms[0],
            occurred_on=today - dt.timedelta(days=days_ago),
            source=source,
            niche_occurrence_ref=f"DEMO-OCC-{200 + days_ago}",
        )

    # Reviews every three months, term by term (the last one today).
    for month in range(MONTHS - 3, -1, -3):
        day = today - dt.timedelta(days=month * 30)
        in_force = services.terms_in_force(subject, day)
        services.complete_review(
            actor=reviewer,
            subject=subject,
            reviewed_on=day,
            assessments={
                str(t.uuid): {
                    "result": "breached" if month in (15, 12) and t.order_id == order.pk else "complied"
                }
                for t in in_force
            },
            outcome="escalate" if month == 0 else "unchanged",
            notes="Demo review.",
        )
    services.generate_routine_visits(actor=None)
