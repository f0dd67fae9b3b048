"""Demo compliance history (issue 13, item 6): 18 months of reviews, visits and breaches.

The first demo subject with an active plan gets a DAPO made 19 months ago (two terms) beside its
SPO, is managed by the force's ancillary order unit, and has: a review every three months, a
visit a month tasked to a neighbourhood team (varied days and bands, a few with no reply, one
missed), and breaches that fall once the plan is in force (five in the first year, one since),
with two in the last 30 days, so the subject escalates. Routine visits are then generated for
every active plan. Written through the services; safe to run again (a force with reviews gets no
more).

So that ``/outcomes/`` has something to compare (item 6's "visible before / after"; counts under 10
are suppressed), that subject's first approved plan version is dated ``FIRST_PLAN_DAYS_AGO``, and a
cohort of ``COHORT`` more subjects is added, each under an SPO made ``COHORT_ORDER_DAYS_AGO`` with
a protected person, a plan first approved 9 to 12 months ago (back-dated, audited), four breaches
in the year before it and two since, and contacts with the protected person every six weeks,
reassured more often once the plan is in force. None of them escalates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from audit.services import audited_change
from orders import services as order_services
from orders.models import ContactMethod, OrderTerm, Reassurance, Relationship, TermKind
from organisation.choices import TeamKind
from organisation.models import Team
from plans.choices import PlanStatus
from plans.demo import approved_plan
from plans.models import Plan, PlanVersion
from statute.models import OrderType
from subjects import services as subject_services
from subjects.models import Subject

from . import services
from .choices import TimeBand, VisitOutcome
from .models import ComplianceReview

MONTHS = 18
#: Months ago (and day of the month) of each breach before the last 30 days: more before the plan.
BREACH_MONTHS = (17, 15, 14, 12, 10, 5)
#: When the escalating subject's first plan version was approved: five breaches before, one since.
FIRST_PLAN_DAYS_AGO = 300
#: The outcome cohort: fictional subjects (family name, given names, date of birth).
COHORT_SUBJECTS = (
    ("ASHDOWN", "Lee", dt.date(1984, 3, 9)),
    ("BRAMLEY", "Dale", dt.date(1979, 11, 22)),
    ("CORRIGAN", "Shaun", dt.date(1991, 6, 4)),
    ("DELAMERE", "Kieran", dt.date(1988, 1, 30)),
    ("EVERSLEY", "Marcus", dt.date(1976, 8, 17)),
    ("FAIRCLOUGH", "Ryan", dt.date(1993, 4, 12)),
)
COHORT = len(COHORT_SUBJECTS)
COHORT_ORDER_DAYS_AGO = 700
#: Days before approval of each cohort breach (a protected person offended against in the first
#: and third), and days after it of each breach since (against the person in the first).
COHORT_BREACHES_BEFORE = (40, 110, 180, 250)
COHORT_BREACHES_AFTER = (60, 200)
CONTACT_EVERY_DAYS = 45


def _back_date_first_approval(plan: Plan, day: dt.date) -> None:
    """Date ``plan``'s first approved version ``day`` (demo history; audited)."""
    version = PlanVersion.objects.filter(plan=plan, approved_at__isnull=False).order_by("approved_at").first()
    if version is None:
        return
    with audited_change(
        version,
        lambda v: {"approved_at": v.approved_at},
        justification="Demo: plan history back-dated for the outcome figures",
    ):
        version.approved_at = dt.datetime.combine(day, dt.time(11), dt.UTC)
        version.save(update_fields=["approved_at"])


def _seed_outcome_cohort(force: Any, unit: Team, officer: Any, today: dt.date) -> None:
    """Subjects whose breaches fall and whose protected persons feel safer once a plan is in force."""
    made = today - dt.timedelta(days=COHORT_ORDER_DAYS_AGO)
    spo = OrderType.objects.get(code="SPO")
    for i, (family, given, born) in enumerate(COHORT_SUBJECTS):
        subject = subject_services.create_subject(
            actor=None,
            family_name=family,
            given_names=given,
            date_of_birth=born,
            niche_nominal_ref=f"DEMO-{force.slug[:4].upper()}-{2000 + i}",
            managing_team=unit,
            confirm_new=True,
        )
        order = order_services.create_order(
            actor=None,
            subject=subject,
            order_type=spo,
            court="Lincoln Magistrates' Court (demo)",
            case_number=f"DEMO-SPO-C{i + 1}",
            made_on=made,
            served_on=made,
            until_further_order=True,
        )
        term = order_services.add_term(
            actor=None, order=order, kind=TermKind.PROHIBITION, wording="Not to contact the victim (demo)."
        )
        person = order_services.create_protected_person(
            actor=None,
            subject=subject,
            name=f"Protected person {i + 1} (demo)",
            relationship=Relationship.FORMER_PARTNER,
            orders=[order],
            address=f"{40 + i} Example Road (demo)",
            safe_contact="Text first (demo).",
        )
        approved = today - dt.timedelta(days=270 + 15 * i)
        _back_date_first_approval(approved_plan(subject, "medium").plan, approved)
        breaches = [(approved - dt.timedelta(days=d), d in (40, 180)) for d in COHORT_BREACHES_BEFORE]
        breaches += [(approved + dt.timedelta(days=d), d == 60) for d in COHORT_BREACHES_AFTER]
        for n, (day, against_person) in enumerate(breaches):
            services.record_breach(
                actor=None,
                subject=subject,
                term=term,
                occurred_on=day,
                source="victim-report" if against_person else "anpr",
                niche_occurrence_ref=f"DEMO-OCC-C{i + 1}-{n + 1}",
                outcome="charged" if against_person else "caution",
                protected_person=person if against_person else None,
            )
        day = made + dt.timedelta(days=30 + i)
        while day < today:
            after = day >= approved
            k = (day - made).days // CONTACT_EVERY_DAYS
            order_services.add_contact(
                actor=None,
                protected_person=person,
                contacted_on=day,
                method=ContactMethod.PHONE if k % 2 else ContactMethod.IN_PERSON,
                officer=officer,
                summary="Regular contact (demo).",
                reassured=(
                    (Reassurance.PARTLY if k % 3 == 0 else Reassurance.YES)
                    if after
                    else (Reassurance.YES if k % 3 == 0 else Reassurance.NO)
                ),
            )
            day += dt.timedelta(days=CONTACT_EVERY_DAYS)


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
    _back_date_first_approval(plan, today - dt.timedelta(days=FIRST_PLAN_DAYS_AGO))
    if not Subject.objects.filter(niche_nominal_ref=f"DEMO-{force.slug[:4].upper()}-2000").exists():
        _seed_outcome_cohort(force, unit, reviewer, today)
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
