"""The caseload with plans (issue 12 item 3): each subject's plan, risk level and plan review.

``PlanCaseloadFilter`` extends the orders' caseload (``orders.caseload.CaseloadFilter``) and is
registered in ``PlansConfig.ready()``; an app above that registers a caseload filterset must extend
this one (``core.caseload`` refuses anything else). It adds:

- per row: the plan (UUID, status, risk level: the active version's, else the latest version's,
  next review, ready to close) and **needs a plan, has none** (``plan_required`` with that risk
  level, and no plan);
- the plan's next review (active plans) among the key dates;
- filters: risk level, plan status, plan review (overdue, due within the force's review reminder
  lead time), ready to close, no plan.

Plans are read through ``restrict(user, "view")``: a reader without ``VIEW_PLAN`` gets no plan
facts (null) and every plan filter matches nobody. Everything is a subquery of the page's one
statement, so the query count stays flat with the page size (tests/plans/test_caseload.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.roles import Perm
from core.tenancy import host_force, permissions_in
from orders.caseload import CASELOAD_SORTS, CaseloadFilter, KeyDateKind, _flag
from orders.models import ProtectiveOrder
from organisation.choices import RiskLevel
from organisation.models import PracticeSettings
from subjects.filters import FlagFilter, SortFilter, soonest_first

from .choices import PlanStatus, VersionStatus
from .models import Plan, PlanVersion
from .services import ENDED_ORDER_STATES


class PlanKeyDateKind(models.TextChoices):
    """The key date the plans add to the caseload's (``orders.caseload.KeyDateKind``)."""

    PLAN_REVIEW = "plan-review", "Plan review"


#: Every kind of next key date the caseload names (the API's choices).
KEY_DATE_KINDS = [*KeyDateKind.choices, *PlanKeyDateKind.choices]


class ReviewDue(models.TextChoices):
    OVERDUE = "overdue", "Review overdue"
    DUE_SOON = "due_soon", "Review due soon"


PLAN_CASELOAD_SORTS = {
    **CASELOAD_SORTS,
    "plan_review": ("Plan review (soonest first)", soonest_first("next_plan_review")),
}


