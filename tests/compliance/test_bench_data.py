"""The bench's compliance load step (bench/data.py): two years of visits, breaches and reviews that
the pages and the outcomes read, in the current force only."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from bench.data import fill_compliance
from compliance import selectors
from compliance.models import Breach, ComplianceReview, Visit
from organisation.models import Team

from .helpers import make_case, today

pytestmark = pytest.mark.django_db


def test_the_compliance_load_step_fills_two_years_once_and_only_here(force_a, force_b) -> None:
    cases = [make_case(force_a, made_days_ago=900) for _ in range(3)]
    make_case(force_b)
    with schema_context(force_a.schema_name):
        rows = fill_compliance(force_a, random.Random(1), 0)
        assert rows > 0 and fill_compliance(force_a, random.Random(1), 0) == 0  # once
        npt = Team.objects.get(name="Bench NPT")
        visits = Visit.objects.filter(subject__in=[c["subject"] for c in cases])
        assert visits.count() >= 3 * 12 and set(visits.values_list("assigned_team", flat=True)) == {npt.pk}
        assert visits.filter(window_from__gt=today()).exists()  # the next ones tasked
        assert all(b.occurred_on <= today() for b in Breach.objects.all())
        assert ComplianceReview.objects.count() >= 3 * 4
        figures = selectors.outcome_figures()
        assert figures.subjects == 3 and figures.too_recent == 0
    connection.set_schema_to_public()
    with schema_context(force_b.schema_name):
        assert not Visit.objects.exists() and not Team.objects.filter(name="Bench NPT").exists()
    connection.set_schema_to_public()
