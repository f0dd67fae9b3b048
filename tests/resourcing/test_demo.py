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
