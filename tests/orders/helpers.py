"""Factories for order tests: orders, terms and requirements in a force's schema, through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from orders import services
from orders.models import NotificationRequirement, OrderTerm, ProtectiveOrder
from statute.models import OrderType
from tests.factories import make_subject


def today() -> dt.date:
    return timezone.localdate()


def make_order(force: Any, *, code: str = "SPO", subject: Any = None, **fields: Any) -> ProtectiveOrder:
    """An order of ``code`` in ``force`` (by default made and served ten days ago, until further order)."""
    subject = subject or make_subject(force)
    made = today() - dt.timedelta(days=10)
    defaults: dict[str, Any] = {
        "court": "Lincoln Magistrates' Court",
        "case_number": "CASE-1",
        "made_on": made,
        "served_on": made,
        "until_further_order": True,
    }
    defaults.update(fields)
    with schema_context(force.schema_name):
        order = services.create_order(
            actor=None, subject=subject, order_type=OrderType.objects.get(code=code), **defaults
        )
    connection.set_schema_to_public()
    return order


def make_term(force: Any, order: ProtectiveOrder | None = None) -> OrderTerm:
    order = order or make_order(force)
    with schema_context(force.schema_name):
        term = services.add_term(
            actor=None, order=order, kind="prohibition", wording="Not to contact the victim."
        )
    connection.set_schema_to_public()
    return term


def make_requirement(force: Any) -> NotificationRequirement:
    order = make_order(force)
    with schema_context(force.schema_name):
        requirement = order.notification_requirements.get()
    connection.set_schema_to_public()
    return requirement
