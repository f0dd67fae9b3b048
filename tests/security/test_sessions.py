"""Sessions and tokens (issue 17, item 3): the per-person index, idle and absolute timeouts,
"sign out everywhere", a change of roles, and an administrator revoking a person's tokens."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.test import override_settings

from audit.choices import AuditAction
from core.roles import ForceRole
from tenants import tokens
from tenants.models import ApiToken, UserSession
from tenants.people import change_roles, end_sessions_of
from tenants.sessions import SEEN_AT, SIGNED_IN_AT
from tests.api.base import events_since, last_event_id, session_client
from tests.conftest import DOMAIN, HostClient, host_of
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _age(client, **offsets):  # type: ignore[no-untyped-def]
    session = client.session
    for key, seconds in offsets.items():
        session[key] = time.time() - seconds
    session.save()


def test_sign_in_indexes_the_session_and_ending_them_uses_the_index(force_a):
    person = make_user(force=force_a, roles=[ForceRole.OFFICER])
    one, two = session_client(person, force_a), session_client(person, force_a)
    keys = set(UserSession.objects.filter(user=person).values_list("session_key", flat=True))
    assert keys == {one.session.session_key, two.session.session_key}
    assert end_sessions_of(person) == 2
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert one.get("/subjects/").status_code == 302  # to the sign-in page


def test_an_idle_session_is_signed_out(force_a):
    person = make_user(force=force_a, roles=[ForceRole.OFFICER])
    client = session_client(person, force_a)
    _age(client, **{SEEN_AT: 29 * 60})
    assert client.get("/subjects/").status_code == 200
    _age(client, **{SEEN_AT: 31 * 60})
    response = client.get("/subjects/")
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
    assert client.get("/api/v1/subjects/").status_code == 401


@override_settings(SESSION_IDLE_MINUTES=10_000)
def test_a_session_older_than_the_absolute_limit_is_signed_out_however_busy(force_a):
    person = make_user(force=force_a, roles=[ForceRole.OFFICER])
    client = session_client(person, force_a)
    _age(client, **{SIGNED_IN_AT: 10 * 3600 + 5, SEEN_AT: 1})
    response = client.get("/subjects/")
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_sign_out_everywhere_ends_every_session_of_the_person_only(force_a):
    person = make_user(force=force_a, roles=[ForceRole.OFFICER])
    other = make_user(force=force_a, roles=[ForceRole.OFFICER])
    phone, laptop = session_client(person, force_a), session_client(person, None)
    colleague = session_client(other, force_a)
    before = last_event_id(None)
    response = laptop.post("/sign-out/everywhere/")
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
    assert phone.get("/subjects/").status_code == 302
    assert colleague.get("/subjects/").status_code == 200
    assert any("Signed out everywhere" in e.justification for e in events_since(None, before))
    assert not UserSession.objects.filter(user=person).exists()


def test_a_change_of_roles_ends_the_persons_sessions(force_a):
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    person = make_user(force=force_a, roles=[ForceRole.OFFICER])
    client = session_client(person, force_a)
    assert client.get("/subjects/").status_code == 200
    change_roles(actor=admin, force=force_a, membership=person.memberships.get(), roles=[ForceRole.VIEWER])
    assert client.get("/subjects/").status_code == 302


def test_a_change_of_ones_own_roles_gives_a_new_session_key(force_a):
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN, ForceRole.COORDINATOR])
    client = session_client(admin, force_a)
    key = client.session.session_key
    membership = admin.memberships.get()
    response = client.post(f"/force-admin/people/{membership.uuid}/", {"roles": [ForceRole.FORCE_ADMIN]})
    assert response.status_code == 302
    assert client.session.session_key != key
    assert client.get("/force-admin/people/").status_code == 200
    assert UserSession.objects.filter(user=admin, session_key=client.session.session_key).exists()


def _live_tokens(user, force):  # type: ignore[no-untyped-def]
    return ApiToken.objects.filter(user=user, host=tokens.host_label(force), revoked_at__isnull=True).count()


def test_a_force_administrator_revokes_a_persons_tokens_on_their_host_only(force_a, force_b):
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    person = make_user(force=force_a, roles=[ForceRole.OFFICER])
    from tenants.models import Membership

    Membership.objects.create(user=person, force=force_b, roles=[ForceRole.OFFICER])
    tokens.issue_token(user=person, force=force_a, name="a")
    tokens.issue_token(user=person, force=force_a, name="b")
    tokens.issue_token(user=person, force=force_b, name="other force")
    membership = person.memberships.get(force=force_a)
    client = session_client(admin, force_a)
    page = client.get(f"/force-admin/people/{membership.uuid}/revoke-tokens/")
    assert page.status_code == 200
    before = last_event_id(force_a)
    done = client.post(f"/force-admin/people/{membership.uuid}/revoke-tokens/", {"reason": "lost laptop"})
    assert done.status_code == 302
    assert _live_tokens(person, force_a) == 0 and _live_tokens(person, force_b) == 1
    (event,) = [e for e in events_since(force_a, before) if e.action == AuditAction.SIGN_OUT]
    assert "2 API token(s) revoked" in event.justification
    # The API: the same, 200 with the count; a person of another force is 404; an officer 403.
    tokens.issue_token(user=person, force=force_a, name="c")
    api = client.post(f"/api/v1/people/{membership.uuid}/revoke-tokens/", content_type="application/json")
    assert api.status_code == 200 and api.json() == {"revoked": 1}
    other = person.memberships.get(force=force_b)
    assert client.post(f"/api/v1/people/{other.uuid}/revoke-tokens/").status_code == 404
    officer = session_client(make_user(force=force_a, roles=[ForceRole.OFFICER]), force_a)
    assert officer.post(f"/api/v1/people/{membership.uuid}/revoke-tokens/").status_code == 403
    assert _live_tokens(person, force_b) == 1


def test_a_revoked_token_is_refused_with_invalid_token(force_a):
    person = make_user(force=force_a, roles=[ForceRole.OFFICER])
    _token, secret = tokens.issue_token(user=person, force=force_a, name="x")
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    membership = person.memberships.get()
    session_client(admin, force_a).post(f"/api/v1/people/{membership.uuid}/revoke-tokens/")
    response = HostClient(host_of(force_a), HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/subjects/")
    assert response.status_code == 401 and response.json()["code"] == "invalid_token"


def test_sign_out_everywhere_needs_a_post(force_a):
    person = make_user(force=force_a, roles=[ForceRole.OFFICER])
    assert HostClient(DOMAIN).get("/sign-out/everywhere/").status_code in (302, 405)
    assert session_client(person, None).get("/sign-out/everywhere/").status_code == 405
