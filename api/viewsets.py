"""The one base for force-data API endpoints: scoping, permissions, reasons for access, audit.

How to add an endpoint for a force model
----------------------------------------
1. The model's queryset is a ``core.scoping.ForceScopedQuerySet`` declaring its actions, like
   ``subjects.models.SubjectQuerySet``; the model has a ``uuid`` field.
2. Write a serializer with ``api.serializers.StrictFieldsMixin`` first in its bases (unknown or
   read-only fields in a write are a 400, not silently ignored).
3. Subclass ``ForceModelViewSet`` (or ``ForceReadOnlyViewSet``)::

       class WidgetViewSet(ForceModelViewSet):
           queryset = Widget.objects.all()
           serializer_class = WidgetSerializer
           required_permissions = {"list": Perm.VIEW_X, "retrieve": Perm.VIEW_X,
                                   "create": Perm.CHANGE_X, "update": Perm.CHANGE_X,
                                   "partial_update": Perm.CHANGE_X, "destroy": Perm.DELETE_X}

           def get_base_queryset(self):          # select_related / prefetch_related here,
               return super().get_base_queryset().prefetch_related("parts")   # never scoping

           def perform_create(self, serializer):  # call the service; it writes the audit event
               serializer.instance = services.create_widget(actor=self.request.user,
                                                            **serializer.validated_data)

   Do not override ``get_queryset``: the base applies ``restrict(user, action, force=...)`` there
   and refuses (TypeError at import) a subclass that overrides it. ``perform_create/update/destroy`` must be written:
   the base refuses to save through the serializer, which would bypass the services and the audit.
4. Reads are audited by the base: ``retrieve`` asks for ``X-Access-Reason`` (see
   ``reason_headers``) and calls ``audit_retrieve``; ``list`` calls ``audit_list`` once per page
   with the objects shown. Override those two to call your app's audit service (as subjects do).
5. Register it in ``api/urls.py`` with ``router.register("widgets", WidgetViewSet, basename="widget")``
   and reuse ``tests/api/base.py`` (``ForceEndpointContract``) for its tests.

What callers get: anonymous 401; a non-member of the host's force 404 (also every force endpoint on
the regional host); a member without the permission 403 (logged as permission-denied); bad input a
400 with ``{"code", "detail", "fields"}`` (see ``api.errors``); never a 500 for bad input.
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import models, transaction
from rest_framework import mixins, viewsets
from rest_framework.response import Response

from audit.services import AuditAction, RecordType, record_event, route_of
from core.scoping import scoped_queryset_class
from core.tenancy import host_force

from .errors import AccessReasonRequired, ErasureReasonRequired
from .permissions import ForcePermission

REASON_MAX_LENGTH = 500


@dataclass(frozen=True)
class ReasonHeader:
    """A request header carrying a person's reason (for access, for erasure), required by an action."""

    name: str
    description: str
    error: type[AccessReasonRequired]
    max_length: int = REASON_MAX_LENGTH

    def read(self, request: Any) -> str:
        """The reason given, stripped; raises the 400 ``error`` when it is missing or unusable."""
        raw = request.headers.get(self.name)
        if raw is None:
            raise self.error(header=self.name)
        # WSGI hands headers over as latin-1; a client sending UTF-8 means UTF-8.
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            raw = raw.encode("latin-1").decode("utf-8")
        reason = raw.strip()
        if not reason:
            raise self.error(
                f"The {self.name} header is blank; say why you need this record.", header=self.name
            )
        if len(reason) > self.max_length:
            raise self.error(
                f"Keep the reason in {self.name} to {self.max_length} characters or fewer "
                f"(it has {len(reason)}).",
                header=self.name,
            )
        if any(unicodedata.category(c) == "Cc" for c in reason):
            raise self.error(f"The {self.name} header contains control characters.", header=self.name)
        return reason


ACCESS_REASON = ReasonHeader(
    name="X-Access-Reason",
    description="Why you are opening this case file (recorded in the access log). Required.",
    error=AccessReasonRequired,
)
ERASURE_REASON = ReasonHeader(
    name="X-Erasure-Reason",
    description="Why this record is being erased (recorded in the access log). Required.",
    error=ErasureReasonRequired,
)


