"""A managed case in one force for compliance tests: teams, people, a subject, an order, a plan."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from core.roles import ForceRole
from organisation.choices import TeamKind
from organisation.models import Area, Team, TeamMember
from tests.factories import make_subject, make_user
from tests.orders.helpers import make_order, make_term
from tests.plans.helpers import active

_seq = itertools.count(1)


def today() -> dt.date:
    return timezone.localdate()


def make_case(force: Any, *, made_days_ago: int = 400) -> dict[str, Any]:
    """An AOU with a coordinator, a neighbourhood team with a visiting officer, a subject they
    manage in their area under an SPO (one term) made ``made_days_ago``, with an active plan."""
    tag = f"{force.slug[:8]}{next(_seq)}"
    coordinator = make_user(force=force, roles=[ForceRole.COORDINATOR])
    visitor = make_user(force=force, roles=[ForceRole.VISITING_OFFICER])
    with schema_context(force.schema_name):
        area = Area.objects.create(name=f"Area {tag}", code=f"A{tag}"[:20])
        aou = Team.objects.create(name=f"AOU {tag}", kind=TeamKind.ANCILLARY_ORDER_UNIT)
        npt = Team.objects.create(name=f"NPT {tag}", kind=TeamKind.NEIGHBOURHOOD)
        npt.areas.add(area)
        TeamMember.objects.create(team=aou, user=coordinator)
        TeamMember.objects.create(team=npt, user=visitor)
    connection.set_schema_to_public()
    subject = make_subject(force, area=area, managing_team=aou, lead_officer=coordinator)
    made = today() - dt.timedelta(days=made_days_ago)
    order = make_order(force, subject=subject, made_on=made, served_on=made)
    term = make_term(force, order)
    version = active(force, subject=subject, with_order=False)
    return {
        "area": area,
        "aou": aou,
        "npt": npt,
        "coordinator": coordinator,
        "visitor": visitor,
        "subject": subject,
        "order": order,
        "term": term,
        "version": version,
        "plan": version.plan,
    }
