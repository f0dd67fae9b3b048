"""The search box: a term shaped like a VRM, an IMEI, a handle or a PNC id is looked up only on its
indexed key columns; the name and alias scan runs only for what could be a name (issue 11, item 2:
search by VRM / IMEI / handle within 3x a PNC lookup)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from core.normalise import search_terms
from subjects.models import Subject
from subjects.services import create_subject

pytestmark = pytest.mark.django_db

IMEI = "490154203237518"


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("Smith", {"name", "handle"}),
        ("Jonny Blade", {"name"}),
        ("o'brien", {"name", "handle"}),
        ("ab12 cde", {"vrm"}),
        ("AB12CDE", {"vrm", "handle"}),
        ("4901 5420 3237 518", {"imei"}),
        ("49-015420-323751-8", {"imei"}),
        ("@Shadow.Fox", {"handle"}),
        ("instagram.com/Shadow.Fox", {"handle"}),
        ("shadow_fox", {"handle"}),
        ("98/1234567A", {"pnc"}),
        ("  ", set()),
    ],
)
def test_what_a_term_could_be(text, kinds):
    terms = search_terms(text)
    assert {k for k in ("name", "pnc", "vrm", "imei", "handle") if getattr(terms, k)} == kinds


def _sql_of_search(force, text: str) -> str:  # type: ignore[no-untyped-def]
    with schema_context(force.schema_name), CaptureQueriesContext(connection) as ctx:
        list(Subject.objects.search(text)[:50])
    connection.set_schema_to_public()
    return " ".join(q["sql"] for q in ctx.captured_queries)


@pytest.mark.parametrize("text", ["ab12 cde", "4901 5420 3237 518", "@Shadow.Fox", "98/1234567A"])
def test_an_identifier_runs_no_name_scan(force_a, text):
    sql = _sql_of_search(force_a, text).upper()
    where = sql.split(" WHERE ", 1)[1]
    assert "NAME_SEARCH" not in where and " LIKE " not in where and "DISTINCT" not in sql, sql


def test_a_name_still_scans_names_and_aliases(force_a):
    sql = _sql_of_search(force_a, "Jonny Blade")
    where = sql.split(" WHERE ", 1)[1]
    assert "name_search" in where and " LIKE " in where and "subjects_subjectalias" in where


def test_each_kind_of_term_finds_its_subject_in_this_force_only(force_a, force_b):
    records = {
        "vehicles": [{"vrm": "AB12 CDE"}],
        "devices": [{"kind": "Mobile phone", "imei": IMEI}],
        "social_accounts": [{"platform": "Instagram", "handle": "@shadow.fox"}],
    }
    with schema_context(force_a.schema_name):
        found = create_subject(
            actor=None,
            family_name="Smith",
            given_names="John",
            pnc_id="98/1234567A",
            aliases=["Jonny Blade"],
            **records,
        )
        create_subject(actor=None, family_name="Jones", given_names="Mary")
    with schema_context(force_b.schema_name):
        elsewhere = create_subject(actor=None, family_name="Smith", given_names="Notts", **records)
    for text in (
        "smith",
        "Jonny",
        "ab12cde",
        "AB12 CDE",
        IMEI,
        "@SHADOW.FOX",
        "instagram.com/shadow.fox",
        "98/1234567a",
    ):
        with schema_context(force_a.schema_name):
            assert [s.pk for s in Subject.objects.search(text)] == [found.pk], text
        with schema_context(force_b.schema_name):
            hits = list(Subject.objects.search(text))
            assert all(s.pk == elsewhere.pk for s in hits), text
    with schema_context(force_a.schema_name):
        assert list(Subject.objects.search("   ")) != []  # a blank search lists everyone
        assert list(Subject.objects.search("ZZ99 ZZZ")) == []
