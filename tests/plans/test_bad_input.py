"""Bad input to the plan endpoints (issue 12, "Bad input"): every malformed or refused change is a
400 with field-level codes (or 409 / 403 with its code), never a 500, and leaves the version as it
was (nothing half-saved: a request with one good and one bad field saves neither). Force B's
plans are never touched."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from plans.models import PlanVersion
from plans.services import content
from tests.api.base import token_client
from tests.plans.helpers import active, draft

pytestmark = pytest.mark.django_db
BASE = "/api/v1/plan-versions/"


def _state(force: Any, version: PlanVersion) -> dict[str, Any]:
    with schema_context(force.schema_name):
        v = PlanVersion.objects.get(pk=version.pk)
        out = {"revision": v.revision, "status": v.status, "content": content(v)}
    connection.set_schema_to_public()
    return out


@pytest.fixture
def version(force_a, force_b):  # type: ignore[no-untyped-def]
    draft(force_b)
    return draft(force_a)


BAD_PATCHES = [
    # (body beyond the revision, field with the code, code)
    ({"risk_level": "extreme"}, "risk_level", None),
    ({"stalker_typology": "nosy"}, "stalker_typology", None),
    ({"investigations": "OCC-1 | 1/2/2024"}, "investigations", None),
    (
        {"investigations": [{"occurrence_ref": "", "summary": "Begun without a number"}]},
        "investigations",
        None,
    ),
    ({"investigations": [{"occurrence_ref": "OCC-1", "started_on": "31/02/2024"}]}, "investigations", None),
    ({"investigations": [{"occurrence_ref": "OCC-1", "started_on": "2999-01-01"}]}, "investigations", None),
    ({"investigations": [{"occurrence_ref": "X" * 31}]}, "investigations", None),
    ({"investigations": [{"occurrence_ref": "OCC-1", "colour": "red"}]}, "investigations", None),
    ({"investigations": ["OCC-1"]}, "investigations", None),
    ({"investigations": [{"occurrence_ref": f"OCC-{n}"} for n in range(51)]}, "investigations", None),
    ({"disclosures": [{"partner": "P", "decision": "disclosed"}]}, "disclosures", None),
    ({"disclosures": [{"partner": "P", "decision": "maybe"}]}, "disclosures", None),
    ({"disclosures": [{"partner": "P", "route": "by-post"}]}, "disclosures", None),
    ({"disclosures": [{"checks": "PNC"}]}, "disclosures", None),
    ({"tactical_options": [{"pillar": "supervision", "option": "Stocks"}]}, "tactical_options", None),
    ({"tactical_options": [{"pillar": "nowhere", "option": "ANPR marker"}]}, "tactical_options", None),
    ({"sdash_answers": ["yes"]}, "sdash_answers", None),
    ({"sdash_answers": ["perhaps"] * 11}, "sdash_answers", None),
    ({"victim_risks": [{"protected_person": "not-a-uuid", "risk": "x"}]}, "victim_risks", None),
    ({"offending_summary": "x" * 20_001}, "offending_summary", None),
    ({"offending_summary": ["a", "list"]}, "offending_summary", None),
    ({"investigations": [{"occurrence_ref": "OCC-1", "summary": "x" * 20_001}]}, "investigations", None),
]


@pytest.mark.parametrize(("body", "field", "_code"), BAD_PATCHES)
def test_a_bad_field_is_a_400_naming_it_and_nothing_is_saved_not_even_the_good_field(
    force_a, version, body, field, _code
):
    before = _state(force_a, version)
    client = token_client(version.author, force_a)
    response = client.patch(
        f"{BASE}{version.uuid}/",
        {"revision": version.revision, "management_strategies": "A good change, not saved.", **body},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    payload = response.json()
    assert payload["code"] == "invalid", payload
    assert any(key == field or key.startswith(f"{field}.") for key in payload["codes"]), payload
    assert _state(force_a, version) == before


@pytest.mark.parametrize(
    "revision",
    [None, "abc", -1, 10**12, 1.5, [], {}],
)
def test_a_missing_or_malformed_revision_is_refused_and_nothing_is_saved(force_a, version, revision):
    before = _state(force_a, version)
    body: dict[str, Any] = {"management_strategies": "Not saved."}
    if revision is not None:
        body["revision"] = revision
    response = token_client(version.author, force_a).patch(
        f"{BASE}{version.uuid}/", body, content_type="application/json"
    )
    assert response.status_code in (400, 409), response.content
    assert _state(force_a, version) == before


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b"[]", b'"text"', b"null", b'{"revision": 1, "risk_level": null}', b"\xff\xfe"],
)
def test_malformed_bodies_are_never_a_500(force_a, version, raw):
    before = _state(force_a, version)
    response = token_client(version.author, force_a).generic(
        "PATCH", f"{BASE}{version.uuid}/", raw, content_type="application/json"
    )
    assert response.status_code in (200, 400, 409, 415), response.content
    if response.status_code != 200:
        assert _state(force_a, version) == before


def test_an_approved_version_takes_no_change_409_and_stays_as_it_was(force_a):
    version = active(force_a)
    before = _state(force_a, version)
    client = token_client(version.author, force_a)
    response = client.patch(
        f"{BASE}{version.uuid}/",
        {"revision": version.revision, "offending_summary": "Rewritten after approval."},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    for action in ("submit", "send_back"):
        refused = client.post(
            f"{BASE}{version.uuid}/{action}/",
            {"revision": version.revision, "note": "x"},
            content_type="application/json",
        )
        assert refused.status_code in (403, 409), (action, refused.content)
    assert _state(force_a, version) == before


def test_workflow_actions_with_bad_bodies_are_never_a_500(force_a, version):
    client = token_client(version.author, force_a)
    for action, body in (
        ("submit", {"revision": "x"}),
        ("submit", {"revision": 10**12}),
        ("send_back", {"note": ""}),
        ("send_back", {"note": ["a"]}),
        ("approve", {"revision": None}),
    ):
        response = client.post(f"{BASE}{version.uuid}/{action}/", body, content_type="application/json")
        assert response.status_code in (400, 403, 409), (action, body, response.content)