class PlanCaseloadFilter(CaseloadFilter):
    """The orders' caseload with each subject's plan: its filters, key date and row facts."""

    risk_level = django_filters.MultipleChoiceFilter(
        method="filter_by_plan",
        choices=RiskLevel.choices,
        label="Risk level",
        help_text="The active plan version's, else the latest version's.",
        error_messages={"invalid_choice": "Choose risk levels from the list (%(value)s is not one)."},
    )
    plan_status = django_filters.MultipleChoiceFilter(
        method="filter_by_plan",
        choices=PlanStatus.choices,
        label="Plan status",
        error_messages={"invalid_choice": "Choose plan statuses from the list (%(value)s is not one)."},
    )
    review = django_filters.MultipleChoiceFilter(
        method="filter_by_plan",
        choices=ReviewDue.choices,
        label="Plan review",
        help_text="Of active plans; due soon is within the force's review reminder lead time.",
        error_messages={"invalid_choice": "Choose plan reviews from the list (%(value)s is not one)."},
    )
    ready_to_close = FlagFilter(
        field_name="plan_ready_to_close",
        label="Plan ready to close",
        help_text="Every order of the subject has ended.",
    )
    no_plan = FlagFilter(field_name="has_no_plan", label="No plan")
    ordering = SortFilter(PLAN_CASELOAD_SORTS)

    panel_template = "plans/caseload_filters.html"
    table_template = "plans/caseload_table.html"

    PLAN_FILTERS = ("risk_level", "plan_status", "review", "ready_to_close", "no_plan")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        force = host_force(self.request) if self.request is not None else None
        user = getattr(self.request, "user", None)
        self.plans_visible = Perm.VIEW_PLAN in permissions_in(user, force)
        self._plans = Plan.objects.restrict(user, "view", force=force)

    # -- the queryset ---------------------------------------------------------------------------
    def key_dates(self) -> list[tuple[str, Any, str]]:
        """The orders' key dates with the active plan's next review before the MoPI review."""
        dates = super().key_dates()
        review = Subquery(
            self._plans.filter(subject=OuterRef("pk"), status=PlanStatus.ACTIVE).values("next_review_due")[:1]
        )
        return [*dates[:-1], ("next_plan_review", review, PlanKeyDateKind.PLAN_REVIEW), dates[-1]]

    def annotate(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        mine = self._plans.filter(subject=OuterRef("pk"))
        versions = PlanVersion.objects.filter(plan=OuterRef("pk"))
        risk = Coalesce(
            Subquery(versions.filter(status=VersionStatus.ACTIVE).values("risk_level")[:1]),
            Subquery(versions.order_by("-number").values("risk_level")[:1]),
        )
        orders = ProtectiveOrder.objects.filter(subject=OuterRef(OuterRef("pk")))
        ready = self._plans.exclude(status=PlanStatus.CLOSED).filter(
            Exists(orders), ~Exists(orders.exclude(status__in=ENDED_ORDER_STATES)), subject=OuterRef("pk")
        )
        return (
            super()
            .annotate(queryset)
            .annotate(
                plan_uuid=Subquery(mine.values("uuid")[:1]),
                plan_status=Subquery(mine.values("status")[:1]),
                plan_review_due=Subquery(mine.values("next_review_due")[:1]),
                plan_risk_level=Subquery(mine.annotate(risk=risk).values("risk")[:1]),
                has_no_plan=_flag(~Q(pk__in=self._plans.values("subject_id"))),
                plan_ready_to_close=Exists(ready),
            )
        )

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if not self.plans_visible:
            # No plan is open to this reader: a plan filter must not hint at who has one.
            return queryset.none() if any(data.get(n) for n in self.PLAN_FILTERS) else queryset
        if data.get("risk_level"):
            queryset = queryset.filter(plan_risk_level__in=data["risk_level"])
        if data.get("plan_status"):
            queryset = queryset.filter(plan_status__in=data["plan_status"])
        if data.get("review"):
            today = self.today
            due = Q()
            if ReviewDue.OVERDUE in data["review"]:
                due |= Q(plan_review_due__lt=today)
            if ReviewDue.DUE_SOON in data["review"]:
                days = PracticeSettings.objects.values_list("review_reminder_days", flat=True).get(
                    singleton=True
                )
                due |= Q(plan_review_due__gte=today, plan_review_due__lte=today + dt.timedelta(days=days))
            queryset = queryset.filter(due, plan_status=PlanStatus.ACTIVE)
        return queryset

    def filter_by_plan(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        """The plan filters are applied in ``filter_queryset`` (they read the annotations)."""
        return queryset

    # -- rows -------------------------------------------------------------------------------------
    def prepare_rows(self, rows: list[Any]) -> None:
        super().prepare_rows(rows)
        for row in rows:
            if not self.plans_visible:
                row.caseload_plan = None
                row.needs_plan_without_one = None
                continue
            row.caseload_plan = (
                {
                    "uuid": row.plan_uuid,
                    "status": row.plan_status,
                    "status_label": PlanStatus(row.plan_status).label,
                    "risk_level": row.plan_risk_level or "",
                    "risk_level_label": RiskLevel(row.plan_risk_level).label if row.plan_risk_level else "",
                    "next_review_due": row.plan_review_due,
                    "review_overdue": row.plan_status == PlanStatus.ACTIVE
                    and row.plan_review_due is not None
                    and row.plan_review_due < self.today,
                    "ready_to_close": bool(row.plan_ready_to_close),
                }
                if row.plan_uuid is not None
                else None
            )
            needs = getattr(row, "needs_plan", None)
            row.needs_plan_without_one = None if needs is None else bool(needs and row.caseload_plan is None)

    def risk_level_of(self, row: Any) -> str | None:
        """The plan's risk level (active version's, else latest), so "high risk or above" rules apply."""
        return (getattr(row, "plan_risk_level", None) or None) if self.plans_visible else None
