"""Access control in one place: who may do what in the force whose host is being used."""

from __future__ import annotations

from typing import Any

from django.db import connection


def current_force() -> Any:
    """The force whose schema is active, or None on the regional host."""
    tenant = getattr(connection, "tenant", None)
    if tenant is None or getattr(tenant, "is_platform", True):
        return None
    return tenant


def current_force_permissions(user: Any) -> frozenset[str]:
    """Force permissions ``user`` holds in the active force (empty on the regional host)."""
    force = current_force()
    if force is None or user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return user.force_permissions(force)


def has_force_permission(user: Any, perm: str) -> bool:
    return perm in current_force_permissions(user)
