"""The caseload: the subject list with each subject's orders, next key date and need of a plan.

``CaseloadFilter`` extends the subjects' own list filters (``subjects.filters``) and is registered
with ``core.caseload`` for the list page (``subjects`` may not import this app); the API's subject
list uses it directly. Everything is read through ``restrict``: a reader who may not see orders
(a disclosure officer) gets the list without them (``orders`` and ``needs_plan`` empty, order
filters matching nobody), never another route to them.

**Next key date** is the earliest of

- the end date of a live order (made, in force or under appeal; not "until further order"),
- the last day of an open notification requirement (not notified, not suspended),
- the subject's next MoPI review,

past dates included: each is still waiting for someone (an order past its end date but still
recorded in force, an overdue notification, a late review). Plans and compliance add their review
and visit dates by extending this class when they arrive.

**Needs a plan** is ``organisation.practice.plan_required()`` over the types of the subject's live
orders and their sex-offender registration, with the risk level of ``risk_level_of()``: None here
(orders know no risk); the plans' caseload (``plans.caseload.PlanCaseloadFilter``, registered by
``plans``) answers with the plan's risk level and adds the plan's review to ``key_dates()``.

Costs are flat: the dates and flags are subqueries of the page's one statement, the counts one
aggregate, the orders of a page one prefetch and the practice settings one read, whatever the
page size (tests/orders/test_caseload.py, ``subjects.caseload_50_over_5`` in bench).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, cast

import django_filters
from django.db import models
from django.db.models import Count, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Least
from django.utils import timezone

from core.roles import Perm
from core.tenancy import host_force, permissions_in
from organisation.practice import get_practice_settings, plan_required
from subjects.filters import (
    SUBJECT_SORTS,
    Facet,
    FlagFilter,
    ListCounts,
    SortFilter,
    SubjectListFilter,
    soonest_first,
)

from .models import (
    LIVE_STATUSES,
    NotificationRequirement,
    NotificationRequirementQuerySet,
    OrderStatus,
    ProtectiveOrder,
)

#: "Ending soon": a live order whose end date is at most this many days away (or already past).
EXPIRING_WITHIN_DAYS = 90


class KeyDateKind(models.TextChoices):
    """What the next key date is the date of (see the module docstring)."""

    NOTIFICATION = "notification", "Notification due"
    ORDER_EXPIRY = "order-expiry", "Order ends"
    MOPI_REVIEW = "mopi-review", "MoPI review"


CASELOAD_SORTS = {
    **SUBJECT_SORTS,
    "next_key_date": ("Next key date (soonest first)", soonest_first("next_key_date")),
    "order_expiry": ("Order end date (soonest first)", soonest_first("next_order_expiry")),
}

#: Statuses first in a subject's list of orders: live ones, then applications, then the ended.
_STATUS_RANK = {status: rank for rank, status in enumerate([*LIVE_STATUSES, OrderStatus.APPLIED])}


class _OrderTypeChoices:
    """The order types as choices, read when first needed (a filter given, the panel drawn) and
    then kept for the request: a case file over the API never reads them."""

    def __init__(self) -> None:
        self._choices: list[tuple[str, str]] | None = None

    def _load(self) -> list[tuple[str, str]]:
        if self._choices is None:
            from statute.models import OrderType

            rows = OrderType.objects.values_list("code", "name")
            self._choices = [(code, f"{name} ({code})") for code, name in rows]
        return self._choices

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=models.BooleanField())


class CaseloadFilter(SubjectListFilter):
    """The caseload's filters (order type, order status, ending soon, overdue notification) on top
    of the subjects' own (team, area), its sort orders, counts and the facts of each row."""

    order_type = django_filters.MultipleChoiceFilter(
        method="filter_by_orders",
        label="Order type",
        error_messages={"invalid_choice": "Choose order types from the list (%(value)s is not one)."},
    )
    order_status = django_filters.MultipleChoiceFilter(
        method="filter_by_orders",
        choices=OrderStatus.choices,
        label="Order status",
        error_messages={"invalid_choice": "Choose order statuses from the list (%(value)s is not one)."},
    )
    expiring = FlagFilter(
        field_name="has_order_ending_soon",
        label=f"Order ending within {EXPIRING_WITHIN_DAYS} days",
        help_text="Includes orders past their end date still recorded as in force.",
    )
    overdue = FlagFilter(field_name="has_overdue_notification", label="Notification overdue")
    ordering = SortFilter(CASELOAD_SORTS)

    panel_template = "orders/caseload_filters.html"
    table_template = "orders/caseload_table.html"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["order_type"].extra["choices"] = _OrderTypeChoices()
        self.today = timezone.localdate()
        force = host_force(self.request) if self.request is not None else None
        user = getattr(self.request, "user", None)
        self.orders_visible = Perm.VIEW_ORDER in permissions_in(user, force)
        self._orders = ProtectiveOrder.objects.restrict(user, "view", force=force)
        self._requirements = cast(
            NotificationRequirementQuerySet,
            NotificationRequirement.objects.restrict(user, "view", force=force),
        )

    # -- the queryset: dates and flags as subqueries of one statement -----------------------------
    def key_dates(self) -> list[tuple[str, Any, str]]:
        """The dates the next key date is the earliest of: ``(name, expression, kind)``, in the order
        that breaks a tie (the first is named). ``expression`` None is a column of the subject.
        An app above extends the list (plans: the plan's next review)."""
        mine = OuterRef("pk")
        live = self._orders.filter(subject=mine, status__in=LIVE_STATUSES, expires_on__isnull=False)
        requirements = self._requirements.open().filter(order__subject=mine)
        return [
            (
                "next_notification_day",
                Subquery(requirements.order_by("last_day").values("last_day")[:1]),
                KeyDateKind.NOTIFICATION,
            ),
            (
                "next_order_expiry",
                Subquery(live.order_by("expires_on").values("expires_on")[:1]),
                KeyDateKind.ORDER_EXPIRY,
            ),
            ("next_review_date", None, KeyDateKind.MOPI_REVIEW),
        ]

    def annotate(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Each row's next dates (correlated subqueries: PostgreSQL evaluates them for the rows of
        the page only, unless the list is sorted by them) and its two flags (``IN`` semi-joins,
        which PostgreSQL hashes once for the whole list: the counts read every row)."""
        live = self._orders.filter(status__in=LIVE_STATUSES)
        soon = self.today + dt.timedelta(days=EXPIRING_WITHIN_DAYS)
        dates = self.key_dates()
        return queryset.annotate(
            **{name: expression for name, expression, _kind in dates if expression is not None},
        ).annotate(
            next_key_date=Least(*(name for name, _expression, _kind in dates)),
            has_order_ending_soon=_flag(Q(pk__in=live.filter(expires_on__lte=soon).values("subject_id"))),
            has_overdue_notification=_flag(
                Q(pk__in=self._requirements.overdue(self.today).values("order__subject_id"))
            ),
        )

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().filter_queryset(self.annotate(queryset))
        types = self.form.cleaned_data.get("order_type")
        statuses = self.form.cleaned_data.get("order_status")
        if types or statuses:
            # Type and status together describe one order: "an SPO under appeal", not an SPO and
            # some other order under appeal.
            orders = self._orders
            if types:
                orders = orders.filter(order_type__code__in=types)
            if statuses:
                orders = orders.filter(status__in=statuses)
            queryset = queryset.filter(pk__in=orders.values("subject_id"))
        return queryset

    def filter_by_orders(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        """Order type and status are applied together, in ``filter_queryset``."""
        return queryset

    # -- counts and rows ------------------------------------------------------------------------
    def counts(self, queryset: QuerySet[Any]) -> ListCounts:
        """The total and each facet of the filtered list, in one aggregate."""
        if not self.orders_visible:
            return super().counts(queryset)
        totals = queryset.aggregate(
            total=Count("pk"),
            expiring=Count("pk", filter=Q(has_order_ending_soon=True)),
            overdue=Count("pk", filter=Q(has_overdue_notification=True)),
        )
        return ListCounts(
            total=totals["total"],
            facets=[
                Facet(
                    "expiring",
                    f"Order ending within {EXPIRING_WITHIN_DAYS} days",
                    totals["expiring"],
                    "orange",
                ),
                Facet("overdue", "Notification overdue", totals["overdue"], "red"),
            ],
        )

    def prepare_rows(self, rows: list[Any]) -> None:
        """Each row's orders (one prefetch), whether it needs a plan and what its key date is."""
        settings_row = None
        parts = [(name, kind) for name, _expression, kind in self.key_dates()]
        if self.orders_visible and rows:
            models.prefetch_related_objects(
                rows,
                Prefetch(
                    "orders", queryset=self._orders.select_related("order_type"), to_attr="caseload_orders"
                ),
            )
            settings_row = get_practice_settings()
        for row in rows:
            if settings_row is None:  # orders not visible to this reader (or no rows)
                row.caseload_orders = None
                row.needs_plan = row.has_order_ending_soon = row.has_overdue_notification = None
            else:
                row.caseload_orders.sort(
                    key=lambda o: (
                        _STATUS_RANK.get(o.status, len(_STATUS_RANK)),
                        -(o.start_date or dt.date.min).toordinal(),
                    )
                )
                row.needs_plan = plan_required(
                    order_type_codes=sorted(
                        {o.order_type.code for o in row.caseload_orders if o.status in LIVE_STATUSES}
                    ),
                    registered_sex_offender=row.registered_sex_offender,
                    risk_level=self.risk_level_of(row),
                    settings_row=settings_row,
                )
            row.next_key_date_kind, row.next_key_date_label = self._key_date_of(row, parts)
            key_date = getattr(row, "next_key_date", None)
            row.key_date_passed = key_date is not None and key_date < self.today

    def risk_level_of(self, row: Any) -> str | None:
        """The subject's risk level for ``plan_required``: None here, as the orders know none; the
        plans' caseload (issue 12) answers with the active plan version's, so that "high risk or
        above" rules of the plan scope apply."""
        return None

    def _key_date_of(self, row: Any, parts: list[tuple[str, str]]) -> tuple[str | None, str]:
        """What the row's next key date is (the first of ``parts`` when two fall on one day)."""
        key_date = getattr(row, "next_key_date", None)
        if key_date is None:
            return None, ""
        for name, kind in parts:
            if key_date != getattr(row, name, None):
                continue
            if kind == KeyDateKind.ORDER_EXPIRY:
                codes = sorted(
                    {
                        o.order_type.code
                        for o in row.caseload_orders or []
                        if o.status in LIVE_STATUSES and o.expires_on == key_date
                    }
                )
                return kind, f"{' and '.join(codes)} ends" if codes else "Order ends"
            return kind, str(getattr(kind, "label", kind))
        return None, ""
