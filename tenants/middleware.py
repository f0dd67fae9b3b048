"""Enforce "not a member of this force: 404" on every page of a force's host."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name, get_tenant_domain_model

from audit.choices import RecordType
from audit.services import AuditAction, method_of, record_event, route_of
from core import request_context
from core.tenancy import use_public_schema


def log_non_member(*, user: object, force: object, request: HttpRequest) -> None:
    """Record, in the refused force's own log, that a non-member tried one of its pages.

    The route's name and the UUIDs that parsed from it, never the path: the log is append-only
    for good, and ``/force-admin/people/<a name>/`` would keep the name in it.
    """
    route, ids = route_of(request)
    record_event(
        action=AuditAction.PERMISSION_DENIED,
        object_type=RecordType.FORCE,
        object_ids=[force.uuid, *ids],  # type: ignore[attr-defined]
        justification=f"{method_of(request)} {route}: not a member of this force",
        actor=user,
    )


class ForceMembershipMiddleware:
    """On a force host, a signed-in user without an active membership gets 404 everywhere.

    Anonymous requests pass through so that views can send them to sign in (web) or answer 401
    (API, whose token users are checked again by the API's base permission after authentication).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        force = getattr(request, "tenant", None)
        request.membership = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request_context.publish_user(user)
        if force is not None and not force.is_platform and user is not None and user.is_authenticated:
            membership = user.membership_in(force)
            if membership is None:
                log_non_member(user=user, force=force, request=request)
                raise Http404("No such page.")
            request.membership = membership  # type: ignore[attr-defined]
        return self.get_response(request)


class HostTenantMiddleware(TenantMainMiddleware):
    """django-tenants' host routing, without two statements it spent on every request.

    The stock middleware switched to ``public`` (a ``SET search_path``) to look the host up, then
    to the force (a second ``SET``). Here the lookup names the public tables explicitly, so it runs
    whatever the connection's search path; and when the connection's search path is already the
    one this force needs (set on this very connection, by the previous request for the same force;
    django-tenants forgets it on close, rollback and any other ``set_tenant``), it is not sent
    again. The schema a request runs in is still chosen from its host alone.
    """

    def get_tenant(self, domain_model, hostname):  # type: ignore[no-untyped-def]
        from .models import Force

        public = get_public_schema_name()
        forces = list(
            Force.objects.raw(
                f'SELECT f.* FROM "{public}"."{Force._meta.db_table}" f '  # noqa: S608 (model metadata)
                f'JOIN "{public}"."{domain_model._meta.db_table}" d ON d.tenant_id = f.id '
                "WHERE d.domain = %s",
                [hostname],
            )
        )
        if not forces:
            raise domain_model.DoesNotExist(hostname)
        return forces[0]

    def process_request(self, request):  # type: ignore[no-untyped-def]
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            return HttpResponseNotFound()
        domain_model = get_tenant_domain_model()
        try:
            tenant = self.get_tenant(domain_model, hostname)
        except domain_model.DoesNotExist:
            use_public_schema()
            return self.no_tenant_found(request, hostname)
        tenant.domain_url = hostname
        request.tenant = tenant
        db = cast(Any, connection)
        already = db.search_path_set_schemas if db.schema_name == tenant.schema_name else None
        db.set_tenant(tenant)
        if already and getattr(settings, "TENANT_LIMIT_SET_CALLS", False):
            db.search_path_set_schemas = already
        self.setup_url_routing(request)
        return None
