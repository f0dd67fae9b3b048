"""The client's address: the one used by the lockout (django-axes) and written to the audit log.

Behind the chart's ingress every request arrives from the ingress's own address, so REMOTE_ADDR
alone would put every client in one lockout bucket and make the log's address useless. Each proxy
appends the address of whoever connected to it to ``X-Forwarded-For``; everything to the left of
what our own proxies wrote was written by the client and proves nothing. With
``TRUSTED_PROXY_COUNT = n`` the client is therefore the n-th entry from the right (the address
our outermost proxy saw); with 0 (the default, and the demo) the header is ignored altogether.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The address of the client as seen by the outermost trusted proxy (or by us, with none)."""
    remote = _valid(request.META.get("REMOTE_ADDR") or "")
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = [e.strip() for e in header.split(",") if e.strip()]
    if not entries:
        # Not through the proxies (a probe from inside the cluster): the connection is all we know.
        return remote
    # Fewer entries than proxies: the request entered below the outermost proxy; the leftmost
    # entry was still written by one of ours.
    chosen = entries[-min(trusted, len(entries))]
    # Our proxies write addresses; anything else means the header is not what we were told.
    return _valid(chosen) or remote
