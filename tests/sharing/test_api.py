"""Sharing over the API: the journey, stable codes, throttling, and another force's UUIDs."""

from __future__ import annotations

import pytest

from core.roles import ForceRole
from tests.factories import make_subject, make_user

from .helpers import asker, decider, granted, same_person

pytestmark = pytest.mark.django_db


def test_journey_over_the_api(force_a, force_b, client_for):
    ours, theirs = same_person(force_a, force_b)
    a = client_for(asker(force_a), force_a)
    found = a.post("/api/v1/registry/check/", {"subject": str(ours.uuid)}, content_type="application/json")
    assert found.status_code == 200, found.content
    assert found.json() == {"matches": [{"force": str(force_b.uuid), "name": force_b.name}]}
    own = a.post(
        "/api/v1/sharing-requests/",
        {
            "subject": str(ours.uuid),
            "owning_force": str(force_a.uuid),
            "scopes": ["briefing"],
            "lawful_basis": "dpa-s31",
            "justification": "x",
            "duration_days": 30,
        },
        content_type="application/json",
    )
    assert own.status_code == 400
    assert own.json()["codes"]["owning_force"] == ["own_force"]
    made = a.post(
        "/api/v1/sharing-requests/",
        {
            "subject": str(ours.uuid),
            "owning_force": str(force_b.uuid),
            "scopes": ["briefing", "orders"],
            "lawful_basis": "dpa-s31",
            "justification": "He moved here",
            "duration_days": 30,
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    uuid = made.json()["uuid"]
    b = client_for(decider(force_b), force_b)
    assert [r["uuid"] for r in b.get("/api/v1/sharing-requests/incoming/").json()] == [uuid]
    # The asker cannot approve (403); the asking force's disclosure officer: 404.
    assert (
        a.post(f"/api/v1/sharing-requests/{uuid}/approve/", {}, content_type="application/json").status_code
        == 403
    )
    other = client_for(decider(force_a), force_a)
    assert (
        other.post(
            f"/api/v1/sharing-requests/{uuid}/approve/", {}, content_type="application/json"
        ).status_code
        == 404
    )
    grant = b.post(
        f"/api/v1/sharing-requests/{uuid}/approve/", {"scopes": ["briefing"]}, content_type="application/json"
    )
    assert grant.status_code == 201, grant.content
    grant_uuid = grant.json()["uuid"]
    assert [g["uuid"] for g in a.get("/api/v1/shared/").json()["results"]] == [grant_uuid]
    shared = a.get(f"/api/v1/shared/{grant_uuid}/")
    assert shared.status_code == 200
    body = shared.json()
    assert body["subject"] == str(theirs.uuid)
    assert set(body) == {"grant", "owner", "subject", "name", "briefing"}
    assert b.get(f"/api/v1/shared/{grant_uuid}/").status_code == 403  # no read_shared
    assert client_for(asker(force_b), force_b).get(f"/api/v1/shared/{grant_uuid}/").status_code == 404
    assert (
        b.post(
            f"/api/v1/grants/{grant_uuid}/revoke/", {"reason": "Done"}, content_type="application/json"
        ).status_code
        == 200
    )
    refused = a.get(f"/api/v1/shared/{grant_uuid}/")
    assert refused.status_code == 410
    assert refused.json()["code"] == "grant_revoked"


def test_throttled_with_retry_after(force_a, client_for, settings):
    settings.SHARING_CHECKS_PER_HOUR = 1
    a = client_for(asker(force_a), force_a)
    assert (
        a.post("/api/v1/registry/check/", {"pnc_id": "99/1Z"}, content_type="application/json").status_code
        == 200
    )
    again = a.post("/api/v1/registry/check/", {"pnc_id": "99/1Z"}, content_type="application/json")
    assert again.status_code == 429
    assert again.json()["code"] == "throttled"
    assert int(again["Retry-After"]) > 0
    assert a.post("/api/v1/registry/check/", {}, content_type="application/json").status_code == 400


def test_partner_grants_over_the_api(force_b, client_for):
    partner = make_user(force=force_b, roles=[ForceRole.PARTNER])
    subject = make_subject(force_b)
    b = client_for(decider(force_b), force_b)
    made = b.post(
        "/api/v1/grants/partners/",
        {
            "subject": str(subject.uuid),
            "users": [str(partner.uuid)],
            "scopes": ["orders"],
            "duration_days": 7,
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    p = client_for(partner, force_b)
    assert [g["uuid"] for g in p.get("/api/v1/shared/").json()["results"]] == [made.json()["uuid"]]
    assert p.get(f"/api/v1/shared/{made.json()['uuid']}/").json()["orders"] == []
    assert p.get("/api/v1/subjects/").status_code == 403
    bad = b.post(
        "/api/v1/grants/partners/",
        {
            "subject": str(subject.uuid),
            "users": [str(decider(force_b).uuid)],
            "scopes": ["orders"],
            "duration_days": 7,
        },
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["codes"]["users"] == ["invalid"]


def test_sweep_another_forces_uuids_disclose_nothing(force_a, force_b, client_for):
    """Every sharing route called with the other force's UUIDs: nothing but 4xx."""
    ours, theirs = same_person(force_a, force_b)
    grant = granted(force_a, force_b, ours)
    request_uuid = grant.request.uuid
    # Force b's users, on force b's host, with force a's grant and request.
    for user in (asker(force_b), decider(force_b)):
        c = client_for(user, force_b)
        for method, url in (
            ("get", f"/api/v1/shared/{grant.uuid}/"),
            ("post", f"/api/v1/shared/{grant.uuid}/extend/"),
            ("get", f"/api/v1/sharing-requests/{request_uuid}/"),
            ("post", f"/api/v1/sharing-requests/{request_uuid}/refuse/"),
            ("post", "/api/v1/registry/check/"),
        ):
            body = {"reasons": "x", "duration_days": 5, "justification": "x", "subject": str(ours.uuid)}
            answer = getattr(c, method)(url, body, content_type="application/json")
            assert answer.status_code in (400, 403, 404), (url, answer.status_code)
    # Force a's reader on force b's host: not a member, 404.
    assert client_for(asker(force_a), force_b).get(f"/api/v1/shared/{grant.uuid}/").status_code == 404
    # The grant read on force a's host by force a's reader names only the theirs subject.
    body = client_for(asker(force_a), force_a).get(f"/api/v1/shared/{grant.uuid}/").json()
    assert body["subject"] == str(theirs.uuid)
