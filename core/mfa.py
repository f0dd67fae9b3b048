"""Two-factor sign-in (TOTP, django-otp): which roles need it, and the refusal when it is missing.

With ``SPMP_REQUIRE_MFA`` on (always in production), a person holding one of ``MFA_FORCE_ROLES``
in the force whose host this is, or one of ``MFA_REGIONAL_ROLES`` on the regional host, must have
passed a second factor in this session (``request.user.is_verified()``, set by django-otp's
``OTPMiddleware``) or have signed in through a force identity provider that asserted one
(``OIDC_MFA_SESSION_KEY``). An API token counts as verified: issuing it asked for the code.

``ForcePageMixin``, ``force_page``, ``RegionalPageMixin`` and the API's permission classes call
``mfa_missing``; the refusal is logged like any other (``core.pages.deny``, permission
``mfa_required``) and answered 403 with the enrolment or verification link.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from .hosts import regional_url
from .roles import ForceRole, RegionalRoleKind

MFA_REQUIRED = "mfa_required"
#: Set in the session by a single sign-on whose provider asserted a second factor (amr / acr).
OIDC_MFA_SESSION_KEY = "spmp_oidc_mfa"

MFA_FORCE_ROLES: frozenset[str] = frozenset(
    {ForceRole.SUPERVISOR, ForceRole.DISCLOSURE_OFFICER, ForceRole.AUDITOR, ForceRole.FORCE_ADMIN}
)
MFA_REGIONAL_ROLES: frozenset[str] = frozenset(
    {RegionalRoleKind.REGIONAL_ADMIN, RegionalRoleKind.PLATFORM_ADMIN}
)


def roles_need_mfa(user: Any, force: Any) -> bool:
    """Whether ``user``'s roles where they are (``force``, or None for the regional host) need MFA."""
    if not getattr(settings, "SPMP_REQUIRE_MFA", False):
        return False
    if force is not None and not getattr(force, "is_platform", False):
        membership = user.membership_in(force)
        return membership is not None and bool(MFA_FORCE_ROLES.intersection(membership.roles))
    cache = user.__dict__
    if "_mfa_regional" not in cache:
        cache["_mfa_regional"] = user.regional_roles.filter(role__in=MFA_REGIONAL_ROLES).exists()
    return bool(cache["_mfa_regional"])


def is_verified(request: HttpRequest, user: Any) -> bool:
    """A second factor in this session (TOTP, or the identity provider's), or an API token."""
    verified = getattr(user, "is_verified", None)
    if callable(verified) and verified():
        return True
    session = getattr(request, "session", None)
    return bool(session is not None and session.get(OIDC_MFA_SESSION_KEY))


def mfa_missing(request: HttpRequest, user: Any, force: Any, *, token: bool = False) -> bool:
    """True when ``user`` must pass a second factor before going on."""
    if token or not getattr(user, "is_authenticated", False):
        return False
    return roles_need_mfa(user, force) and not is_verified(request, user)


def has_device(user: Any) -> bool:
    from django_otp import user_has_device

    return bool(user_has_device(user, confirmed=True))


def mfa_link(request: HttpRequest, user: Any) -> str:
    """Where to go: verification if the person has a device, enrolment otherwise (back here after)."""
    name = "tenants:two-factor-verify" if has_device(user) else "tenants:two-factor"
    target = regional_url(request, reverse(name))
    return f"{target}?{urlencode({'next': request.build_absolute_uri()})}"


def mfa_refusal(request: HttpRequest, user: Any) -> HttpResponse:
    """The 403 page: the person's roles need a second factor; a link to set it up or use it."""
    enrolled = has_device(user)
    return render(
        request,
        "errors/mfa_required.html",
        {"mfa_link": mfa_link(request, user), "enrolled": enrolled},
        status=403,
    )
