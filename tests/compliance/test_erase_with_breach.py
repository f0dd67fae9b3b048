"""Erasing a subject that has a breach: the breach (and its term) go with the subject, no 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from compliance.models import Breach
from compliance.services import record_breach
from subjects.models import Subject
from subjects.services import erase_subject
from tests.compliance.helpers import make_case, today

pytestmark = pytest.mark.django_db


def test_a_subject_with_a_breach_can_be_erased(force_a, force_b):
    case = make_case(force_a)
    other = make_case(force_b)
    for force, c in ((force_a, case), (force_b, other)):
        with schema_context(force.schema_name):
            record_breach(
                actor=c["coordinator"],
                subject=c["subject"],
                term=c["term"],
                occurred_on=today() - dt.timedelta(days=1),
                source="visit",
            )
        connection.set_schema_to_public()
    with schema_context(force_a.schema_name):
        erase_subject(
            actor=case["coordinator"], subject=Subject.objects.get(pk=case["subject"].pk), reason="MoPI"
        )
        assert not Breach.objects.exists()
    with schema_context(force_b.schema_name):
        assert Breach.objects.count() == 1
