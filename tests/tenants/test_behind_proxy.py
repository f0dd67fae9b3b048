"""Issue 8, item 9: behind the ingress every request comes from the ingress's address.

The client address (lockout key and audit log) comes from X-Forwarded-For only as far as
TRUSTED_PROXY_COUNT trusted proxies vouch for it; with 0 the header is ignored, so a client cannot
spoof its way out of a lockout. A failed sign-in names the account tried by UUID, never the
typed address.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory, override_settings

from audit.choices import AuditAction
from core.roles import ForceRole
from spmp_platform.client_address import client_address
from tenants.sign_ins import NO_ACCOUNT_MATCHED
from tests.api.base import events_since, last_event_id
from tests.conftest import DOMAIN, HostClient, host_of
from tests.factories import PASSWORD, make_user

INGRESS = "10.42.0.7"  # the address every request has behind the ingress


def _request(forwarded: str | None = None, remote: str = INGRESS):  # type: ignore[no-untyped-def]
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_trusted_proxies_the_header_is_ignored():
    assert client_address(_request("203.0.113.9")) == INGRESS
    assert client_address(_request("203.0.113.9, 198.51.100.4")) == INGRESS
    assert client_address(_request()) == INGRESS


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_with_one_trusted_proxy_the_rightmost_entry_is_the_client():
    # The client wrote "192.0.2.1" itself; the ingress appended the address it really saw.
    assert client_address(_request("192.0.2.1, 203.0.113.9")) == "203.0.113.9"
    assert client_address(_request("203.0.113.9")) == "203.0.113.9"
    assert client_address(_request(" 2001:db8::1 ")) == "2001:db8::1"
    # No header (a probe from inside the cluster) or one that is not an address: the connection.
    assert client_address(_request()) == INGRESS
    assert client_address(_request("")) == INGRESS
    assert client_address(_request("192.0.2.1, not-an-address")) == INGRESS


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_with_two_trusted_proxies_the_second_entry_from_the_right_is_the_client():
    assert client_address(_request("192.0.2.1, 203.0.113.9, 10.1.0.2")) == "203.0.113.9"
    # Entered below the outer proxy: the entry our inner proxy wrote.
    assert client_address(_request("203.0.113.9")) == "203.0.113.9"


def _sign_in(email: str, password: str, forwarded: str):  # type: ignore[no-untyped-def]
    client = HostClient(DOMAIN, REMOTE_ADDR=INGRESS, HTTP_X_FORWARDED_FOR=forwarded)
    return client.post("/sign-in/", {"username": email, "password": password})


@override_settings(TRUSTED_PROXY_COUNT=1, AXES_FAILURE_LIMIT=3)
def test_behind_the_ingress_one_client_cannot_lock_out_another(force_a):
    victim = make_user(force=force_a, roles=[ForceRole.OFFICER])
    statuses = [_sign_in(victim.email, "wrong-password", "203.0.113.66").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # the third failure locks out
    # The attacker's address is locked out, even with the right password ...
    assert _sign_in(victim.email, PASSWORD, "203.0.113.66").status_code == 429
    # ... the victim, from their own address behind the same ingress, is not.
    response = _sign_in(victim.email, PASSWORD, "198.51.100.20")
    assert response.status_code == 302 and host_of(force_a) in response["Location"]
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.66"}


@override_settings(TRUSTED_PROXY_COUNT=0, AXES_FAILURE_LIMIT=3)
def test_without_trusted_proxies_a_forged_header_does_not_escape_the_lockout(force_a):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    for n in range(3):
        _sign_in(user.email, "wrong-password", f"203.0.113.{n + 1}")
    assert _sign_in(user.email, PASSWORD, "198.51.100.99").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {INGRESS}


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_the_audit_log_keeps_the_forwarded_address(force_a):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    before = last_event_id(None)
    assert _sign_in(user.email, PASSWORD, "192.0.2.1, 203.0.113.9").status_code == 302
    (event,) = events_since(None, before)
    assert event.action == AuditAction.SIGN_IN and event.client_address == "203.0.113.9"


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_the_audit_log_ignores_the_header_without_trusted_proxies(force_a):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    before = last_event_id(None)
    assert _sign_in(user.email, PASSWORD, "203.0.113.9").status_code == 302
    (event,) = events_since(None, before)
    assert event.client_address == INGRESS


def test_a_failed_sign_in_names_the_account_tried_by_uuid(force_a):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    before = last_event_id(None)
    assert _sign_in(user.email.upper(), "wrong-password", "203.0.113.9").status_code == 200
    (event,) = events_since(None, before)
    assert event.action == AuditAction.SIGN_IN_FAILED
    assert event.object_type == "user" and event.object_ids == [user.uuid]
    assert event.actor_id is None  # whoever typed the password is not known to be the owner
    assert user.email not in str(event.justification).lower()


def test_a_failed_sign_in_for_no_account_says_so_and_keeps_nothing_typed(db):
    typed = "jane.doe.private@example.org"
    before = last_event_id(None)
    assert _sign_in(typed, "wrong-password", "203.0.113.9").status_code == 200
    (event,) = events_since(None, before)
    assert event.action == AuditAction.SIGN_IN_FAILED and event.object_ids == []
    assert NO_ACCOUNT_MATCHED in event.justification
    stored = " ".join(str(getattr(event, f.attname)) for f in event._meta.concrete_fields)
    assert "jane" not in stored.lower()


@pytest.mark.parametrize("known", [True, False])
def test_a_failed_api_sign_in_names_the_account_the_same_way(force_a, known):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    email = user.email if known else "nobody.here@example.org"
    before = last_event_id(force_a)
    response = HostClient(host_of(force_a)).post(
        "/api/v1/auth/token/", {"email": email, "password": "wrong-password"}, content_type="application/json"
    )
    assert response.status_code == 400
    (event,) = events_since(force_a, before)
    assert event.action == AuditAction.SIGN_IN_FAILED
    if known:
        assert event.object_ids == [user.uuid]
    else:
        assert event.object_ids == [] and NO_ACCOUNT_MATCHED in event.justification
        assert "nobody" not in event.justification
