"""API authentication: session (browser, CSRF-checked) and host-scoped bearer tokens."""

from __future__ import annotations

from django.db import connection
from rest_framework import authentication, exceptions

from core import request_context
from tenants import tokens as services


class SessionAuthentication(authentication.SessionAuthentication):
    """Session auth for the browser; unauthenticated requests get 401 rather than 403."""

    def authenticate_header(self, request):  # type: ignore[no-untyped-def]
        return 'Session realm="api"'


class TokenAuthenticationFailed(exceptions.AuthenticationFailed):
    default_code = "invalid_token"


class HostTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <secret>``: a live token issued on this very host.

    A token issued on another host is refused (401), not ignored: a client that sends the wrong
    token should be told so rather than silently treated as anonymous.
    """

    keyword = "Bearer"

    def authenticate(self, request):  # type: ignore[no-untyped-def]
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise TokenAuthenticationFailed("Send the token as 'Authorization: Bearer <token>'.")
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise TokenAuthenticationFailed("The token contains characters a token never has.") from exc
        tenant = getattr(request, "tenant", None) or getattr(connection, "tenant", None)
        # One statement: the token, its user and the user's active membership of this host's force.
        token = services.find_token(secret, force=tenant)
        if token is None:
            raise TokenAuthenticationFailed("The token is not valid.")
        if token.revoked_at is not None:
            raise TokenAuthenticationFailed("The token has been revoked.")
        if not token.is_live:
            raise TokenAuthenticationFailed("The token has expired; ask for a new one.")
        if token.host != services.host_label(tenant):
            raise TokenAuthenticationFailed(
                "The token was issued for another host; tokens work only on the host that issued them."
            )
        if not token.user.is_active:
            raise TokenAuthenticationFailed("The token's account cannot sign in.")
        services.mark_used(token)
        request_context.publish_user(token.user)
        return token.user, token

    def authenticate_header(self, request):  # type: ignore[no-untyped-def]
        return f'{self.keyword} realm="api"'
