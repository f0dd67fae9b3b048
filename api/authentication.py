"""API authentication: session (browser, CSRF-checked) and host-scoped bearer tokens."""

from __future__ import annotations

from rest_framework import authentication


class SessionAuthentication(authentication.SessionAuthentication):
    """Session auth for the browser; unauthenticated requests get 401 rather than 403."""

    def authenticate_header(self, request):  # type: ignore[no-untyped-def]
        return 'Session realm="api"'


class HostTokenAuthentication(authentication.BaseAuthentication):
    """Placeholder replaced by the token model (see api.tokens)."""

    def authenticate(self, request):  # type: ignore[no-untyped-def]
        return None
