"""Resourcing test data: a managed case per force (compliance's helper) with the unit's hours set."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django_tenants.utils import schema_context

from organisation import services
from tests.compliance.helpers import make_case


def staffed_case(force: Any, *, hours: float = 10.0) -> dict[str, Any]:
    case = make_case(force)
    with schema_context(force.schema_name):
        services.set_team_capacity(actor=None, team=case["aou"], hours={case["coordinator"].pk: hours})
    connection.set_schema_to_public()
    return case
