"""API permissions: host membership (404 for outsiders) and force permissions per action (403)."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, permissions

from audit.services import AuditAction, RecordType, method_of, record_event, route_of
from core.mfa import MFA_REQUIRED, mfa_link, mfa_missing
from tenants.middleware import log_non_member


class MfaRequired(exceptions.APIException):
    """The caller's roles need a second factor this session has not passed (core/mfa.py).

    Here rather than in api.errors, which imports DRF's views (this module is loaded by them)."""

    status_code = 403
    default_code = MFA_REQUIRED
    default_detail = "Your roles need two-factor sign-in: set it up or enter a code, then try again."


def host_force(request: Any) -> Any:
    """The force whose host this is, or None on the regional host."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.is_platform:
        return None
    return tenant


class HostMembership(permissions.BasePermission):
    """Authenticated, and on a force host a member of that force (else 404, as for the web).

    The ForceMembershipMiddleware already gives session users their 404, but token users are only
    known once DRF authenticates, after every middleware has run; so the check is repeated here.
    """

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False  # DRF answers 401 (NotAuthenticated) since authenticators are configured
        force = host_force(request)
        if force is not None:
            membership = user.membership_in(force)
            if membership is None:
                log_non_member(user=user, force=force, request=request._request)
                raise exceptions.NotFound("Not found.")
            request._request.membership = membership
        if mfa_missing(request._request, user, force, token=request.auth is not None):
            route, ids = route_of(request._request)
            record_event(
                action=AuditAction.PERMISSION_DENIED,
                object_ids=ids,
                justification=f"API {method_of(request._request)} {route} needs {MFA_REQUIRED}",
                actor=user,
            )
            raise MfaRequired(f"{MfaRequired.default_detail} Go to {mfa_link(request._request, user)}")
        return True


class ForcePermission(HostMembership):
    """Force endpoints: only on a force host (404 on the regional host), and the action's ``Perm``.

    The view declares ``required_permissions = {"list": Perm.VIEW_SUBJECT, ...}`` keyed by DRF
    action; an action missing from the map is refused, so a new action is closed until declared.
    A refusal is logged as a permission-denied audit event in the force's log.
    """

    message = "You do not have permission to do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        if host_force(request) is None:
            raise exceptions.NotFound("Not found.")
        if not super().has_permission(request, view):
            return False
        action = getattr(view, "action", None)
        if action is None or request.method.lower() not in view.http_method_names:
            # A method with no action on this route: let DRF answer 405, it reads and changes nothing.
            return True
        needed = getattr(view, "required_permissions", {}).get(action)
        held = request.user.force_permissions(host_force(request))
        if needed is not None and needed in held:
            return True
        model = getattr(getattr(view, "queryset", None), "model", None)
        # The route's name and the UUIDs that parsed, never the path (it may hold a name).
        route, ids = route_of(request._request)
        record_event(
            action=AuditAction.PERMISSION_DENIED,
            object_type=RecordType.for_model(model) if model is not None else None,
            object_ids=ids,
            justification=f"API {method_of(request._request)} {route} ({action}) needs "
            f"{needed or 'an undeclared permission'}",
            actor=request.user,
        )
        return False


class RegionalPermission(HostMembership):
    """Regional endpoints: only on the regional host (404 on a force host), signed in (401), and
    holding one of the view's ``regional_roles`` in some region, or platform administrator (else a
    logged 403 in the platform log). Which region the caller may read is the view's to check (404).
    """

    message = "You do not have permission to do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        if host_force(request) is not None:
            raise exceptions.NotFound("Not found.")
        if not super().has_permission(request, view):
            return False
        from core.roles import RegionalRoleKind
        from tenants.models import RegionalRole

        wanted = {*getattr(view, "regional_roles", ()), RegionalRoleKind.PLATFORM_ADMIN}
        if RegionalRole.objects.filter(user=request.user, role__in=wanted).exists():
            return True
        route, ids = route_of(request._request)
        record_event(
            action=AuditAction.PERMISSION_DENIED,
            object_ids=ids,
            justification=f"API {method_of(request._request)} {route} needs a regional role "
            f"({', '.join(sorted(str(r) for r in wanted))})",
            actor=request.user,
        )
        return False
