"""Rows of a part (issue 12 item 1: "htmx adds rows"): Part 2's investigations and Part 4's
relationships as one group of fields a row; "Add another" (htmx, or a plain submit without
JavaScript) brings one more blank row back without saving; blank rows are not saved; a row's
errors land on that row's fields; bad input is a field error with nothing saved, never a 500."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from audit.choices import AuditAction
from core.reasons import SESSION_KEY
from plans.models import PlanVersion
from tests.api.base import events_since, last_event_id, session_client
from tests.plans.helpers import draft

pytestmark = pytest.mark.django_db
REASON = "Reviewing the plan"


def _client(user: Any, force: Any, subject: Any) -> Any:
    client = session_client(user, force)
    session = client.session
    session[SESSION_KEY] = {f"{force.slug}:subject:{subject.uuid}": REASON}
    session.save()
    return client


def _url(version: PlanVersion, part: str) -> str:
    return f"/subjects/{version.plan.subject.uuid}/plan/versions/{version.uuid}/parts/{part}/"


def _reload(force: Any, version: PlanVersion) -> dict[str, Any]:
    with schema_context(force.schema_name):
        v = PlanVersion.objects.get(pk=version.pk)
        out = {
            "revision": v.revision,
            "investigations": [
                (i.occurrence_ref, i.started_on, i.summary) for i in v.investigations.order_by("position")
            ],
            "disclosures": [
                (d.partner, d.decision, d.recipient, d.decided_on) for d in v.disclosures.order_by("position")
            ],
        }
    connection.set_schema_to_public()
    return out


@pytest.fixture
def setup(force_a, force_b):  # type: ignore[no-untyped-def]
    version = draft(force_a)
    draft(force_b)  # another force's plan, never touched
    with schema_context(force_a.schema_name):
        version = PlanVersion.objects.select_related("plan__subject", "author").get(pk=version.pk)
    connection.set_schema_to_public()
    return version, _client(version.author, force_a, version.plan.subject)


def _management(revision: int, rows: list[tuple[str, str, str]], count: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "revision": revision,
        "management_strategies": "Fortnightly visits.",
        "investigations-count": count if count is not None else len(rows),
    }
    for i, (ref, day, summary) in enumerate(rows):
        data[f"investigations-{i}-occurrence_ref"] = ref
        data[f"investigations-{i}-started_on"] = day
        data[f"investigations-{i}-summary"] = summary
    return data


def test_the_page_shows_the_rows_saved_and_one_blank_row(force_a, setup):
    version, client = setup
    text = client.get(_url(version, "relationships")).content.decode()
    assert 'name="disclosures-count" value="2"' in text  # Part 4 of the draft: one row, one blank
    assert "Relationship 1" in text and "Relationship 2" in text and "Relationship 3" not in text
    assert 'value="Pat Partner"' in text
    assert 'hx-post="' in text and 'hx-select="#rows-disclosures"' in text and 'name="add_row"' in text
    text = client.get(_url(version, "management")).content.decode()
    assert 'name="investigations-count" value="1"' in text and "Investigation 1" in text


def test_add_another_brings_one_more_blank_row_back_and_saves_nothing(force_a, setup):
    version, client = setup
    before, event = _reload(force_a, version), last_event_id(force_a)
    data = _management(version.revision, [("OCC-1", "1/2/2024", "Harassment")])
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):  # without JavaScript, and from htmx
        response = client.post(_url(version, "management"), {**data, "add_row": "investigations"}, **headers)
        assert response.status_code == 200
        text = response.content.decode()
        assert 'name="investigations-count" value="2"' in text
        assert 'value="OCC-1"' in text and "Harassment" in text  # what was typed stays
        assert re.search(r'data-row="2" data-new-row', text)  # the new row, focused by app.js
        assert "There is a problem" not in text  # the blank row is not an error
    assert _reload(force_a, version) == before  # nothing saved
    assert {e.action for e in events_since(force_a, event)} <= {AuditAction.CONSULT}


def test_saving_keeps_the_rows_typed_in_order_and_skips_blank_ones(force_a, setup):
    version, client = setup
    data = _management(
        version.revision,
        [("OCC-1", "1/2/2024", "Harassment"), ("", "", ""), ("OCC-9", "2024-03-05", "")],
    )
    response = client.post(_url(version, "management"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = _reload(force_a, version)
    assert saved["investigations"] == [
        ("OCC-1", dt.date(2024, 2, 1), "Harassment"),
        ("OCC-9", dt.date(2024, 3, 5), ""),
    ]
    # Clearing a row's boxes removes it.
    data = _management(saved["revision"], [("", "", ""), ("OCC-9", "5/3/2024", "")])
    assert client.post(_url(version, "management"), data).status_code == 302
    assert _reload(force_a, version)["investigations"] == [("OCC-9", dt.date(2024, 3, 5), "")]


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (
            ("", "1/2/2024", "Begun without a number"),
            "investigations-0-occurrence_ref",
            "enter the niche occurrence number",
        ),
        (("OCC-1", "31/2/2024", ""), "investigations-0-started_on", "must be a real date"),
        (("OCC-1", "tomorrow", ""), "investigations-0-started_on", "must be a real date"),
        (("X" * 31, "", ""), "investigations-0-occurrence_ref", "30 characters or fewer"),
    ],
)
def test_a_bad_row_is_an_error_on_its_field_and_nothing_is_saved(force_a, setup, row, field, message):
    version, client = setup
    before = _reload(force_a, version)
    response = client.post(_url(version, "management"), _management(version.revision, [row]))
    assert response.status_code == 400
    text = response.content.decode()
    assert "There is a problem" in text and message in text.lower()
    assert f'href="#id_{field}"' in text and f'id="id_{field}"' in text
    assert _reload(force_a, version) == before


def test_a_service_error_about_a_row_lands_on_that_row(force_a, setup):
    version, client = setup
    future = (dt.date.today() + dt.timedelta(days=30)).strftime("%d/%m/%Y")
    data = _management(version.revision, [("", "", ""), ("OCC-1", "", ""), ("OCC-2", future, "")])
    response = client.post(_url(version, "management"), data)
    assert response.status_code == 400
    text = response.content.decode()
    # The service's "Investigation 2" is the second row saved: the form's third row.
    assert 'href="#id_investigations-2-occurrence_ref"' in text and "today or in the past" in text
    assert _reload(force_a, version)["investigations"] == []


def test_relationships_rows_save_and_a_disclosure_needs_its_recipient(force_a, setup):
    version, client = setup
    url = _url(version, "relationships")
    base = {"revision": version.revision, "disclosures-count": 2}
    row = {
        "disclosures-0-partner": "Pat Partner",
        "disclosures-0-decision": "disclosed",
        "disclosures-0-recipient": "",
        "disclosures-0-decided_on": "3/4/2024",
        "disclosures-1-decision": "pending",  # a blank row: its select's first choice is no content
    }
    before = _reload(force_a, version)
    response = client.post(url, {**base, **row})
    assert response.status_code == 400
    assert 'href="#id_disclosures-0-recipient"' in response.content.decode()
    assert _reload(force_a, version) == before
    response = client.post(url, {**base, **row, "disclosures-0-recipient": "Pat Partner"})
    assert response.status_code == 302
    assert _reload(force_a, version)["disclosures"] == [
        ("Pat Partner", "disclosed", "Pat Partner", dt.date(2024, 4, 3))
    ]


@pytest.mark.parametrize(
    "extra",
    [
        {"disclosures-count": "abc"},
        {"disclosures-count": "-4"},
        {"disclosures-count": "100000"},
        {"disclosures-0-decision": "maybe", "disclosures-0-partner": "P"},
        {"disclosures-0-route": "\x00", "disclosures-0-partner": "P"},
        {"add_row": "nothing-of-the-sort"},
    ],
)
def test_odd_row_input_is_never_a_500(force_a, setup, extra):
    version, client = setup
    response = client.post(
        _url(version, "relationships"), {"revision": version.revision, "disclosures-count": 1, **extra}
    )
    assert response.status_code in (200, 302, 400), response.content.decode()[:2000]
    text = response.content.decode()
    assert 'name="disclosures-count" value="' not in text or re.search(
        r'name="disclosures-count" value="(\d+)"', text
    )
