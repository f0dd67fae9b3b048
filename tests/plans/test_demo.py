"""The plans demo step: plans in every state, some with several versions; safe to run twice; each force's own."""

from __future__ import annotations

from collections import Counter

from django_tenants.utils import schema_context

from core.demo import demo_steps
from orders.demo import seed_orders
from plans.demo import seed_plans
from plans.models import Plan, PlanVersion
from subjects.demo import seed_subjects


def test_the_plans_step_runs_after_orders():
    order = {step.name: step.order for step in demo_steps()}
    assert order["orders"] < order["plans"]


def test_seed_plans(force_a, force_b):
    for force in (force_a, force_b):
        with schema_context(force.schema_name):
            seed_subjects(force)
            seed_orders(force)
            seed_plans(force)
            count = PlanVersion.objects.count()
            seed_plans(force)  # a rerun adds nothing
            assert PlanVersion.objects.count() == count
            states = Counter(PlanVersion.objects.values_list("status", flat=True))
            assert {"draft", "submitted", "active", "superseded"} <= set(states)
            per_plan = Counter(PlanVersion.objects.values_list("plan_id", flat=True))
            assert max(per_plan.values()) >= 3 and Plan.objects.count() == 4
            assert Plan.objects.filter(status="active", next_review_due__isnull=False).exists()
