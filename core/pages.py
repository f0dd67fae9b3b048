"""The bases of every page: ``ForcePageMixin`` (force hosts) and ``RegionalPageMixin`` (the regional host).

Use ``ForcePageMixin`` first in the bases of any class-based view of a force host::

    class SubjectDetailView(ForcePageMixin, DetailView):
        model = Subject
        permission = Perm.VIEW_SUBJECT   # the core.roles.Perm the page needs
        scope_action = "view"            # passed to restrict(user, action, force=...)
        case_data = True                 # shows the OFFICIAL-SENSITIVE marking
        slug_field = slug_url_kwarg = "uuid"

What it does, in this order, so that no page can forget a step:

1. anonymous: redirect to the one sign-in page on the regional host, coming back here afterwards;
2. on the regional host (no force): 404, force pages have no meaning there;
3. a member of this force without ``permission``: the ``access_refused`` signal (the audit app
   logs a PERMISSION_DENIED event naming the route, never the path), then 403 (the styled page
   from ``spmp_platform.errors``). Non-members never get here: the ``ForceMembershipMiddleware``
   already answered 404. A member whose roles need a second factor they have not passed in this
   session (``core.mfa``): logged the same way (``mfa_required``), 403 with the enrolment link;
4. ``get_queryset()`` returns ``super().get_queryset().restrict(user, scope_action, force=...)``
   (``core.scoping``), so list, detail, update and delete views (and ``get_object``) see only
   what this user may see. Override ``get_queryset`` by calling ``super().get_queryset()`` and
   narrowing it further. A ``scope_action`` the model does not declare fails when the class is
   defined;
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

from .hosts import regional_url
from .mfa import MFA_REQUIRED, mfa_missing, mfa_refusal
from .scoping import ForceScopedQuerySet, scoped_queryset_class
from .signals import access_refused
from .tenancy import current_force, current_force_permissions, host_force


def sign_in_redirect(request: HttpRequest) -> HttpResponseRedirect:
    """Send an anonymous visitor to the regional sign-in page, to come back to this very page."""
    target = regional_url(request, reverse("tenants:sign-in"))
    return HttpResponseRedirect(f"{target}?{urlencode({'next': request.build_absolute_uri()})}")


def deny(request: HttpRequest, *, permission: str, object_type: str = "") -> PermissionDenied:
    """Announce a refused attempt (the audit app logs who, which route, which permission) and
    return the 403 to raise. Only the route's name and the UUIDs in its arguments are logged."""
    access_refused.send(
        sender=deny, request=request, user=request.user, permission=permission, object_type=object_type
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
    if mfa_missing(request, request.user, current_force()):
        deny(request, permission=MFA_REQUIRED, object_type=object_type)
        return mfa_refusal(request, request.user)
    return None


class ForcePageMixin:
    """Sign-in, one ``core.roles.Perm`` and ``restrict`` scoping for a force page (see module)."""

    #: The permission (a ``core.roles.Perm``) this page needs. Required.
    permission: str | None = None
    #: The action passed to ``restrict``: one the model's queryset declares ("view", "change", ...).
    scope_action: str = "view"
    #: Whether the page shows case data: shows the OFFICIAL-SENSITIVE marking.
    case_data: bool = False

    request: HttpRequest

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        model = getattr(cls, "model", None)
        if model is not None:
            qs_class = scoped_queryset_class(model)
            if qs_class is None:
                raise ImproperlyConfigured(
                    f"{cls.__name__}: {model.__name__}'s queryset is not a ForceScopedQuerySet; "
                    "force pages only show scoped models."
                )
            qs_class.check_action(cls.scope_action, where=cls.__name__)

    def _object_type(self) -> str:
        model = getattr(self, "model", None)
        return model._meta.model_name if model is not None else ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.permission:
            raise ImproperlyConfigured(f"{type(self).__name__} must set `permission` (a core.roles.Perm).")
        early = check_force_access(request, str(self.permission), self._object_type())
        if early is not None:
            return early
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()  # type: ignore[misc]
        if not isinstance(queryset, ForceScopedQuerySet):
            raise ImproperlyConfigured(
                f"{queryset.model.__name__}'s queryset is not a ForceScopedQuerySet: "
                "force pages only list scoped models."
            )
        return queryset.restrict(self.request.user, self.scope_action, force=host_force(self.request))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.setdefault("case_data", self.case_data)
        context.setdefault("force", current_force())
        return context


def force_page(permission: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorator for the rare function view of a force host: steps 1-3 of ``ForcePageMixin``.

    The view must still scope its own queries with ``restrict``; prefer the mixin.
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


class RegionalPageMixin:
    """The base of a regional-host page: sign-in, the regional host only, and one rule of who may.

    1. anonymous: to the sign-in page; 2. on a force host: 404 (regional pages have no meaning
    there); 3. ``allowed(user)`` false: the refusal is announced (logged in the platform log) and
    403. Subclasses set ``permission_name`` (what the log calls the missing right) and override
    ``allowed``.
    """

    permission_name: str = ""
    request: HttpRequest

    def allowed(self, user: Any) -> bool:
        raise NotImplementedError(f"{type(self).__name__}.allowed(user) must say who may use the page.")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return sign_in_redirect(request)
        if host_force(request) is not None:
            raise Http404("Regional pages exist on the regional host only.")
        if not self.allowed(request.user):
            raise deny(request, permission=self.permission_name or type(self).__name__)
        if mfa_missing(request, request.user, None):
            deny(request, permission=MFA_REQUIRED)
            return mfa_refusal(request, request.user)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
