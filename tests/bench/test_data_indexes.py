"""The load generator drops a force's name trigram GIN indexes for the bulk load and builds them again
as the migration defined them (bench/data.py), and its one-statement UPDATE fills the caseload fields."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from bench.data import fill_caseload_assignments, fill_subjects, without_name_trigram_indexes
from subjects.models import Subject

pytestmark = pytest.mark.django_db

NAMES = ("subjects_subject_name_grams", "subjects_alias_name_grams")


def _definitions(schema: str) -> dict[str, str]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s AND indexname = ANY(%s)",
            [schema, list(NAMES)],
        )
        return dict(cur.fetchall())


def test_the_trigram_indexes_are_gone_for_the_load_and_back_identical_after(force_a, force_b) -> None:
    before_a, before_b = _definitions(force_a.schema_name), _definitions(force_b.schema_name)
    assert set(before_a) == set(NAMES) and "fastupdate=off" in before_a[NAMES[0]]
    with schema_context(force_a.schema_name):
        with without_name_trigram_indexes():
            assert _definitions(force_a.schema_name) == {}
            assert _definitions(force_b.schema_name) == before_b  # only the current force's
            fill_subjects(force_a, random.Random(1), 20)
        assert _definitions(force_a.schema_name) == before_a
        with pytest.raises(RuntimeError), without_name_trigram_indexes():
            raise RuntimeError("a step failed")
        assert _definitions(force_a.schema_name) == before_a  # built again all the same
        with connection.cursor() as cur:  # an interrupted run left one missing: built again
            cur.execute(f'DROP INDEX "{force_a.schema_name}"."{NAMES[1]}"')
        with without_name_trigram_indexes():
            pass
        assert _definitions(force_a.schema_name) == before_a
    connection.set_schema_to_public()


def test_the_caseload_step_sets_every_subjects_team_and_most_areas_and_review_dates(force_a) -> None:
    with schema_context(force_a.schema_name):
        fill_subjects(force_a, random.Random(1), 200)
        rows = fill_caseload_assignments(force_a, random.Random(2), 200)
        subjects = Subject.objects.filter(niche_nominal_ref__startswith=f"{force_a.slug}-NOM-")
        assert rows == 3 + 5 + Subject.objects.count()
        teams = set(subjects.values_list("managing_team__name", flat=True))
        assert teams <= {"Bench AOU 1", "Bench AOU 2", "Bench AOU 3"} and len(teams) == 3
        with_area = subjects.filter(area__name__startswith="Bench area").count()
        with_review = subjects.filter(next_review_date__isnull=False).count()
        assert 150 < with_area < 200 and 110 < with_review < 170  # 90% and 70% of 200
    connection.set_schema_to_public()
