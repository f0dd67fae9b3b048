"""The compliance demo step: 18 months of history with one escalation; safe to run twice; per force."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from compliance import selectors
from compliance.demo import COHORT, seed_compliance
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
            assert counts[0] >= 6 and counts[1] >= 18
            escalating = ComplianceReview.objects.values_list("subject_id", flat=True).first()
            assert Breach.objects.filter(subject_id=escalating).count() == 8
            oldest = Breach.objects.filter(subject_id=escalating).order_by("occurred_on").first()
            assert oldest.occurred_on < today() - dt.timedelta(days=500)
            flagged = selectors.escalated_subjects(
                Subject.objects.all(), settings_row=get_practice_settings()
            )
            assert len(flagged) == 1
            # Routine visits were generated for the active plans that choose visits.
            assert Visit.objects.filter(routine=True).exists()
            # A visible before / after on /outcomes/: the escalating subject and the cohort compared; breaches,
            # contacts and the share reassured shown (10 or more) on both sides, falling / rising.
            figures = selectors.outcome_figures()
            assert figures.subjects == 1 + COHORT  # the demo's other plans are approved today: too recent
            shown = {m.key: m for m in figures.measures if m.publishable("before") and m.publishable("after")}
            assert {"breaches", "contacts", "reassured"} <= set(shown)
            assert shown["breaches"].after < shown["breaches"].before
            assert figures.rate(shown["reassured"], "after") > figures.rate(shown["reassured"], "before")
            offences = next(m for m in figures.measures if m.key == "offences")
            assert offences.publishable("before") and offences.after < offences.before
            published = figures.published()["measures"]
            assert published["breaches"]["before"] is not None and published["breaches"]["after"] is not None
        connection.set_schema_to_public()
