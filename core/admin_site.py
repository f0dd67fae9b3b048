"""The Django admin behind two-factor (issue 17, item 2).

With ``SPMP_REQUIRE_MFA`` on, a staff member reaches no admin page (the index, a list, a record, an
action, the password change) until they have passed a second factor in this session (TOTP, or a
force identity provider that asserted one: ``core.mfa.is_verified``). Until then every admin URL,
the admin's own sign-in page included once they are signed in, redirects them to the regional
host's ``/account/two-factor/verify/`` (or ``/account/two-factor/`` to enrol first) and back.
django-otp's ``OTPAdminSite`` would put a token field on the admin's sign-in form instead: a
second, different flow from the one the rest of the platform uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect

from .mfa import is_verified, mfa_link

_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])


def admin_mfa_missing(request: HttpRequest) -> bool:
    """A signed-in staff member who has not passed a second factor, while it is required."""
    user = getattr(request, "user", None)
    return bool(
        getattr(settings, "SPMP_REQUIRE_MFA", False)
        and user is not None
        and user.is_active
        and user.is_staff
        and not is_verified(request, user)
    )


class MfaAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and not admin_mfa_missing(request)

    def admin_view(self, view: _View, cacheable: bool = False) -> _View:
        wrapped = super().admin_view(view, cacheable)

        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if admin_mfa_missing(request):
                return HttpResponseRedirect(mfa_link(request, request.user))
            return wrapped(request, *args, **kwargs)

        inner.__dict__.update(wrapped.__dict__)
        return cast(_View, inner)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if admin_mfa_missing(request):
            return HttpResponseRedirect(mfa_link(request, request.user))
        return super().login(request, extra_context)


class MfaAdminConfig(AdminConfig):
    """``django.contrib.admin`` with :class:`MfaAdminSite` as ``admin.site``."""

    default_site = "core.admin_site.MfaAdminSite"
