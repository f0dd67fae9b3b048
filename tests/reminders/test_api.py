"""/api/v1/notification-preferences/: one's own choices; bad input is a 400 with codes, nothing saved."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from core.roles import ForceRole
from reminders.models import NotificationPreference
from tests.api.base import token_client
from tests.factories import make_user

pytestmark = pytest.mark.django_db
URL = "/api/v1/notification-preferences/"


def test_read_and_change_my_preferences(force_a, force_b):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    client = token_client(user, force_a)
    body = client.get(URL).json()
    assert {r["kind"]: r["mode"] for r in body["results"]}["review-due"] == "immediate"
    assert {r["kind"] for r in body["results"] if r["urgent"]} == {
        "notification-last-day",
        "notification-overdue",
        "escalation",
    }
    changed = client.put(URL, {"review-due": "digest"}, content_type="application/json")
    assert changed.status_code == 200
    assert {r["kind"]: r["mode"] for r in changed.json()["results"]}["review-due"] == "digest"
    # Another force's member: their own (default) choices, never this person's.
    other = make_user(force=force_b, roles=[ForceRole.OFFICER])
    assert {r["kind"]: r["mode"] for r in token_client(other, force_b).get(URL).json()["results"]}[
        "review-due"
    ] == "immediate"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"review-due": "digest", "nope": "digest"}, "nope", "unknown_kind"),
        ({"review-due": "digest", "escalation": "digest"}, "escalation", "urgent_always_immediate"),
        ({"review-due": "weekly"}, "review-due", "unknown_mode"),
        ({"review-due": ["digest"]}, "review-due", "unknown_mode"),
    ],
)
def test_bad_preferences_are_400_with_codes(force_a, body, field, code):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    response = token_client(user, force_a).put(URL, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert code in response.json()["codes"][field]
    with schema_context(force_a.schema_name):
        assert not NotificationPreference.objects.exists()


def test_not_an_object_is_400(force_a):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    response = token_client(user, force_a).put(URL, ["digest"], content_type="application/json")
    assert response.status_code == 400


def test_an_outsider_gets_404(force_a, force_b):
    outsider = make_user(force=force_b, roles=[ForceRole.OFFICER])
    assert token_client(outsider, force_a).get(URL).status_code in (401, 404)
