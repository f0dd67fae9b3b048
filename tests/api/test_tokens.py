"""API tokens: hashed, bound to the issuing host, expiring, revocable, listed for their owner."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from audit.choices import AuditAction
from core.roles import ForceRole
from tenants import tokens as services
from tenants.models import ApiToken, Membership
from tests.api.base import events_since, last_event_id, token_client
from tests.conftest import DOMAIN, HostClient, host_of
from tests.factories import PASSWORD, make_user


def issue(force, email, password=PASSWORD, **extra):  # type: ignore[no-untyped-def]
    client = HostClient(host_of(force) if force is not None else DOMAIN)
    return client.post(
        "/api/v1/auth/token/",
        {"email": email, "password": password, **extra},
        content_type="application/json",
    )


def bearer(force, secret):  # type: ignore[no-untyped-def]
    return HostClient(host_of(force) if force is not None else DOMAIN, HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_token_is_issued_once_and_stored_only_as_a_hash(force_a):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    response = issue(force_a, user.email.upper(), name="nightly export")
    assert response.status_code == 201, response.content
    body = response.json()
    secret = body["token"]
    token = ApiToken.objects.get(uuid=body["uuid"])
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(token.prefix) and len(token.prefix) < len(secret) // 3
    stored = [str(getattr(token, f.attname)) for f in ApiToken._meta.concrete_fields]
    assert not any(secret in value for value in stored)
    assert body["host"] == force_a.slug and body["name"] == "nightly export"
    assert token.expires_at - token.created_at == dt.timedelta(hours=720)
    listed = bearer(force_a, secret).get("/api/v1/auth/tokens/").json()["results"]
    assert [t["uuid"] for t in listed] == [body["uuid"]]
    assert "token" not in listed[0] and "key_hash" not in listed[0]


def test_sign_in_is_logged_in_the_hosts_log(force_a):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    before = last_event_id(force_a)
    assert issue(force_a, user.email).status_code == 201
    (event,) = events_since(force_a, before)
    assert event.action == AuditAction.SIGN_IN and event.actor_id == user.pk


def test_wrong_password_is_refused_logged_and_counted_by_axes(force_a):
    from axes.models import AccessAttempt

    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    before = last_event_id(force_a)
    response = issue(force_a, user.email, password="wrong-password")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert [e.action for e in events_since(force_a, before)] == [AuditAction.SIGN_IN_FAILED]
    assert AccessAttempt.objects.filter(username=user.email).get().failures_since_start == 1
    assert not ApiToken.objects.filter(user=user).exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_account_out_even_with_the_right_password(force_a):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    for _ in range(3):
        issue(force_a, user.email, password="wrong-password")
    response = issue(force_a, user.email)
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert response["Content-Type"] == "application/json"
    assert not ApiToken.objects.filter(user=user).exists()


def test_non_member_gets_no_token_for_a_force_host(force_a, force_b):
    user = make_user(force=force_b, roles=[ForceRole.OFFICER])
    before = last_event_id(force_a)
    response = issue(force_a, user.email)
    assert response.status_code == 404
    assert not ApiToken.objects.filter(user=user).exists()
    (event,) = events_since(force_a, before)
    assert event.action == AuditAction.SIGN_IN_FAILED and event.actor_id == user.pk


def test_suspended_member_gets_no_token(force_a):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER], status=Membership.Status.SUSPENDED)
    assert issue(force_a, user.email).status_code == 404


def test_token_works_only_on_the_host_that_issued_it(force_a, force_b):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    Membership.objects.create(user=user, force=force_b, roles=[ForceRole.OFFICER])
    secret = issue(force_a, user.email).json()["token"]
    assert bearer(force_a, secret).get("/api/v1/subjects/").status_code == 200
    for other in (force_b, None):
        response = bearer(other, secret).get("/api/v1/auth/tokens/")
        assert response.status_code == 401, other
        assert response.json() == {
            "code": "invalid_token",
            "detail": "The token was issued for another host; tokens work only on the host that issued them.",
        }
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_regional_token_works_on_the_regional_host_only(force_a):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    response = issue(None, user.email)
    assert response.status_code == 201 and response.json()["host"] == ""
    secret = response.json()["token"]
    assert bearer(None, secret).get("/api/v1/auth/tokens/").status_code == 200
    assert bearer(force_a, secret).get("/api/v1/subjects/").status_code == 401


def test_expired_token_is_refused(force_a):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    secret = issue(force_a, user.email).json()["token"]
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = bearer(force_a, secret).get("/api/v1/subjects/")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


@override_settings(API_TOKEN_TTL_HOURS=1)
def test_lifetime_comes_from_settings(force_a):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    body = issue(force_a, user.email).json()
    token = ApiToken.objects.get(uuid=body["uuid"])
    assert token.expires_at - token.created_at == dt.timedelta(hours=1)


def test_owner_revokes_a_token_and_it_stops_working(force_a):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    keep = issue(force_a, user.email).json()
    drop = issue(force_a, user.email).json()
    client = bearer(force_a, keep["token"])
    assert client.delete(f"/api/v1/auth/tokens/{drop['uuid']}/").status_code == 204
    response = bearer(force_a, drop["token"]).get("/api/v1/subjects/")
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
    listed = {t["uuid"]: t for t in client.get("/api/v1/auth/tokens/").json()["results"]}
    assert listed[drop["uuid"]]["revoked_at"] is not None and listed[drop["uuid"]]["is_live"] is False
    assert listed[keep["uuid"]]["is_live"] is True


def test_nobody_lists_or_revokes_another_persons_tokens(force_a):
    alice = make_user(force=force_a, roles=[ForceRole.OFFICER])
    bob = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    alices = issue(force_a, alice.email).json()
    bobs_client = token_client(bob, force_a)
    listed = [t["uuid"] for t in bobs_client.get("/api/v1/auth/tokens/").json()["results"]]
    assert alices["uuid"] not in listed
    assert bobs_client.delete(f"/api/v1/auth/tokens/{alices['uuid']}/").status_code == 404
    assert bearer(force_a, alices["token"]).get("/api/v1/subjects/").status_code == 200


def test_revoke_tokens_for_ends_only_that_forces_tokens(force_a, force_b):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    Membership.objects.create(user=user, force=force_b, roles=[ForceRole.OFFICER])
    a_secret = issue(force_a, user.email).json()["token"]
    b_secret = issue(force_b, user.email).json()["token"]
    regional_secret = issue(None, user.email).json()["token"]
    assert services.revoke_tokens_for(user=user, force=force_a) == 1
    assert bearer(force_a, a_secret).get("/api/v1/subjects/").status_code == 401
    assert bearer(force_b, b_secret).get("/api/v1/subjects/").status_code == 200
    assert bearer(None, regional_secret).get("/api/v1/auth/tokens/").status_code == 200


def test_removed_member_with_a_live_token_gets_404(force_a):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    client = token_client(user, force_a)
    Membership.objects.filter(user=user).delete()
    assert client.get("/api/v1/subjects/").status_code == 404
    assert client.get("/api/v1/auth/tokens/").status_code == 404


def test_inactive_user_token_is_refused(force_a):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    client = token_client(user, force_a)
    user.is_active = False
    user.save()
    assert client.get("/api/v1/subjects/").status_code == 401


def test_malformed_authorization_headers_are_401(force_a):
    for header in ("Bearer", "Bearer a b", "Bearer not-a-token", "Bearer \u00e9t\u00e9"):
        client = HostClient(host_of(force_a), HTTP_AUTHORIZATION=header)
        response = client.get("/api/v1/subjects/")
        assert response.status_code == 401, header
        assert response.json()["code"] == "invalid_token"


def test_anonymous_cannot_list_tokens(force_a):
    assert HostClient(host_of(force_a)).get("/api/v1/auth/tokens/").status_code == 401
    assert HostClient(DOMAIN).get("/api/v1/auth/tokens/").status_code == 401


def test_token_user_is_the_audit_actor(force_a):
    from tests.factories import make_subject

    subject = make_subject(force_a)
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    client = token_client(user, force_a)
    before = last_event_id(force_a)
    client.get(f"/api/v1/subjects/{subject.uuid}/", HTTP_X_ACCESS_REASON="Check")
    (event,) = events_since(force_a, before)
    assert event.actor_id == user.pk and event.actor_uuid == user.uuid and event.request_id is not None


def test_bad_token_request_bodies_are_field_errors(force_a):
    client = HostClient(host_of(force_a))
    cases = [
        ({}, {"email", "password"}),
        ({"email": "not-an-email", "password": "x"}, {"email"}),
        ({"email": "a@b.test", "password": "x", "extra": 1}, {"extra"}),
        ({"email": ["a@b.test"], "password": 5}, {"email"}),
        ({"email": "a@b.test", "password": "x" * 129}, {"password"}),
    ]
    for body, fields in cases:
        response = client.post("/api/v1/auth/token/", body, content_type="application/json")
        assert response.status_code == 400, body
        assert response.json()["code"] == "invalid"
        assert fields <= set(response.json()["fields"]), (body, response.json())
    response = client.post("/api/v1/auth/token/", "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    response = client.post("/api/v1/auth/token/", "email=a", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"
    with schema_context("public"):
        assert not ApiToken.objects.exists()
    connection.set_schema_to_public()


def test_platform_admin_sees_and_revokes_tokens_in_the_django_admin(force_a, client_for):
    owner = make_user(force=force_a, roles=[ForceRole.OFFICER])
    secret = issue(force_a, owner.email).json()["token"]
    token = ApiToken.objects.get(user=owner)
    admin = make_user(email="root@platform.test")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = client_for(admin, None)
    page = client.get("/admin/tenants/apitoken/")
    assert page.status_code == 200 and token.prefix in page.content.decode()
    assert secret not in page.content.decode() and token.key_hash not in page.content.decode()
    response = client.post("/admin/tenants/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    assert bearer(force_a, secret).get("/api/v1/subjects/").status_code == 401


def test_live_tokens_per_host_are_bounded(force_a):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    for _ in range(services.MAX_LIVE_TOKENS_PER_HOST):
        services.issue_token(user=user, force=force_a)
    response = issue(force_a, user.email)
    assert response.status_code == 400 and "revoke one first" in str(response.json()["fields"])
    ApiToken.objects.filter(user=user).order_by("id").first().delete()
    assert issue(force_a, user.email).status_code == 201
    assert issue(None, user.email).status_code == 201  # the bound is per host


def test_token_user_and_membership_are_read_in_one_statement_and_a_suspension_still_bites_at_once(force_a):
    """Issue 10: the token, its user and the membership were three lookups per request (35 % of a
    subject detail's CPU); now one. Nothing is cached across requests, so a suspension or a
    revocation is refused on the very next request."""
    from django.test.utils import CaptureQueriesContext

    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    client = token_client(user, force_a)
    assert client.get("/api/v1/subjects/").status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/subjects/").status_code == 200
    touching = [q["sql"] for q in ctx.captured_queries if '"tenants_membership"' in q["sql"]]
    assert len(touching) == 1, touching
    assert '"tenants_apitoken"' in touching[0] and '"tenants_user"' in touching[0]

    Membership.objects.filter(user=user, force=force_a).update(status=Membership.Status.SUSPENDED)
    assert client.get("/api/v1/subjects/").status_code == 404
    Membership.objects.filter(user=user, force=force_a).update(status=Membership.Status.ACTIVE)
    assert client.get("/api/v1/subjects/").status_code == 200
    ApiToken.objects.filter(user=user).update(revoked_at=timezone.now())
    assert client.get("/api/v1/subjects/").status_code == 401


def test_the_one_statement_lookup_returns_the_token_user_and_membership_the_orm_would(force_a, force_b):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER, ForceRole.SUPERVISOR])
    token, secret = services.issue_token(user=user, force=force_a, name="compare")
    found = services.find_token(secret, force=force_a)
    assert found is not None and found.pk == token.pk
    stored = ApiToken.objects.select_related("user").get(pk=token.pk)
    for field in ApiToken._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(stored, field.attname), field.name
    for field in type(user)._meta.concrete_fields:
        assert getattr(found.user, field.attname) == getattr(stored.user, field.attname), field.name
    membership = Membership.objects.get(user=user, force=force_a)
    remembered = found.user.membership_in(force_a)
    assert remembered is not None and remembered.pk == membership.pk
    assert sorted(remembered.roles) == sorted(membership.roles) and remembered.uuid == membership.uuid
    assert services.find_token(secret, force=force_b).user.membership_in(force_b) is None
    assert services.find_token("not-a-token", force=force_a) is None
