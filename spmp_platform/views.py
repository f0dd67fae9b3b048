"""The base of every force page: sign-in, one permission, and scoping applied in one place.

Use ``ForcePageMixin`` first in the bases of any class-based view of a force host::

    class SubjectDetailView(ForcePageMixin, DetailView):
        model = Subject
        permission = Perm.VIEW_SUBJECT   # the tenants.roles.Perm the page needs
        scope_action = "view"            # passed to Model.objects.visible_to(user, action)
        case_data = True                 # shows the OFFICIAL-SENSITIVE marking
        slug_field = slug_url_kwarg = "uuid"

What it does, in this order, so that no page can forget a step:

1. anonymous: redirect to the one sign-in page on the regional host, coming back here afterwards;
2. on the regional host (no force): 404, force pages have no meaning there;
3. a member of this force without ``permission``: a PERMISSION_DENIED audit event, then 403
   (the styled page from ``spmp_platform.errors``). Non-members never get here: the
   ``ForceMembershipMiddleware`` already answered 404;
4. ``get_queryset()`` returns ``super().get_queryset().visible_to(user, scope_action)``, so list,
   detail, update and delete views (and ``get_object``) see only what this user may see.
   Override ``get_queryset`` by calling ``super().get_queryset()`` and narrowing it further;
5. the template context gets ``case_data`` (marking) and ``force`` (the current force).

Function views are not the house style for force pages; if one is unavoidable, wrap it with
``force_page(permission)`` below, which applies steps 1-3 the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from audit.services import AuditAction, record_event
from spmp_platform.access import current_force, current_force_permissions


def sign_in_redirect(request: HttpRequest) -> HttpResponseRedirect:
    """Send an anonymous visitor to the regional sign-in page, to come back to this very page."""
    from tenants.hosts import regional_url

    target = regional_url(request, reverse("tenants:sign-in"))
    return HttpResponseRedirect(f"{target}?{urlencode({'next': request.build_absolute_uri()})}")


def deny(request: HttpRequest, *, permission: str, object_type: str = "") -> PermissionDenied:
    """Log a refused attempt (who, which page, which permission was missing) and return the 403.

    The path is logged but never the query string: a search box may hold a person's name.
    """
    record_event(
        action=AuditAction.PERMISSION_DENIED,
        object_type=object_type,
        justification=f"{request.method} {request.path} needs the '{permission}' permission",
        actor=request.user,
    )
    return PermissionDenied(f"Needs {permission}")


def check_force_access(request: HttpRequest, permission: str, object_type: str = "") -> HttpResponse | None:
    """Steps 1-3 of the module docstring: a response to return early, or None to go on."""
    if not request.user.is_authenticated:
        return sign_in_redirect(request)
    if current_force() is None:
        raise Http404("Force pages exist on force hosts only.")
    if permission not in current_force_permissions(request.user):
        raise deny(request, permission=permission, object_type=object_type)
    return None


class ForcePageMixin:
    """Sign-in, one ``tenants.roles.Perm`` and ``visible_to`` scoping for a force page (see module)."""

    #: The permission (a ``tenants.roles.Perm``) this page needs. Required.
    permission: str | None = None
    #: The action passed to ``visible_to``: "view", "change" or "delete".
    scope_action: str = "view"
    #: Whether the page shows case data: shows the OFFICIAL-SENSITIVE marking.
    case_data: bool = False

    request: HttpRequest

    def _object_type(self) -> str:
        model = getattr(self, "model", None)
        return model._meta.model_name if model is not None else ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.permission:
            raise ImproperlyConfigured(f"{type(self).__name__} must set `permission` (a tenants.roles.Perm).")
        early = check_force_access(request, str(self.permission), self._object_type())
        if early is not None:
            return early
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()  # type: ignore[misc]
        if not hasattr(queryset, "visible_to"):
            raise ImproperlyConfigured(
                f"{queryset.model.__name__}'s queryset has no visible_to(user, action): "
                "force pages only list scoped models."
            )
        return queryset.visible_to(self.request.user, self.scope_action)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.setdefault("case_data", self.case_data)
        context.setdefault("force", current_force())
        return context


def force_page(permission: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorator for the rare function view of a force host: steps 1-3 of ``ForcePageMixin``.

    The view must still scope its own queries with ``visible_to``; prefer the mixin.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            early = check_force_access(request, permission)
            if early is not None:
                return early
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