class ForceViewSetMixin:
    """Scoping, permissions and audit hooks shared by the force viewsets (see module docstring)."""

    lookup_field = "uuid"
    permission_classes = [ForcePermission]
    #: DRF action -> core.roles.Perm needed; actions not listed are refused (403).
    required_permissions: ClassVar[dict[str, str]] = {}
    #: DRF action -> the ``restrict`` action that scopes its queryset (declared by the model).
    action_scopes: ClassVar[dict[str, str]] = {
        "list": "view",
        "retrieve": "view",
        "create": "change",
        "update": "change",
        "partial_update": "change",
        "destroy": "delete",
    }
    #: DRF action -> the reason header it requires.
    reason_headers: ClassVar[dict[str, ReasonHeader]] = {"retrieve": ACCESS_REASON}
    #: Fields a client may order by (``?ordering=``); none unless declared.
    ordering_fields: ClassVar[list[str]] = []
    http_method_names = ["get", "post", "put", "patch", "delete", "head"]

    queryset: models.QuerySet[Any]
    request: Any
    action: str | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__} overrides get_queryset(); override get_base_queryset() instead so "
                "the restrict() scoping cannot be lost."
            )
        queryset = cls.__dict__.get("queryset")
        if queryset is not None:
            qs_class = scoped_queryset_class(queryset.model)
            if qs_class is None:
                raise TypeError(f"{cls.__name__}: {queryset.model.__name__}'s queryset is not scoped.")
            for action in cls.required_permissions:
                qs_class.check_action(cls.action_scopes.get(action, "view"), where=f"{cls.__name__}.{action}")

    # -- scoping -----------------------------------------------------------------------------
    def get_base_queryset(self) -> models.QuerySet[Any]:
        """The unscoped queryset with its joins and prefetches. Override this, not get_queryset."""
        return self.queryset.all()

    def get_queryset(self) -> models.QuerySet[Any]:
        scope = self.action_scopes.get(self.action or "", "view")
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user, no force
            return self.get_base_queryset().none()
        force = host_force(self.request)
        return self.get_base_queryset().restrict(self.request.user, scope, force=force)  # type: ignore[attr-defined]

    # -- reasons and audit -------------------------------------------------------------------
    def reason_for(self, action: str) -> str:
        header = self.reason_headers.get(action)
        return header.read(self.request) if header else ""

    def audit_object_type(self) -> RecordType:
        return RecordType.for_model(self.queryset.model)

    def update_through(
        self,
        serializer: Any,
        update: Callable[[Any], Any],
        snapshot: Callable[[Any], Any],
    ) -> None:
        """Save an update through its service, ``update(instance) -> instance``.

        The service logs an alteration only when ``snapshot`` changed; an update that changed
        nothing logged nothing, yet the response still shows the record, so it logs one consult.
        """
        before = snapshot(serializer.instance)
        instance = update(serializer.instance)
        if snapshot(instance) == before:
            record_event(
                action=AuditAction.CONSULT,
                object_type=self.audit_object_type(),
                object_ids=[instance.uuid],
                justification="Returned by an API update that changed nothing",
                actor=self.request.user,
            )
        serializer.instance = instance

    def audit_retrieve(self, instance: Any, reason: str) -> None:
        """One consult event for opening one record, with the reason given."""
        record_event(
            action=AuditAction.CONSULT,
            object_type=self.audit_object_type(),
            object_ids=[instance.uuid],
            justification=reason,
            actor=self.request.user,
        )

    def audit_list(self, objects: list[Any]) -> None:
        """One consult event naming every record a list response shows (none when empty)."""
        if objects:
            record_event(
                action=AuditAction.CONSULT,
                object_type=self.audit_object_type(),
                object_ids=[o.uuid for o in objects],
                justification=f"API list {route_of(self.request._request)[0]}",
                actor=self.request.user,
            )

    def prepare_list(self, objects: list[Any]) -> None:
        """Give the rows of one list response what their serializer reads beyond the queryset
        (e.g. the caseload's orders), in a constant number of queries. Default: nothing."""

    # -- reads -------------------------------------------------------------------------------
    def list(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())  # type: ignore[attr-defined]
        page = self.paginate_queryset(queryset)  # type: ignore[attr-defined]
        objects = list(page) if page is not None else list(queryset)
        self.prepare_list(objects)
        self.audit_list(objects)
        data = self.get_serializer(objects, many=True).data  # type: ignore[attr-defined]
        if page is not None:
            return self.get_paginated_response(data)  # type: ignore[attr-defined]
        return Response(data)

    def retrieve(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        # The reason comes first: no case data is read before the officer has said why.
        reason = self.reason_for("retrieve")
        instance = self.get_object()  # type: ignore[attr-defined]
        self.audit_retrieve(instance, reason)
        return Response(self.get_serializer(instance).data)  # type: ignore[attr-defined]


class ForceReadOnlyViewSet(ForceViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[misc]
    """List and detail of a force model, scoped and audited."""


class ForceModelViewSet(  # type: ignore[misc]
    ForceViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """List, detail, create, update and delete of a force model through its services."""

    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():
            return super().create(request, *args, **kwargs)

    def update(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():
            return super().update(request, *args, **kwargs)

    def destroy(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        reason = self.reason_for("destroy")
        with transaction.atomic():
            instance = self.get_object()
            self.perform_erase(instance, reason)
        return Response(status=204)

    def perform_create(self, serializer: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__}.perform_create must call a service.")

    def perform_update(self, serializer: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__}.perform_update must call a service.")

    def perform_erase(self, instance: Any, reason: str) -> None:
        raise NotImplementedError(f"{type(self).__name__}.perform_erase must call a service.")
