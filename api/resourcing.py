"""The regional resourcing report over the API (/api/v1/region/report/ on the regional host)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from resourcing import report

from .permissions import RegionalPermission


class RegionReportView(APIView):
    """Every force of a region side by side with totals, from the nightly snapshots (numbers only).

    Regional administrators and analysts read their own regions (another region: 404); platform
    administrators any region, or ``region=all``. The scenario parameters recompute demand.
    """

    permission_classes = [RegionalPermission]
    regional_roles = report.REPORT_ROLES

    @extend_schema(
        summary="The regional resourcing report (what-if scenario optional).",
        parameters=[
            OpenApiParameter(
                "region",
                str,
                description="Region slug (default: your first); 'all' for platform administrators.",
            ),
            OpenApiParameter("plan_all", bool, description="Plan for every subject under every order type."),
            OpenApiParameter("growth", float, description="Caseload growth in per cent (more than -100)."),
            OpenApiParameter(
                "visit_share",
                int,
                description="Share of visits response and neighbourhood teams take (0-100).",
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        found, region = report.resolve_region(request.user, request.query_params.get("region"))
        if not found:
            raise exceptions.NotFound("Not found.")
        try:
            scenario = report.parse_scenario(request.query_params)
        except DjangoValidationError:
            raise
        result = report.region_report(region, today=timezone.localdate(), scenario=scenario)
        return Response(result.as_dict())
