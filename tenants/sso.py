"""Single sign-on per force: OpenID Connect (mozilla-django-oidc) with the provider chosen per request.

A ``ForceIdentityProvider`` names a force's provider (issuer, client id, the *name* of the variable
holding the secret, email domains). The sign-in page sends someone whose email domain has a
provider to ``start`` (state and nonce kept in the session), the provider sends them back to
``callback``, and ``ForceOIDCBackend`` exchanges the code, checks the ID token (signature from the
provider's keys, audience, issuer, expiry, nonce) and maps the verified email to an existing person
who is an active member of that force: no membership, no account, nothing created. A provider that
asserts a second factor (``amr`` with ``mfa``, ``otp``, ``hwk``, ``sc`` or ``swk``, or an ``acr``)
satisfies two-factor sign-in (``core.mfa.OIDC_MFA_SESSION_KEY``). Every refusal is logged
(``sign-in-failed``) and starts no session.
"""

from __future__ import annotations

import os
import time
from typing import Any
from urllib.parse import urlencode

import requests
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.urls import reverse
from django.utils.crypto import get_random_string
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import absolutify

from .models import ForceIdentityProvider, Membership, User

PENDING_KEY = "spmp_oidc_pending"
MFA_METHODS = frozenset({"mfa", "otp", "hwk", "sc", "swk", "totp"})
DISCOVERY_SECONDS = 3600


class SsoRefused(Exception):
    """A sign-in through a provider that must not start a session (the message is for the log)."""


def set_identity_provider(
    *,
    force_slug: str,
    issuer: str | None,
    client_id: str | None,
    client_secret_env: str | None,
    domains: list[str] | None,
    enabled: bool = True,
) -> ForceIdentityProvider:
    """Create or change a force's provider (missing values keep the current ones); logged in the
    platform's log. Refuses an incomplete provider and a domain another force's provider has."""
    from audit.choices import RecordType
    from audit.services import AuditAction, record_event

    from .models import Force

    force = Force.objects.filter(slug=force_slug).first()
    if force is None or force.is_platform:
        raise ValueError(f"No onboarded force with the slug '{force_slug}'.")
    provider = ForceIdentityProvider.objects.filter(force=force).first() or ForceIdentityProvider(force=force)
    for field, value in (
        ("issuer", issuer),
        ("client_id", client_id),
        ("client_secret_env", client_secret_env),
    ):
        if value:
            setattr(provider, field, value.strip())
    if domains:
        provider.email_domains = domains
    provider.enabled = enabled
    missing = [f for f in ("issuer", "client_id", "client_secret_env") if not getattr(provider, f)]
    if missing or not provider.email_domains:
        raise ValueError(f"A provider needs {', '.join(missing or ['domains'])}.")
    if not provider.issuer.startswith(("https://", "http://localhost", "http://127.0.0.1")):
        raise ValueError("The issuer must be an https:// URL.")
    clash = ForceIdentityProvider.objects.exclude(force=force).filter(
        email_domains__overlap=provider.email_domains
    )
    if clash.exists():
        raise ValueError("Another force's provider already has one of these email domains.")
    provider.save()
    record_event(
        action=AuditAction.ALTER,
        object_type=RecordType.FORCE,
        object_ids=[force.uuid],
        changed_fields=["identity_provider"],
        justification=f"Single sign-on of {force.slug} set: issuer {provider.issuer}, "
        f"domains {', '.join(provider.email_domains)}, {'on' if enabled else 'off'}",
    )
    return provider


def provider_for_email(email: str) -> ForceIdentityProvider | None:
    domain = email.rsplit("@", 1)[-1].strip().lower() if "@" in (email or "") else ""
    if not domain:
        return None
    return (
        ForceIdentityProvider.objects.filter(enabled=True, email_domains__contains=[domain])
        .select_related("force")
        .first()
    )


def _issuer(value: str) -> str:
    return value.rstrip("/")


def discovery(provider: ForceIdentityProvider) -> dict[str, Any]:
    """The provider's OpenID configuration (cached an hour)."""
    key = f"spmp-oidc-discovery:{_issuer(provider.issuer)}"
    found = cache.get(key)
    if found is None:
        response = requests.get(f"{_issuer(provider.issuer)}/.well-known/openid-configuration", timeout=10)
        response.raise_for_status()
        found = response.json()
        cache.set(key, found, DISCOVERY_SECONDS)
    return dict(found)


def authorization_url(request: Any, provider: ForceIdentityProvider, next_url: str) -> str:
    """Where to send the person, with a fresh state and nonce kept in their session."""
    config = discovery(provider)
    state, nonce = get_random_string(32), get_random_string(32)
    request.session[PENDING_KEY] = {"state": state, "nonce": nonce, "provider": provider.pk, "next": next_url}
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": absolutify(request, reverse("tenants:sso-callback")),
        "scope": "openid email",
        "state": state,
        "nonce": nonce,
    }
    return f"{config['authorization_endpoint']}?{urlencode(query)}"


