"""Building URLs on the regional host and on force hosts (one host per force)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from .tenancy import ForceLike


def _origin(request: HttpRequest | None, host: str) -> str:
    scheme = request.scheme if request is not None else ("https" if settings.PRODUCTION else "http")
    port = ""
    if request is not None:
        req_port = request.get_port()
        if req_port and req_port not in ("80", "443"):
            port = f":{req_port}"
    return f"{scheme}://{host}{port}"


def force_host(force: ForceLike) -> str:
    return f"{force.slug}.{settings.SPMP_DOMAIN}"


def force_url(request: HttpRequest | None, force: ForceLike, path: str = "/") -> str:
    return _origin(request, force_host(force)) + path


def regional_url(request: HttpRequest | None, path: str = "/") -> str:
    return _origin(request, settings.SPMP_DOMAIN) + path
