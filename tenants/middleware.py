"""Enforce "not a member of this force: 404" on every page of a force's host."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse

from audit.choices import RecordType
from audit.services import AuditAction, method_of, record_event, route_of
from core import request_context


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