def asserted_mfa(claims: dict[str, Any]) -> bool:
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    acr = str(claims.get("acr") or "")
    return bool(MFA_METHODS.intersection(str(m).lower() for m in amr)) or acr not in ("", "0")


class ForceOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's code flow, configured from one ``ForceIdentityProvider`` per call.

    Called with ``provider=`` by ``callback`` only; any other ``authenticate`` (a password) passes
    through (None). ``get_user`` restores the session's person as Django's ModelBackend does.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()
        self.provider: ForceIdentityProvider | None = None
        self.id_claims: dict[str, Any] = {}

    def configure(self, provider: ForceIdentityProvider) -> None:
        config = discovery(provider)
        self.provider = provider
        self.OIDC_OP_TOKEN_ENDPOINT = config["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = config.get("userinfo_endpoint")
        self.OIDC_OP_JWKS_ENDPOINT = config["jwks_uri"]
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.OIDC_RP_CLIENT_SECRET = os.environ.get(provider.client_secret_env, "")
        self.OIDC_RP_SIGN_ALGO = "RS256"
        self.OIDC_RP_IDP_SIGN_KEY = None

    _OWN_SETTINGS: dict[str, Any] = {
        "OIDC_AUTHENTICATION_CALLBACK_URL": "tenants:sso-callback",
        "OIDC_CREATE_USER": False,
        "OIDC_USE_NONCE": True,
        "OIDC_RP_SCOPES": "openid email",
        "OIDC_TIMEOUT": 10,
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_STORE_ID_TOKEN": False,
    }

    @classmethod
    def get_settings(cls, attr: str, *args: Any) -> Any:  # type: ignore[override]
        if attr in cls._OWN_SETTINGS:
            return cls._OWN_SETTINGS[attr]
        from mozilla_django_oidc.utils import import_from_settings

        return import_from_settings(attr, *args)

    def authenticate(self, request: Any, provider: ForceIdentityProvider | None = None, **kwargs: Any) -> Any:  # type: ignore[override]
        if provider is None or request is None:
            return None
        self.configure(provider)
        return super().authenticate(request, **kwargs)

    def verify_token(self, token: str, **kwargs: Any) -> Any:
        """The signature and nonce (mozilla-django-oidc), then audience, issuer and expiry."""
        payload = super().verify_token(token, **kwargs)
        assert self.provider is not None
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if self.provider.client_id not in audiences:
            raise SuspiciousOperation("ID token for another audience")
        if _issuer(str(payload.get("iss", ""))) != _issuer(self.provider.issuer):
            raise SuspiciousOperation("ID token from another issuer")
        if float(payload.get("exp", 0)) < time.time():
            raise SuspiciousOperation("ID token expired")
        self.id_claims = dict(payload)
        return payload

    def retrieve_matching_jwk(self, token: Any) -> Any:
        """The provider's signing key for this token: by ``kid`` when the token names one, else the
        only key of the set (a provider with one key may leave ``kid`` out); the ``alg`` must match."""
        import jwt

        response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=10)
        response.raise_for_status()
        keys = list(response.json().get("keys", []))
        header = jwt.get_unverified_header(token)
        kid, alg = header.get("kid"), header.get("alg")
        if kid is None and len(keys) != 1:
            raise SuspiciousOperation("ID token names no key and the provider has several")
        found = [k for k in keys if (kid is None or k.get("kid") == kid) and k.get("alg", alg) == alg]
        if len(found) != 1:
            raise SuspiciousOperation("Could not find the provider's signing key")
        return jwt.PyJWK(found[0])

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        assert self.provider is not None
        email = str(claims.get("email") or "")
        if claims.get("email_verified") is not True:
            raise SuspiciousOperation("the provider did not verify the email address")
        domain = email.rsplit("@", 1)[-1].lower()
        if domain not in [d.lower() for d in self.provider.email_domains]:
            raise SuspiciousOperation("an email address outside the provider's domains")
        return True

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        assert self.provider is not None
        return User.objects.filter(
            email__iexact=str(claims.get("email") or ""),
            is_active=True,
            memberships__force=self.provider.force,
            memberships__status=Membership.Status.ACTIVE,
        ).distinct()

    def update_user(self, user: Any, claims: dict[str, Any]) -> Any:
        return user  # the provider changes nothing of the account

    def get_user(self, user_id: Any) -> Any:
        try:
            return self.UserModel.objects.get(pk=user_id)
        except self.UserModel.DoesNotExist:
            return None
