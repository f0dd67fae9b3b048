"""The search box: a term shaped like a VRM, an IMEI, a handle or a PNC id is looked up only on its
indexed key columns; a part of a name through the trigram indexes of core.namesearch (issue 11,
item 2, and issue 10: search within 3x a PNC lookup)."""

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
def test_an_identifier_runs_no_name_search(force_a, text):
    sql = _sql_of_search(force_a, text).upper()
    where = sql.split(" WHERE ", 1)[1]
    assert "NAME_SEARCH" not in where and " LIKE " not in where and "DISTINCT" not in sql, sql


def test_a_name_searches_names_and_aliases_by_their_trigrams(force_a):
    sql = _sql_of_search(force_a, "Jonny Blade")
    where = sql.split(" WHERE ", 1)[1]
    assert "spmp_name_trigrams(name_search)" in where and "subjects_subjectalias" in where
    assert " LIKE " not in where and " OR " not in where  # one UNION ALL of indexed selects


def _plan(force, text: str) -> str:  # type: ignore[no-untyped-def]
    with schema_context(force.schema_name):
        with connection.cursor() as cur:
            cur.execute("ANALYZE subjects_subject")
            cur.execute("ANALYZE subjects_subjectalias")
        plan = Subject.objects.search(text).values_list("pk", flat=True)[:50].explain()
    connection.set_schema_to_public()
    return plan


def test_a_part_of_a_name_is_found_through_the_index_not_a_scan(force_a, force_b):
    with schema_context(force_a.schema_name):
        for n in range(300):
            letters = "".join(chr(ord("a") + (n // 26**i) % 26) for i in range(3))
            create_subject(
                actor=None, family_name=f"Fam{letters}", given_names="Given", aliases=[f"Al{letters}"]
            )
    plan = _plan(force_a, "amcba")
    assert "subjects_subject_name_grams" in plan and "subjects_alias_name_grams" in plan, plan
    # No table is read whole to test names: a sequential scan may appear only for the outer join.
    assert all("strpos" not in line for line in plan.splitlines() if "Seq Scan" in line), plan


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("morr", {"Morrison"}),  # the start of a family name
        ("RRIS", {"Morrison"}),  # inside one, any case
        ("john morr", {"Morrison"}),  # across the space between given and family name
        ("Sean", {"O'Brien"}),  # accents folded both ways ('Seán')
        ("obri", {"O'Brien"}),  # punctuation dropped as name_key drops it
        ("mo", {"Morrison", "Moore", "Hammond"}),  # under three characters: the plain scan
        ("m", {"Morrison", "Moore", "Hammond"}),
        ("smithy", {"Hammond"}),  # an alias
        ("rris john", set()),  # trigrams all present, but not as one run: rechecked
        ("zzz", set()),
    ],
)
def test_any_part_of_a_name_or_alias_is_found_in_this_force_only(force_a, force_b, text, found):
    for force in (force_a, force_b):
        with schema_context(force.schema_name):
            create_subject(actor=None, family_name="Morrison", given_names="John")
            create_subject(actor=None, family_name="O'Brien", given_names="Seán")
            create_subject(actor=None, family_name="Moore", given_names="Ann")
            create_subject(actor=None, family_name="Hammond", given_names="Lee", aliases=["Smithy"])
    with schema_context(force_a.schema_name):
        hits = list(Subject.objects.search(text))
        assert {s.family_name for s in hits} == found
        assert len(hits) == len(found)  # a subject matched by name and alias is listed once
    with schema_context(force_b.schema_name):
        assert not {s.pk for s in Subject.objects.search(text)} & {s.pk for s in hits}
    connection.set_schema_to_public()


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
