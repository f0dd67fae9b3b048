"""The resourcing demo step (issue 15, item 6): hours for the unit, one short force, a year of snapshots."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from resourcing import demo
from resourcing.models import ForceSnapshot
from tests.compliance.helpers import make_case

pytestmark = pytest.mark.django_db


def test_demo_step_staffs_the_unit_and_keeps_a_year_of_snapshots(force_a, force_b, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(demo, "SHORT_FORCE", force_b.slug)
    make_case(force_a)
    make_case(force_b)
    for force in (force_a, force_b):
        with schema_context(force.schema_name):
            demo.seed_resourcing(force)
            demo.seed_resourcing(force)  # safe to run again
    connection.set_schema_to_public()
    today = timezone.localdate()
    assert ForceSnapshot.objects.filter(force=force_a).count() == demo.DAYS + 1
    comfortable = ForceSnapshot.objects.get(force=force_a, day=today)
    short = ForceSnapshot.objects.get(force=force_b, day=today)
    assert comfortable.capacity_hours > comfortable.demand_hours
    assert short.capacity_hours < short.demand_hours


def test_the_whole_demo_chain_gives_the_unit_hours_and_the_response_teams_visits(force_a, monkeypatch):  # type: ignore[no-untyped-def]
    from compliance.demo import seed_compliance
    from core.demo import demo_steps
    from core.roles import ForceRole
    from orders.demo import seed_orders
    from organisation.choices import TeamKind
    from organisation.demo import seed_force_organisation
    from organisation.models import PlannedAbsence, Team, TeamMember
    from plans.demo import seed_plans
    from subjects.demo import seed_subjects
    from tenants.models import User
    from tests.factories import make_user

    order = {step.name: step.order for step in demo_steps()}
    assert order["compliance"] < order["resourcing"]
    monkeypatch.setattr(demo, "SHORT_FORCE", force_a.slug)
    for role in (ForceRole.COORDINATOR, ForceRole.OFFICER, ForceRole.VISITING_OFFICER, ForceRole.VIEWER):
        user = make_user(force=force_a, roles=[role])
        User.objects.filter(pk=user.pk).update(is_demo=True)
    with schema_context(force_a.schema_name):
        for step in (seed_force_organisation, seed_subjects, seed_orders, seed_plans, seed_compliance):
            step(force_a)
        demo.seed_resourcing(force_a)
        unit = Team.objects.get(kind=TeamKind.ANCILLARY_ORDER_UNIT)
        assert all(link.hours_per_week > 0 for link in TeamMember.objects.filter(team=unit))
        assert sorted(Team.objects.filter(kind=TeamKind.RESPONSE).values_list("visit_share", flat=True)) == [
            10,
            15,
        ]
        assert PlannedAbsence.objects.count() == 1
    connection.set_schema_to_public()
    snap = ForceSnapshot.objects.get(force=force_a, day=timezone.localdate())
    assert snap.caseload > 0 and snap.demand_hours > snap.capacity_hours > 0
    assert ForceSnapshot.objects.filter(force=force_a).count() == demo.DAYS + 1
