"""Bad input to the API: always a 4xx with a field-level message, never a 500, never a partial write."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from core.roles import ForceRole
from subjects.models import Subject, SubjectAlias
from tests.api.base import events_since, last_event_id, token_client
from tests.factories import make_subject, make_user

VALID = {
    "family_name": "Okafor",
    "given_names": "Daniel",
    "date_of_birth": "1987-03-14",
    "pnc_id": "05/123456B",
    "aliases": ["Danny"],
}


@pytest.fixture
def client(force_a):  # type: ignore[no-untyped-def]
    return token_client(make_user(force=force_a, roles=[ForceRole.COORDINATOR]), force_a)


def _state(force):  # type: ignore[no-untyped-def]
    with schema_context(force.schema_name):
        state = (
            sorted(
                Subject.objects.values_list("uuid", "family_name", "given_names", "pnc_id", "date_of_birth")
            ),
            sorted(SubjectAlias.objects.values_list("subject_id", "name")),
        )
    connection.set_schema_to_public()
    return state


BAD_BODIES = [
    ({**VALID, "familyname": "typo"}, "familyname", "Unknown field."),
    ({**VALID, "uuid": "8b5f2b9e-0000-4000-8000-000000000000"}, "uuid", "read-only"),
    ({**VALID, "created_at": "2020-01-01T00:00:00Z"}, "created_at", "read-only"),
    ({**VALID, "family_name": "x" * 101}, "family_name", "no more than 100"),
    ({**VALID, "given_names": "x" * 151}, "given_names", "no more than 150"),
    ({**VALID, "niche_nominal_ref": "x" * 31}, "niche_nominal_ref", "no more than 30"),
    ({**VALID, "family_name": ""}, "family_name", "blank"),
    ({**VALID, "family_name": None}, "family_name", "null"),
    ({**VALID, "family_name": {"a": 1}}, "family_name", "valid string"),
    ({**VALID, "family_name": ["a"]}, "family_name", "valid string"),
    ({**VALID, "family_name": "Nul\x00l"}, "family_name", "Null characters"),
    ({**VALID, "date_of_birth": "14/03/1987"}, "date_of_birth", "format"),
    ({**VALID, "date_of_birth": 19870314}, "date_of_birth", "format"),
    ({**VALID, "date_of_birth": "2999-01-01"}, "date_of_birth", "past"),
    ({**VALID, "date_of_birth": "0001-01-01"}, "date_of_birth", "check the year"),
    ({**VALID, "pnc_id": "12345"}, "pnc_id", "PNC id like"),
    ({**VALID, "pnc_id": 5}, "pnc_id", "PNC id like"),
    ({**VALID, "aliases": "Danny"}, "aliases", "list"),
    ({**VALID, "aliases": [1, {"x": 1}]}, "aliases", ""),
    ({**VALID, "aliases": ["x" * 251]}, "aliases", "no more than 250"),
    ({**VALID, "aliases": ["ok"] * 51}, "aliases", "no more than 50"),
    ({**VALID, "aliases": [""]}, "aliases", "blank"),
    ({k: v for k, v in VALID.items() if k != "family_name"}, "family_name", "required"),
]


@pytest.mark.parametrize(
    ("body", "field", "message"), BAD_BODIES, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD_BODIES)]
)
def test_bad_create_is_a_field_error_and_writes_nothing(force_a, client, body, field, message):
    before_state, before_event = _state(force_a), last_event_id(force_a)
    response = client.post("/api/v1/subjects/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    payload = response.json()
    assert payload["code"] == "invalid"
    assert field in payload["fields"], payload
    assert message in json.dumps(payload["fields"][field]), payload
    assert _state(force_a) == before_state
    assert events_since(force_a, before_event) == []


@pytest.mark.parametrize(
    ("body", "field", "message"), BAD_BODIES[:-1], ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD_BODIES[:-1])]
)
def test_bad_patch_changes_nothing(force_a, client, body, field, message):
    subject = make_subject(force_a, family_name="Untouched", given_names="Still")
    before_state, before_event = _state(force_a), last_event_id(force_a)
    response = client.patch(f"/api/v1/subjects/{subject.uuid}/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert _state(force_a) == before_state
    assert events_since(force_a, before_event) == []


def test_duplicate_pnc_is_a_field_error(force_a, client):
    make_subject(force_a, pnc_id="05/123456B")
    response = client.post("/api/v1/subjects/", VALID, content_type="application/json")
    assert response.status_code == 400
    assert "already has this PNC id" in response.json()["fields"]["pnc_id"][0]


@pytest.mark.parametrize("raw", ["{", "[1, 2", "nul", '{"family_name": "a",}', "\xff\xfe", ""])
def test_malformed_json_is_a_parse_error(force_a, client, raw):
    before_state = _state(force_a)
    response = client.post("/api/v1/subjects/", raw, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] in {"parse_error", "invalid"}
    assert _state(force_a) == before_state


@pytest.mark.parametrize("body", [[VALID], "a string", 5, None])
def test_body_that_is_not_an_object_is_refused(client, body):
    response = client.post("/api/v1/subjects/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "non_field_errors" in response.json()["fields"]


def test_form_encoded_body_is_415(client):
    response = client.post(
        "/api/v1/subjects/", "family_name=a", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "bad", ["1", "abc", "8b5f2b9e", "8b5f2b9e-0000-4000-8000-00000000000g", "%00", "' OR 1=1 --"]
)
def test_non_uuid_ids_are_404_for_every_method(client, bad):
    for method in ("get", "put", "patch", "delete"):
        response = getattr(client, method)(
            f"/api/v1/subjects/{bad}/",
            {} if method == "get" else "{}",
            **({"content_type": "application/json"} if method != "get" else {}),
            HTTP_X_ACCESS_REASON="r",
            HTTP_X_ERASURE_REASON="r",
        )
        assert response.status_code == 404, (method, bad, response.content)
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "999"},
        {"page_size": "abc"},
        {"page_size": "-1"},
        {"ordering": "password"},
        {"ordering": "name_search"},
        {"search": "\x00"},
        {"pnc_id": "x" * 500},
        {"date_of_birth": "1990-13-45"},
        {"search": "x" * 5000},
    ],
)
def test_bad_query_parameters_are_never_a_500(force_a, client, params):
    make_subject(force_a)
    response = client.get("/api/v1/subjects/", params)
    assert response.status_code in (200, 400, 404), (params, response.content)
    assert "code" in response.json() or "results" in response.json()


def test_unknown_ordering_is_refused_not_applied(force_a, client):
    # The subject list's sort orders are the caseload's (orders.caseload): another is an error
    # naming the field, never a sort by a hidden column.
    make_subject(force_a, family_name="B")
    make_subject(force_a, family_name="A")
    response = client.get("/api/v1/subjects/", {"ordering": "-name_search"})
    assert response.status_code == 400
    assert response.json()["codes"] == {"ordering": ["invalid_choice"]}
    response = client.get("/api/v1/subjects/", {"ordering": "-family_name"})
    assert [r["family_name"] for r in response.json()["results"]] == ["B", "A"]


def test_reason_header_with_control_characters_is_refused(force_a, client):
    subject = make_subject(force_a)
    response = client.get(f"/api/v1/subjects/{subject.uuid}/", HTTP_X_ACCESS_REASON="a\x07b")
    assert response.status_code == 400
    assert response.json()["code"] == "access_reason_required"


def test_method_not_allowed_has_a_code(client):
    response = client.delete("/api/v1/subjects/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_options_is_not_offered(client):
    assert client.options("/api/v1/subjects/").status_code == 405


def test_body_over_the_upload_limit_is_a_json_413(client):
    body = '{"family_name": "' + "x" * 3_000_000 + '", "given_names": "a"}'
    response = client.post("/api/v1/subjects/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
