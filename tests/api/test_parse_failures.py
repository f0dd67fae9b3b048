"""Inputs that used to reach the client as a 500 (issue 8, item 7): each is now a 400 with a code.

- a body nested thousands of levels deep (RecursionError in the decoder, anonymous, on the token
  endpoint) and one nested a few hundred levels (it parsed, then broke further in);
- a team member without ``user`` in a PATCH (DRF skips nested required fields under ``partial``:
  KeyError 'user' in the view), and a review interval without ``unit`` the same way;
- a lone surrogate (``"\\ud800"``) in a choice field, echoed in the 400 body (UnicodeEncodeError
  in the renderer), or in a text field bound for the database.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from rest_framework import exceptions

from api.errors import exception_handler
from api.parsers import MAX_DEPTH, depth_exceeds
from api.renderers import JSONRenderer
from core.roles import ForceRole
from organisation.models import Team, TeamMember
from subjects.models import Subject
from tests.api.base import events_since, last_event_id, token_client
from tests.conftest import HostClient, host_of
from tests.factories import make_subject, make_user
from tests.organisation.test_api import make_team

pytestmark = pytest.mark.django_db


def _deep(levels: int, opener: str = "[", closer: str = "]") -> str:
    return opener * levels + closer * levels


@pytest.mark.parametrize("levels", [100_000, 5_000, 900, MAX_DEPTH + 1])
@pytest.mark.parametrize("shape", ["list", "object"])
def test_deeply_nested_json_is_a_parse_error_even_anonymously(force_a, levels, shape):
    body = _deep(levels) if shape == "list" else '{"a":' * levels + "1" + "}" * levels
    anonymous = HostClient(host_of(force_a))
    response = anonymous.post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] == "parse_error"
    assert "nested" in response.json()["detail"]


def test_nesting_within_the_bound_is_read_as_before(force_a):
    client = token_client(make_user(force=force_a, roles=[ForceRole.COORDINATOR]), force_a)
    body = {"family_name": _deep(3), "given_names": "A"}  # a string that looks nested is only a string
    response = client.post("/api/v1/subjects/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert not depth_exceeds([[{"a": [1]}]], 4) and depth_exceeds([[{"a": [1]}]], 3)


def _team_state(force):  # type: ignore[no-untyped-def]
    with schema_context(force.schema_name):
        state = (
            sorted(TeamMember.objects.values_list("team_id", "user_id", "is_lead")),
            sorted(Team.objects.values_list("name", flat=True)),
        )
    connection.set_schema_to_public()
    return state


@pytest.mark.parametrize(
    "members",
    [[{"is_lead": False}], [{}], [{"is_lead": True}], [{"user": None}]],
    ids=["lead-flag-only", "empty", "lead-only", "null-user"],
)
@pytest.mark.parametrize("method", ["patch", "put", "post"])
def test_a_team_member_without_a_user_is_a_field_error(force_a, force_b, members, method):
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    client = token_client(admin, force_a)
    team = make_team(force_a, members=[admin])
    before, before_b, since = _team_state(force_a), _team_state(force_b), last_event_id(force_a)
    body = {"members": members}
    if method != "patch":
        body.update(name="North", kind="response")
    path = "/api/v1/teams/" if method == "post" else f"/api/v1/teams/{team.uuid}/"
    response = getattr(client, method)(path, body, content_type="application/json")
    assert response.status_code == 400, response.content
    payload = response.json()
    assert payload["code"] == "invalid"
    assert "user" in json.dumps(payload["fields"]["members"])
    assert _team_state(force_a) == before and _team_state(force_b) == before_b
    assert events_since(force_a, since) == []


def test_a_patch_of_a_whole_member_still_takes_the_lead_flag_by_default(force_a):
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    other = make_user(force=force_a, roles=[ForceRole.OFFICER])
    team = make_team(force_a, members=[admin])
    response = token_client(admin, force_a).patch(
        f"/api/v1/teams/{team.uuid}/",
        {"members": [{"user": str(other.uuid)}]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["members"] == [
        {"user": str(other.uuid), "is_lead": False, "hours_per_week": "0.0"}
    ]


@pytest.mark.parametrize("interval", [{"every": 3}, {"unit": "months"}, {}])
def test_a_review_interval_missing_a_part_in_a_patch_is_a_field_error(force_a, interval):
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    client = token_client(admin, force_a)
    uuid = client.get("/api/v1/practice-settings/").json()["results"][0]["uuid"]
    response = client.patch(
        f"/api/v1/practice-settings/{uuid}/",
        {"review_intervals": {"high": interval}},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["fields"]["review_intervals"]["high"]


SURROGATE_BODIES = [
    ("/api/v1/teams/", '{"name": "North", "kind": "\\ud800"}'),
    ("/api/v1/teams/", '{"name": "\\udfff", "kind": "response"}'),
    ("/api/v1/teams/", '{"\\ud800": 1}'),
    ("/api/v1/subjects/", '{"family_name": "Ok\\ud83d", "given_names": "A"}'),
]


@pytest.mark.parametrize(("path", "raw"), SURROGATE_BODIES)
def test_a_lone_surrogate_is_a_parse_error_and_nothing_is_written(force_a, path, raw):
    user = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN, ForceRole.COORDINATOR])
    client = token_client(user, force_a)
    since = last_event_id(force_a)
    response = client.post(path, raw, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "parse_error"
    response.content.decode("utf-8")  # the body itself is well-formed UTF-8
    assert events_since(force_a, since) == []
    with schema_context(force_a.schema_name):
        assert not Subject.objects.exists() and not Team.objects.exists()
    connection.set_schema_to_public()


def test_a_paired_surrogate_escape_is_a_character_and_accepted(force_a):
    client = token_client(make_user(force=force_a, roles=[ForceRole.COORDINATOR]), force_a)
    raw = '{"family_name": "Ok\\ud83d\\ude00", "given_names": "A"}'
    response = client.post("/api/v1/subjects/", raw, content_type="application/json")
    assert response.status_code == 201, response.content


def test_the_renderer_escapes_text_utf8_cannot_encode():
    data = {"code": "invalid", "fields": {"kind": ['"\ud800" is not a valid choice.']}, "name": "Zoë"}
    rendered = JSONRenderer().render(data)
    assert json.loads(rendered) == data
    assert JSONRenderer().render({"name": "Zoë"}) == '{"name":"Zoë"}'.encode()  # readable when it can be


@pytest.mark.parametrize(
    "exc", [RecursionError(), UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates"), OverflowError()]
)
def test_the_handler_turns_any_parse_failure_into_a_400(exc):
    response = exception_handler(exc, {})
    assert response is not None and response.status_code == 400
    assert response.data["code"] == "parse_error"
    assert exception_handler(exceptions.ParseError(), {}).data["code"] == "parse_error"  # type: ignore[union-attr]


def test_subjects_still_unaffected_in_the_other_force(force_a, force_b):
    make_subject(force_b, family_name="Otherforce")
    client = token_client(make_user(force=force_a, roles=[ForceRole.COORDINATOR]), force_a)
    client.post("/api/v1/subjects/", _deep(5000), content_type="application/json")
    with schema_context(force_b.schema_name):
        assert list(Subject.objects.values_list("family_name", flat=True)) == ["Otherforce"]
    connection.set_schema_to_public()
