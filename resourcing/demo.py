"""Demo resourcing (issue 15, item 6): capacity for each demo force, one short, and 12 months of snapshots.

The unit's members are given hours so that capacity stands about a third above today's demand;
Northamptonshire's stand a quarter below it (the short force the regional report highlights). The
two response teams take a share of the visits; one unit member has a week's leave next month. The
year of history is drawn from today's figures with a caseload that grew by about a fifth (numbers
only, as the job writes them); today's snapshot is the job's own. Safe to run again.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from organisation import services as organisation
from organisation.choices import TeamKind
from organisation.models import PlannedAbsence, Team, TeamMember

from .jobs import take_snapshot
from .models import ForceSnapshot
from .selectors import force_figures

SHORT_FORCE = "northamptonshire"
DAYS = 365
#: Capacity over demand: comfortable, and short for the one force.
HEADROOM, SHORTFALL = 1.35, 0.75
#: The smallest unit week the demo gives, so a force with little caseload still has a unit.
MIN_UNIT_HOURS = 6.0


def seed_resourcing(force: Any) -> None:
    today = timezone.localdate()
    unit = Team.objects.filter(kind=TeamKind.ANCILLARY_ORDER_UNIT).order_by("id").first()
    if unit is None:
        return
    links = list(TeamMember.objects.filter(team=unit).select_related("user"))
    if links and not any(link.hours_per_week for link in links):
        for index, team in enumerate(Team.objects.filter(kind=TeamKind.RESPONSE).order_by("id")[:2]):
            organisation.set_team_capacity(actor=None, team=team, visit_share=15 if index == 0 else 10)
        demand = force_figures(today).demand_hours
        short = force.slug == SHORT_FORCE
        each = (demand * SHORTFALL if short else max(demand * HEADROOM, MIN_UNIT_HOURS)) / len(links)
        organisation.set_team_capacity(
            actor=None, team=unit, hours={link.user_id: round(min(each, 168.0), 1) for link in links}
        )
        if not PlannedAbsence.objects.exists():
            start = today + dt.timedelta(days=30)
            organisation.add_planned_absence(
                actor=None, user=links[-1].user, starts_on=start, ends_on=start + dt.timedelta(days=6)
            )
    seed_history(force, today)


def seed_history(force: Any, today: dt.date, days: int = DAYS) -> int:
    """``days`` daily snapshots before today (drawn from today's) and today's own; none if any exist."""
    with schema_context(get_public_schema_name()):
        if ForceSnapshot.objects.filter(force_id=force.pk, day__lt=today).exists():
            return 0
    now = take_snapshot(force, today)
    if now is None:
        with schema_context(get_public_schema_name()):
            now = ForceSnapshot.objects.get(force_id=force.pk, day=today)
    rows = []
    for back in range(days, 0, -1):
        day = today - dt.timedelta(days=back)
        # The caseload grew about a fifth over the year, with a gentle season on top.
        factor = (1 - 0.2 * back / days) * (1 + 0.03 * math.sin(back / 29))
        capacity = now.capacity_hours * (0.85 if day.month in (8, 12) else 1.0)
        rows.append(
            ForceSnapshot(
                force_id=force.pk,
                day=day,
                caseload=max(0, round(now.caseload * factor)),
                planned=max(0, round(now.planned * factor)),
                demand_hours=round(now.demand_hours * factor, 2),
                capacity_hours=round(capacity, 2),
                visit_hours=round(now.visit_hours * factor, 2),
                visit_share=now.visit_share,
                other_capacity_hours=now.other_capacity_hours,
                overdue_reviews=max(0, round(now.overdue_reviews * factor)),
                overdue_visits=max(0, round(now.overdue_visits * factor)),
                demand_by_work={k: round(v * factor, 2) for k, v in now.demand_by_work.items()},
                caseload_by_risk={k: round(v * factor) for k, v in now.caseload_by_risk.items()},
                caseload_by_order_type={k: round(v * factor) for k, v in now.caseload_by_order_type.items()},
                unplanned_by_order_type={
                    k: round(v * factor) for k, v in now.unplanned_by_order_type.items()
                },
                outcomes={k: round(v * factor) for k, v in now.outcomes.items()},
            )
        )
    with schema_context(get_public_schema_name()):
        ForceSnapshot.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
