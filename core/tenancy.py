"""Which force? Answered here, once, typed: the force of a request's host or of the active schema.

A force is django-tenants' tenant model (``tenants.Force``); ``core`` imports no app, so it is typed
by the ``ForceLike`` protocol. Code that must work outside a request (jobs, ``schema_context``) is
handed the force explicitly and never asks the connection (see ``core.scoping``).
"""

from __future__ import annotations

from typing import Any, Protocol, cast

from django.db import connection
from django.http import HttpRequest


class ForceLike(Protocol):
    """What the kernel needs of a force (``tenants.Force``)."""

    pk: Any
    slug: str
    name: str
    schema_name: str

    @property
    def is_platform(self) -> bool: ...


def _as_force(tenant: Any) -> ForceLike | None:
    if tenant is None or getattr(tenant, "is_platform", True):
        return None
    return cast(ForceLike, tenant)


def current_force() -> ForceLike | None:
    """The force whose schema the connection is on, or None on the regional platform.

    Inside ``schema_context()`` django-tenants installs a stand-in tenant without a slug: that is
    None here too, which is why scoping takes the force as an argument instead.
    """
    tenant = getattr(connection, "tenant", None)
    if not hasattr(tenant, "slug"):
        return None
    return _as_force(tenant)


def host_force(request: HttpRequest) -> ForceLike | None:
    """The force whose host ``request`` came to, or None on the regional host."""
    return _as_force(getattr(request, "tenant", None))


def is_regional_host(request: HttpRequest) -> bool:
    return host_force(request) is None


def force_slug() -> str:
    """The active force's slug, or "" on the regional platform (the audit log's actor_force)."""
    force = current_force()
    return force.slug if force is not None else ""


def use_public_schema() -> None:
    """Point the connection at the public schema (the regional platform)."""
    cast(Any, connection).set_schema_to_public()


def current_schema() -> str:
    return str(cast(Any, connection).schema_name)


def permissions_in(user: Any, force: ForceLike | None) -> frozenset[str]:
    """The force permissions ``user`` holds in ``force`` (none for anonymous or no force)."""
    if force is None or user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(user.force_permissions(force))


def current_force_permissions(user: Any) -> frozenset[str]:
    """Force permissions ``user`` holds in the active force (empty on the regional host)."""
    return permissions_in(user, current_force())


def has_force_permission(user: Any, perm: str) -> bool:
    return perm in current_force_permissions(user)


def active_force() -> ForceLike:
    """The force whose schema is active, also inside ``schema_context`` (jobs, seeds, tests),
    where ``current_force()`` answers None. Raises ``RuntimeError`` on the public schema."""
    from django_tenants.utils import get_tenant_model

    force = current_force()
    if force is None:
        found = get_tenant_model().objects.filter(schema_name=current_schema()).first()
        force = _as_force(found)
    if force is None:
        raise RuntimeError("This belongs to a force: activate the force's schema first.")
    return force
