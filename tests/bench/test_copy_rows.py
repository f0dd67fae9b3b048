"""bench.data.copy_rows, the load data's COPY for its largest steps, writes what bulk_create would:
the given values, each other field's default (a fresh uuid per row, the time now for timestamps),
in the current force's schema only."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from bench.data import VISIT_FIELDS, copy_rows, fill_subjects
from compliance.models import Visit
from subjects.models import Subject

pytestmark = pytest.mark.django_db

COMPARED = [f.attname for f in Visit._meta.concrete_fields if f.attname not in ("id", "uuid", "created_at")]


def test_copied_rows_equal_bulk_created_ones_with_their_own_defaults(force_a, force_b) -> None:
    day = dt.date(2026, 3, 2)
    with schema_context(force_a.schema_name):
        fill_subjects(force_a, random.Random(1), 3)
        subject_id = Subject.objects.order_by("id").values_list("id", flat=True)[0]
        rows = [(subject_id, day, day + dt.timedelta(days=6), "morning", None, True, "", None)] * 2
        before = timezone.now()
        assert copy_rows(Visit, VISIT_FIELDS, rows) == 2
        Visit.objects.bulk_create([Visit(**dict(zip(VISIT_FIELDS, row, strict=True))) for row in rows])
        visits = list(Visit.objects.order_by("id"))
        assert len(visits) == 4
        copied, created = visits[:2], visits[2:]
        values = [[getattr(v, name) for name in COMPARED] for v in visits]
        assert values[0] == values[1] == values[2] == values[3]  # announced False, notes "", ...
        assert len({v.uuid for v in visits}) == 4  # a new uuid for every row, as a new object gets
        assert all(before <= v.created_at <= timezone.now() for v in copied + created)
        assert copy_rows(Visit, VISIT_FIELDS, []) == 0
    with schema_context(force_b.schema_name):
        assert not Visit.objects.exists() and not Subject.objects.exists()
    connection.set_schema_to_public()
