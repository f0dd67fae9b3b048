"""``/api/v1/audit-events/``: the force's access log for its auditors, read-only, every read logged.

The filters are the web page's (``audit.filters.AuditEventFilter``): ``subject``, ``user``, ``action``,
``object_type``, ``date_from``, ``date_to``; a bad value is a 400 naming the field. ``export/`` streams
the same filter as CSV. Each list page, detail read and export writes one CONSULT event
(object type ``audit_event``) in the force's own log.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar

from django.db import connection, models
from django.http import StreamingHttpResponse
from django.utils import timezone
from django_tenants.utils import schema_context
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import renderers, serializers
from rest_framework.decorators import action

from audit.filters import AuditEventFilter
from audit.models import AuditEvent
from audit.selectors import csv_lines
from audit.services import record_log_consulted
from core.roles import Perm

from .renderers import JSONRenderer
from .viewsets import ForceReadOnlyViewSet


class CSVRenderer(renderers.BaseRenderer):
    """Lets a client ask for ``text/csv`` (Accept header or ``?format=csv``) on the export.

    The export answers with its own streamed response; this renderer only ever renders error
    bodies, which stay JSON so a client reads them the same way as everywhere else.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if renderer_context and renderer_context.get("response") is not None:
            renderer_context["response"]["Content-Type"] = "application/json"
        return json.dumps(data).encode("utf-8") if data is not None else b""


class AuditEventSerializer(serializers.ModelSerializer):
    """One logged operation. Holds no case personal data beyond record UUIDs."""

    action_label = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "uuid",
            "occurred_at",
            "action",
            "action_label",
            "actor_uuid",
            "actor_name",
            "actor_force",
            "object_type",
            "object_ids",
            "justification",
            "recipient",
            "request_id",
            "client_address",
            "changed_fields",
            "changes",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="Search the access log, newest first (the search is itself logged)."),
    retrieve=extend_schema(summary="Read one access-log event (logged)."),
)
class AuditEventViewSet(ForceReadOnlyViewSet):
    """The access log of the force whose host this is; auditors only."""

    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    required_permissions = {"list": Perm.VIEW_AUDIT, "retrieve": Perm.VIEW_AUDIT, "export": Perm.VIEW_AUDIT}
    action_scopes = {**ForceReadOnlyViewSet.action_scopes, "export": "view"}
    # The log holds no case personal data, so reading it needs no reason for access.
    reason_headers: ClassVar[dict[str, Any]] = {}

    def get_base_queryset(self) -> models.QuerySet[AuditEvent]:
        return AuditEvent.objects.order_by("-occurred_at", "-id")

    def _filter_description(self) -> str:
        filterset = AuditEventFilter(self.request.query_params, queryset=AuditEvent.objects.none())
        return filterset.describe()

    def audit_list(self, objects: list[Any]) -> None:
        # The page actually shown, never the raw ?page= text (it is free text and the log keeps it).
        shown_page = getattr(getattr(self, "paginator", None), "page", None)
        page = shown_page.number if shown_page is not None else 1
        record_log_consulted(
            description=f"{self._filter_description()}; page {page}",
            shown=[o.uuid for o in objects],
            channel="API",
            actor=self.request.user,
        )

    def audit_retrieve(self, instance: Any, reason: str) -> None:
        record_log_consulted(
            description=f"event {instance.uuid}",
            shown=[instance.uuid],
            channel="API",
            actor=self.request.user,
        )

    @extend_schema(
        summary="Export the access log as CSV, with the same filters as the search (logged).",
        filters=True,
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The matching events, CSV."),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="export",
        renderer_classes=[JSONRenderer, CSVRenderer],
        pagination_class=None,
    )
    def export(self, request: Any) -> StreamingHttpResponse:
        queryset = self.filter_queryset(self.get_queryset())  # a bad filter raises the 400 here
        record_log_consulted(
            description=self._filter_description(), export=True, channel="API", actor=request.user
        )
        schema_name = connection.schema_name  # type: ignore[attr-defined]

        def stream() -> Iterator[str]:
            with schema_context(schema_name):  # iterated after the view returns
                yield from csv_lines(queryset)

        slug = getattr(request.tenant, "slug", "force")
        response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="access-log-{slug}-{timezone.localtime():%Y%m%d-%H%M}.csv"'
        )
        response["Cache-Control"] = "no-store"
        return response
