"""Single sign-on per force (issue 17, item 1) against a real OpenID provider the test starts
(oidc-provider-mock, on the loopback): the email's domain picks the provider, the verified email maps
to a member of that force, the provider's second factor counts; a wrong state, nonce, audience or
issuer, an unverified email or no membership starts no session and is logged."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from oidc_provider_mock import run_server_in_thread

from audit.choices import AuditAction
from core.roles import ForceRole
from tenants import sso
from tenants.models import ForceIdentityProvider
from tests.api.base import events_since, last_event_id
from tests.conftest import DOMAIN, HostClient, host_of
from tests.factories import make_user

pytestmark = pytest.mark.django_db
DOMAIN_A = "lincs.police.test"


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def provider(force_a, issuer, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPMP_TEST_OIDC_SECRET", "not-a-real-secret")
    return ForceIdentityProvider.objects.create(
        force=force_a,
        issuer=issuer,
        client_id="spmp-lincs",
        client_secret_env="SPMP_TEST_OIDC_SECRET",
        email_domains=[DOMAIN_A],
    )


def _claims(issuer: str, sub: str, **claims: object) -> None:
    requests.put(f"{issuer}/users/{sub}", json=claims, timeout=10).raise_for_status()


def _sign_in(client: HostClient, issuer: str, email: str, sub: str, tamper=None):  # type: ignore[no-untyped-def]
    started = client.post("/sign-in/", {"username": email, "password": ""})
    assert started.status_code == 302 and started["Location"].startswith(f"{issuer}/oauth2/authorize")
    consent = requests.post(started["Location"], data={"sub": sub}, allow_redirects=False, timeout=10)
    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["Location"])
    assert back.path == "/sign-in/sso/callback/"
    if tamper is not None:
        tamper(client)
    return client.get(f"{back.path}?{back.query}")


def test_a_member_signs_in_through_their_forces_provider_which_satisfies_mfa(
    force_a, provider, issuer, settings
):
    settings.SPMP_REQUIRE_MFA = True
    boss = make_user(force=force_a, roles=[ForceRole.SUPERVISOR], email=f"jo@{DOMAIN_A}")
    _claims(issuer, "jo-1", email=boss.email, email_verified=True, amr=["pwd", "mfa"])
    client = HostClient(DOMAIN)
    before = last_event_id(None)
    done = _sign_in(client, issuer, boss.email.upper(), "jo-1")
    assert done.status_code == 302 and done["Location"].endswith(f"{host_of(force_a)}/")
    signed_in = [e for e in events_since(None, before) if e.action == AuditAction.SIGN_IN]
    assert signed_in and signed_in[0].actor_id == boss.pk
    force_client = HostClient(host_of(force_a))
    force_client.cookies = client.cookies
    assert force_client.get("/subjects/").status_code == 200  # the provider's mfa counts


def test_without_a_second_factor_from_the_provider_mfa_is_still_asked(force_a, provider, issuer, settings):
    settings.SPMP_REQUIRE_MFA = True
    boss = make_user(force=force_a, roles=[ForceRole.SUPERVISOR], email=f"pat@{DOMAIN_A}")
    _claims(issuer, "pat-1", email=boss.email, email_verified=True, amr=["pwd"])
    client = HostClient(DOMAIN)
    assert _sign_in(client, issuer, boss.email, "pat-1").status_code == 302
    force_client = HostClient(host_of(force_a))
    force_client.cookies = client.cookies
    assert force_client.get("/subjects/").status_code == 403


def _refused(client: HostClient, before: int) -> None:
    assert client.get("/").status_code == 302  # no session: the home page sends to sign-in
    assert any(
        e.action == AuditAction.SIGN_IN_FAILED and "Single sign-on refused" in e.justification
        for e in events_since(None, before)
    )


def test_an_unverified_email_is_refused(force_a, provider, issuer):
    person = make_user(force=force_a, roles=[ForceRole.OFFICER], email=f"al@{DOMAIN_A}")
    _claims(issuer, "al-1", email=person.email, email_verified=False)
    client, before = HostClient(DOMAIN), last_event_id(None)
    response = _sign_in(client, issuer, person.email, "al-1")
    assert response.status_code == 302 and response["Location"].endswith("/sign-in/")
    _refused(client, before)


def test_no_membership_no_account(force_a, force_b, provider, issuer):
    other = make_user(force=force_b, roles=[ForceRole.OFFICER], email=f"sam@{DOMAIN_A}")
    _claims(issuer, "sam-1", email=other.email, email_verified=True)
    client, before = HostClient(DOMAIN), last_event_id(None)
    _sign_in(client, issuer, other.email, "sam-1")
    _refused(client, before)
    stranger_email = f"new@{DOMAIN_A}"
    _claims(issuer, "new-1", email=stranger_email, email_verified=True)
    _sign_in(client, issuer, stranger_email, "new-1")
    from tenants.models import User

    assert not User.objects.filter(email=stranger_email).exists()


def test_a_wrong_nonce_or_state_is_refused(force_a, provider, issuer):
    person = make_user(force=force_a, roles=[ForceRole.OFFICER], email=f"kim@{DOMAIN_A}")
    _claims(issuer, "kim-1", email=person.email, email_verified=True)

    def wrong(field):  # type: ignore[no-untyped-def]
        def tamper(client):  # type: ignore[no-untyped-def]
            session = client.session
            session[sso.PENDING_KEY] = {**session[sso.PENDING_KEY], field: "not-what-was-sent"}
            session.save()

        return tamper

    for field in ("nonce", "state"):
        client, before = HostClient(DOMAIN), last_event_id(None)
        _sign_in(client, issuer, person.email, "kim-1", tamper=wrong(field))
        _refused(client, before)


def test_a_wrong_audience_or_issuer_in_the_id_token_is_refused(force_a, provider, issuer, monkeypatch):
    """The provider signs what it is asked to: the claims our backend checks on top of the
    signature are checked here on a token the real provider issued, then altered claim by claim."""
    from mozilla_django_oidc.auth import OIDCAuthenticationBackend

    person = make_user(force=force_a, roles=[ForceRole.OFFICER], email=f"lee@{DOMAIN_A}")
    _claims(issuer, "lee-1", email=person.email, email_verified=True)
    real = OIDCAuthenticationBackend.verify_token
    for claim, value in (("aud", "someone-else"), ("iss", "http://localhost:1"), ("exp", 1)):

        def altered(self, token, _claim=claim, _value=value, **kwargs):  # type: ignore[no-untyped-def]
            return {**real(self, token, **kwargs), _claim: _value}

        monkeypatch.setattr(OIDCAuthenticationBackend, "verify_token", altered)
        client, before = HostClient(DOMAIN), last_event_id(None)
        _sign_in(client, issuer, person.email, "lee-1")
        _refused(client, before)
    monkeypatch.setattr(OIDCAuthenticationBackend, "verify_token", real)
    client = HostClient(DOMAIN)
    assert _sign_in(client, issuer, person.email, "lee-1").status_code == 302
    assert client.get("/").status_code in (200, 302)


def test_a_domain_without_a_provider_signs_in_with_a_password(force_a, provider):
    from tests.factories import PASSWORD

    person = make_user(force=force_a, roles=[ForceRole.OFFICER], email="ann@elsewhere.test")
    response = HostClient(DOMAIN).post("/sign-in/", {"username": person.email, "password": PASSWORD})
    assert response.status_code == 302 and "oauth2" not in response["Location"]


def test_a_callback_without_a_started_sign_in_is_refused(forces):
    client, before = HostClient(DOMAIN), last_event_id(None)
    response = client.get("/sign-in/sso/callback/?code=x&state=y")
    assert response.status_code == 302
    _refused(client, before)


def test_the_command_sets_a_provider_refuses_a_clash_and_logs(force_a, force_b):
    from io import StringIO

    from django.core.management import CommandError, call_command

    before = last_event_id(None)
    out = StringIO()
    call_command(
        "set_identity_provider",
        "--force",
        force_a.slug,
        "--issuer",
        "https://login.lincs.example",
        "--client-id",
        "spmp",
        "--secret-env",
        "LINCS_OIDC_SECRET",
        "--domains",
        "Lincs.Police.Test",
        stdout=out,
    )
    assert "single sign-on on" in out.getvalue()
    provider = ForceIdentityProvider.objects.get(force=force_a)
    assert provider.email_domains == [DOMAIN_A] and provider.client_secret_env == "LINCS_OIDC_SECRET"
    assert any("Single sign-on of" in e.justification for e in events_since(None, before))
    with pytest.raises(CommandError, match="already has"):
        call_command(
            "set_identity_provider",
            *("--force", force_b.slug, "--issuer", "https://b.example", "--client-id", "x"),
            *("--secret-env", "B", "--domains", DOMAIN_A),
            stdout=StringIO(),
        )
    with pytest.raises(CommandError, match="https"):
        call_command(
            "set_identity_provider",
            *("--force", force_b.slug, "--issuer", "http://b.example", "--client-id", "x"),
            *("--secret-env", "B", "--domains", "b.test"),
            stdout=StringIO(),
        )
    call_command("set_identity_provider", "--force", force_a.slug, "--disable", stdout=StringIO())
    assert sso.provider_for_email(f"x@{DOMAIN_A}") is None
