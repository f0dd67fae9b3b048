"""The compliance demo step: 18 months of history with one escalation; safe to run twice; per force."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from compliance import selectors
from compliance.demo import seed_compliance
from compliance.models import Breach, ComplianceReview, Visit
from core.demo import demo_steps
from core.roles import ForceRole
from orders.demo import seed_orders
from organisation.demo import seed_force_organisation
from organisation.practice import get_practice_settings
from plans.demo import seed_plans
from subjects.demo import seed_subjects
from subjects.models import Subject
from tenants.models import User
from tests.factories import make_user

from .helpers import today

pytestmark = pytest.mark.django_db


def test_the_compliance_step_runs_after_plans() -> None:
    order = {step.name: step.order for step in demo_steps()}
    assert order["plans"] < order["compliance"]


def test_seed_compliance(force_a, force_b) -> None:
    for force in (force_a, force_b):
        for role in (ForceRole.COORDINATOR, ForceRole.VISITING_OFFICER):
            user = make_user(force=force, roles=[role])
            User.objects.filter(pk=user.pk).update(is_demo=True)
        with schema_context(force.schema_name):
            seed_force_organisation(force)
            seed_subjects(force)
            seed_orders(force)
            seed_plans(force)
            seed_compliance(force)
            counts = (ComplianceReview.objects.count(), Visit.objects.count(), Breach.objects.count())
            seed_compliance(force)  # a rerun adds nothing
            assert (ComplianceReview.objects.count(), Visit.objects.count(), Breach.objects.count()) == counts
            assert counts[0] >= 6 and counts[1] >= 18 and counts[2] == 8
            oldest = Breach.objects.order_by("occurred_on").first()
            assert oldest.occurred_on < today() - dt.timedelta(days=500)
            flagged = selectors.escalated_subjects(
                Subject.objects.all(), settings_row=get_practice_settings()
            )
            assert len(flagged) == 1
            # Routine visits were generated for the active plans that choose visits.
            assert Visit.objects.filter(routine=True).exists()
        connection.set_schema_to_public()
