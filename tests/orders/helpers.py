"""Factories for order tests: orders, terms and requirements in a force's schema, through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from orders import services
from orders.models import (
    ContactLogEntry,
    NotificationRequirement,
    OrderTerm,
    ProtectedPerson,
    ProtectiveOrder,
)
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


def make_team(force: Any, *members: Any, name: str | None = None) -> Any:
    """An ancillary order unit of ``force`` with ``members`` (users with a membership of it)."""
    from organisation.choices import TeamKind
    from organisation.models import Team, TeamMember

    with schema_context(force.schema_name):
        team = Team.objects.create(
            name=name or f"AOU {Team.objects.count() + 1}", kind=TeamKind.ANCILLARY_ORDER_UNIT
        )
        for user in members:
            TeamMember.objects.create(team=team, user=user)
    connection.set_schema_to_public()
    return team


def join_team(force: Any, team: Any, user: Any) -> None:
    from organisation.models import TeamMember

    with schema_context(force.schema_name):
        TeamMember.objects.get_or_create(team=team, user=user)
    connection.set_schema_to_public()


PERSON_DETAILS = {
    "name": "Harriet Quenby",
    "address": "7 Larkspur Close, Lincoln",
    "phone": "01632 960 555",
    "email": "harriet.quenby@example.com",
    "safe_contact": "Text before calling; never after 6pm",
    "safety_measures": "Panic alarm fitted at Larkspur Close",
    "notes": "Moved after the second incident",
}


def make_protected_person(
    force: Any, *, team: Any = None, subject: Any = None, orders: Any = None, **fields: Any
) -> ProtectedPerson:
    """A protected person of a subject managed by ``team`` (a new unit if none), through the service."""
    if subject is None:
        subject = make_subject(force, managing_team=team or make_team(force))
    details = {**PERSON_DETAILS, "relationship": "former-partner", **fields}
    with schema_context(force.schema_name):
        person = services.create_protected_person(
            actor=None, subject=subject, orders=list(orders or []), **details
        )
    connection.set_schema_to_public()
    return person


def make_contact(force: Any, person: ProtectedPerson, officer: Any, **fields: Any) -> ContactLogEntry:
    values = {
        "contacted_on": today(),
        "method": "phone",
        "summary": "Said the subject drove past twice on Larkspur Close",
        "reassured": "partly",
        **fields,
    }
    with schema_context(force.schema_name):
        entry = services.add_contact(actor=None, protected_person=person, officer=officer, **values)
    connection.set_schema_to_public()
    return entry
