"""Order types over the API (/api/v1/order-types/), read-only: platform administrators maintain them."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from core.roles import Perm
from statute.models import OrderType

from .viewsets import ForceReadOnlyViewSet


class OrderTypeSerializer(serializers.ModelSerializer):
    interim_of: serializers.SlugRelatedField[OrderType] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="For an interim order type: the full type's code."
    )

    class Meta:
        model = OrderType
        fields = [
            "uuid",
            "code",
            "name",
            "law",
            "minimum_duration_months",
            "minimum_duration_is_statutory",
            "duration_notes",
            "notification_required",
            "notification_days",
            "notification_trigger",
            "notification_notes",
            "interim_of",
            "maximum_duration_months",
            "notify_on_name_change",
            "notify_on_address_change",
            "notify_on_no_home_address",
            "suspended_while_registered",
            "none_when_replacing_notified_interim",
            "offence_codes",
            "is_active",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="Order types and their statutory rules (the same for every force)."),
    retrieve=extend_schema(summary="One order type and its statutory rules."),
)
class OrderTypeViewSet(ForceReadOnlyViewSet):
    queryset = OrderType.objects.all()
    serializer_class = OrderTypeSerializer
    reason_headers: ClassVar[dict[str, Any]] = {}
    filterset_fields = ["code", "is_active", "notification_required"]
    required_permissions = {"list": Perm.VIEW_SETTINGS, "retrieve": Perm.VIEW_SETTINGS}

    def get_base_queryset(self) -> models.QuerySet[OrderType]:
        return OrderType.objects.select_related("interim_of")
