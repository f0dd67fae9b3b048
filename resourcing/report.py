"""The regional report and the "what if" scenarios, from snapshot numbers only (public schema).

A scenario recomputes each force's demand from its latest snapshot: a plan for every subject under
a live order (at the force's demand per planned subject), the caseload grown by a percentage, and
the share of visits that response and neighbourhood teams take. Nothing is read from force schemas.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery

from compliance.selectors import SMALL_COUNT, suppressed
from core.roles import RegionalRoleKind
from tenants.models import Force, Region

from .errors import ResourcingError
from .models import ForceSnapshot

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")
REPORT_ROLES = frozenset({RegionalRoleKind.REGIONAL_ADMIN, RegionalRoleKind.REGIONAL_ANALYST})
MONTHS = 12
ALL_REGIONS = "all"


@dataclass(frozen=True)
class Scenario:
    plan_every_order_type: bool = False
    growth_percent: float = 0.0
    visit_share: int | None = None  # None: as each force has it now

    @property
    def is_baseline(self) -> bool:
        return not self.plan_every_order_type and not self.growth_percent and self.visit_share is None


def parse_scenario(data: Any) -> Scenario:
    """A scenario from query parameters; bad values are field errors with codes (never a 500)."""
    errors: dict[str, list[ValidationError]] = {}
    growth = 0.0
    raw_growth = (data.get("growth") or "").strip()
    if raw_growth:
        try:
            growth = float(raw_growth)
            if growth != growth or growth in (float("inf"), float("-inf")):
                raise ValueError
        except ValueError:
            errors["growth"] = [
                ValidationError(
                    "Enter the growth as a number, e.g. 10 or -5.", code=ResourcingError.NOT_A_NUMBER
                )
            ]
        else:
            if growth <= -100:
                errors["growth"] = [
                    ValidationError(
                        "The caseload can shrink by less than 100%.", code=ResourcingError.GROWTH_TOO_LOW
                    )
                ]
            elif growth > 1000:
                errors["growth"] = [
                    ValidationError("Enter a growth of 1000% or less.", code=ResourcingError.GROWTH_TOO_HIGH)
                ]
    share: int | None = None
    raw_share = (data.get("visit_share") or "").strip()
    if raw_share:
        try:
            share = int(raw_share)
        except ValueError:
            errors["visit_share"] = [
                ValidationError(
                    "Enter the share of visits as a whole number from 0 to 100.",
                    code=ResourcingError.NOT_A_NUMBER,
                )
            ]
        else:
            if not 0 <= share <= 100:
                errors["visit_share"] = [
                    ValidationError(
                        "The share of visits must be from 0 to 100%.", code=ResourcingError.SHARE_OUT_OF_RANGE
                    )
                ]
    plan_all = str(data.get("plan_all") or "").strip().lower() in {"1", "true", "yes", "on"}
    if errors:
        raise ValidationError(errors)
    return Scenario(plan_every_order_type=plan_all, growth_percent=growth, visit_share=share)


@dataclass
class ForceRow:
    force_id: int
    slug: str
    name: str
    day: dt.date | None = None
    caseload: float = 0
    demand_hours: float = 0.0
    capacity_hours: float = 0.0
    overdue_reviews: int = 0
    overdue_visits: int = 0
    #: The snapshot's outcome counts as they may be published across forces: a count under
    #: ``SMALL_COUNT`` (10) is None, so no one is picked out of a force's few breaches.
    outcomes: dict[str, int | None] = field(default_factory=dict)

    def shown(self, key: str) -> str:
        """An outcome count for a page or the CSV: "fewer than 10" when under ten (or missing)."""
        value = self.outcomes.get(key)
        return suppressed(value if value is not None else 0)

    @property
    def breaches_shown(self) -> str:
        return self.shown("breaches")

    @property
    def visits_shown(self) -> str:
        return f"{self.shown('visits_done')} / {self.shown('visits_planned')}"

    @property
    def reviews_shown(self) -> str:
        return f"{self.shown('reviews_on_time')} / {self.shown('reviews')}"

    @property
    def has_data(self) -> bool:
        return self.day is not None

    @property
    def gap_hours(self) -> float:
        return self.capacity_hours - self.demand_hours

    @property
    def short(self) -> bool:
        return self.has_data and self.gap_hours < 0

    @property
    def backlog(self) -> int:
        return self.overdue_reviews + self.overdue_visits

    def as_dict(self) -> dict[str, Any]:
        base: dict[str, Any] = {"force": self.slug, "name": self.name, "has_data": self.has_data}
        if not self.has_data:
            return base
        return {
            **base,
            "day": self.day.isoformat() if self.day else None,
            "caseload": round(self.caseload),
            "demand_hours": round(self.demand_hours, 1),
            "capacity_hours": round(self.capacity_hours, 1),
            "gap_hours": round(self.gap_hours, 1),
            "short": self.short,
            "overdue_reviews": self.overdue_reviews,
            "overdue_visits": self.overdue_visits,
            "backlog": self.backlog,
            "outcomes": dict(self.outcomes),
        }


def published_counts(counts: dict[str, Any]) -> dict[str, int | None]:
    """Counts as another force may see them: under ``SMALL_COUNT`` each is None (issue 15: the
    snapshot keeps numbers only, and a number under ten can still point at a person)."""
    return {k: (int(v) if int(v) >= SMALL_COUNT else None) for k, v in counts.items()}


def apply_scenario(snapshot: ForceSnapshot, scenario: Scenario) -> tuple[float, float]:
    """The caseload and unit demand (hours a week) of ``snapshot`` under ``scenario``."""
    demand = snapshot.demand_hours
    caseload = float(snapshot.caseload)
    if scenario.visit_share is not None:
        demand += snapshot.visit_hours * (snapshot.visit_share - scenario.visit_share) / 100
    if scenario.plan_every_order_type and snapshot.planned:
        unplanned = sum(int(n) for n in snapshot.unplanned_by_order_type.values())
        demand += unplanned * demand / snapshot.planned
    factor = 1 + scenario.growth_percent / 100
    return caseload * factor, max(0.0, demand * factor)


def forces_of(region: Region | None) -> list[Force]:
    forces = Force.objects.exclude(schema_name="public").exclude(region__isnull=True).order_by("name")
    if region is not None:
        forces = forces.filter(region=region)
    return list(forces.only("id", "slug", "name", "region_id"))


def latest_snapshots(force_ids: list[int], today: dt.date) -> dict[int, ForceSnapshot]:
    """Each force's latest snapshot up to ``today``: one query, an index lookup per force on
    (force, day) rather than a sort of every snapshot kept."""
    latest = (
        ForceSnapshot.objects.filter(force_id=OuterRef("pk"), day__lte=today)
        .order_by("-day")
        .values("pk")[:1]
    )
    ids = Force.objects.filter(pk__in=force_ids).annotate(latest=Subquery(latest)).values("latest")
    # The breakdowns the report does not show stay in the database (JSON decoding is most of the cost).
    rows = ForceSnapshot.objects.filter(pk__in=ids).defer(
        "demand_by_work", "caseload_by_risk", "caseload_by_order_type", "other_capacity_hours"
    )
    return {s.force_id: s for s in rows}


# The months are an array, not generate_series(): the planner takes a generate_series over
# timestamps for 1,000 rows, so 43 forces were costed as 43,000 lookups, above jit_above_cost, and
# JIT compilation took longer than the query (x5.5 one force at 43; an array's length is known).
_HISTORY_SQL = """
SELECT months.month, sum(s.demand_hours), sum(s.capacity_hours), sum(s.caseload), count(*)
FROM unnest(%(forces)s::integer[]) AS forces(force_id)
CROSS JOIN unnest(%(months)s::date[]) AS months(month)
CROSS JOIN LATERAL (
    SELECT demand_hours, capacity_hours, caseload FROM {table} snap
    WHERE snap.force_id = forces.force_id AND snap.day >= months.month
      AND snap.day < months.month + interval '1 month' AND snap.day <= %(today)s
    ORDER BY snap.day DESC LIMIT 1
) s
GROUP BY 1 ORDER BY 1
"""


def monthly_history(force_ids: list[int], today: dt.date, months: int = MONTHS) -> list[dict[str, Any]]:
    """Per month (the last 12, oldest first) the summed demand, capacity and caseload of the forces,
    from each force's last snapshot in the month: one query, one index lookup per force and month
    (never a pass over every daily snapshot kept), summed in the database."""
    firsts = [dt.date(today.year, today.month, 1)]
    for _ in range(months - 1):
        firsts.insert(0, (firsts[0] - dt.timedelta(days=1)).replace(day=1))
    sql = _HISTORY_SQL.format(table=connection.ops.quote_name(ForceSnapshot._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, {"forces": list(force_ids), "months": firsts, "today": today})
        rows = cursor.fetchall()
    return [
        {
            "month": month,
            "demand_hours": demand,
            "capacity_hours": capacity,
            "caseload": int(caseload),
            "forces": n,
        }
        for month, demand, capacity, caseload, n in rows
    ]


@dataclass
class RegionReport:
    region: Region | None
    today: dt.date
    scenario: Scenario
    rows: list[ForceRow]
    history: list[dict[str, Any]]

    @property
    def totals(self) -> dict[str, Any]:
        with_data = [r for r in self.rows if r.has_data]
        demand = sum(r.demand_hours for r in with_data)
        capacity = sum(r.capacity_hours for r in with_data)
        return {
            "forces": len(self.rows),
            "forces_with_data": len(with_data),
            "caseload": round(sum(r.caseload for r in with_data)),
            "demand_hours": round(demand, 1),
            "capacity_hours": round(capacity, 1),
            "gap_hours": round(capacity - demand, 1),
            "backlog": sum(r.backlog for r in with_data),
            "forces_short": sum(1 for r in with_data if r.short),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.region.slug if self.region else ALL_REGIONS,
            "day": self.today.isoformat(),
            "scenario": {
                "plan_all": self.scenario.plan_every_order_type,
                "growth": self.scenario.growth_percent,
                "visit_share": self.scenario.visit_share,
            },
            "forces": [r.as_dict() for r in self.rows],
            "totals": self.totals,
            "history": [
                {
                    "month": h["month"].isoformat(),
                    "demand_hours": round(h["demand_hours"], 1),
                    "capacity_hours": round(h["capacity_hours"], 1),
                    "caseload": h["caseload"],
                }
                for h in self.history
            ],
        }


def region_report(
    region: Region | None,
    *,
    today: dt.date,
    scenario: Scenario | None = None,
    forces: list[Force] | None = None,
) -> RegionReport:
    """Every force of ``region`` (None: all regions) side by side, from its latest snapshot, in
    three queries whatever the number of forces (``forces``: exactly these, e.g. one for the bench)."""
    scenario = scenario or Scenario()
    forces = forces if forces is not None else forces_of(region)
    ids = [f.pk for f in forces]
    latest = latest_snapshots(ids, today)
    rows = []
    for force in forces:
        row = ForceRow(force_id=force.pk, slug=force.slug, name=force.name)
        snap = latest.get(force.pk)
        if snap is not None:
            row.caseload, row.demand_hours = apply_scenario(snap, scenario)
            row.day = snap.day
            row.capacity_hours = snap.capacity_hours
            row.overdue_reviews, row.overdue_visits = snap.overdue_reviews, snap.overdue_visits
            row.outcomes = published_counts(snap.outcomes)
        rows.append(row)
    return RegionReport(
        region=region, today=today, scenario=scenario, rows=rows, history=monthly_history(ids, today)
    )


def report_regions(user: Any) -> QuerySet[Region]:
    """The regions whose report ``user`` may read: their own as regional administrator or analyst,
    every region as platform administrator."""
    if not user.is_authenticated:
        return Region.objects.none()
    if user.is_platform_admin:
        return Region.objects.all()
    return Region.objects.filter(
        regional_roles__user=user, regional_roles__role__in=list(REPORT_ROLES)
    ).distinct()


def may_read_reports(user: Any) -> bool:
    return bool(user.is_authenticated) and report_regions(user).exists()


def resolve_region(user: Any, slug: str | None) -> tuple[bool, Region | None]:
    """(found, region) for the ``region`` parameter: a region of the user's, or ``all`` for platform
    administrators; ``found`` is False for any other (answered 404, never naming the region)."""
    allowed = report_regions(user)
    if slug and not _SLUG.fullmatch(slug):
        return False, None  # never sent to the database: a NUL or a page of text is simply no region
    if not slug:
        first = allowed.order_by("name").first()
        return first is not None, first
    if slug == ALL_REGIONS:
        return (True, None) if user.is_platform_admin else (False, None)
    region = allowed.filter(slug=slug).first()
    return region is not None, region
