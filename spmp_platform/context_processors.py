"""Template context shared by every page: the platform, the current force and my forces."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict[str, Any]:
    """``current_force`` only for its members: a refused (404) page must not name the force."""
    from core.hosts import force_url, regional_url

    tenant = getattr(request, "tenant", None)
    host_force = tenant if tenant is not None and not tenant.is_platform else None
    user = getattr(request, "user", None)
    force = None
    my_forces: list[tuple[Any, str]] = []
    perms: frozenset[str] = frozenset()
    if user is not None and user.is_authenticated:
        my_forces = [(f, force_url(request, f)) for f in user.active_forces().order_by("name")]
        if host_force is not None and user.membership_in(host_force) is not None:
            force = host_force
            perms = user.force_permissions(host_force)
    return {
        "platform_name": "SPMP platform",
        "spmp_domain": settings.SPMP_DOMAIN,
        "current_force": force,
        # A force host answering a non-member (404): show no navigation at all, of either kind.
        "refused_force_host": host_force is not None and force is None,
        "my_forces": my_forces,
        "force_perms": perms,
        "regional_home_url": regional_url(request, "/"),
    }
