"""Scoped rate limits of the API (DRF throttles), counted in the shared cache (``CACHE_URL``).

The counters live in Django's default cache, whose keys go through ``django_tenants.cache.make_key``
(the force's schema is part of every key), so with Redis a limit holds across every worker and pod,
and each force's host counts apart. Rates come from ``settings.API_THROTTLE_RATES`` on each request
(``None``: no limit). Over the limit: 429 ``throttled`` with ``Retry-After``.

- ``token_issue``: ``POST /api/v1/auth/token/`` per client address (the trusted proxy's, as
  django-axes and the audit log take it): slows password guessing on top of axes' lockout.
- ``subject_search``: the subject list with a search term (``search``, ``pnc_id``, ``vrm``,
  ``imei``, ``handle``, ``date_of_birth``) per person: bulk look-ups of who is on the register.
"""

from __future__ import annotations

from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

SEARCH_PARAMETERS = ("search", "pnc_id", "vrm", "imei", "handle", "date_of_birth")


class SettingsRateThrottle(SimpleRateThrottle):
    """A scoped throttle whose rate is read from ``settings.API_THROTTLE_RATES`` when it is made."""

    def get_rate(self) -> str | None:
        return dict(getattr(settings, "API_THROTTLE_RATES", {})).get(self.scope)


class TokenIssueThrottle(SettingsRateThrottle):
    scope = "token_issue"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        address = get_client_ip_address(request._request) or "unknown"
        return self.cache_format % {"scope": self.scope, "ident": address}


class SubjectSearchThrottle(SettingsRateThrottle):
    scope = "subject_search"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if getattr(view, "action", None) != "list":
            return None
        if not any(request.query_params.get(name) for name in SEARCH_PARAMETERS):
            return None  # the plain list is not a search
        if not request.user.is_authenticated:
            return None  # answered 401 anyway
        # The public id: a primary key comes back when a test database is made anew, a UUID never.
        return self.cache_format % {
            "scope": self.scope,
            "ident": getattr(request.user, "uuid", request.user.pk),
        }
