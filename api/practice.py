"""The force's practice settings over the API (/api/v1/practice-settings/), through organisation.practice."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from core.roles import Perm
from organisation.choices import IntervalUnit, RiskLevel, SubjectCondition
from organisation.models import PracticeSettings
from organisation.models.settings import DEMAND_FIELDS, MAX_DEMAND_MINUTES
from organisation.practice import REMINDER_FIELDS, review_field, update_practice_settings

from .serializers import StrictFieldsMixin, WholeItemSerializer
from .viewsets import ForceModelViewSet


class IntervalSerializer(WholeItemSerializer):
    every = serializers.IntegerField(
        help_text="How many units between reviews (more than zero, up to 5 years)."
    )
    unit = serializers.ChoiceField(choices=IntervalUnit.choices)


class ReviewIntervalsField(serializers.DictField):
    def get_attribute(self, instance: PracticeSettings) -> dict[str, dict[str, Any]]:
        return {i.risk_level: {"every": i.every, "unit": i.unit} for i in instance.review_intervals.all()}


class PlanScopeField(serializers.DictField):
    def get_attribute(self, instance: PracticeSettings) -> dict[str, str]:
        return {r.order_type_code: r.subject_condition for r in instance.scope_rules.all()}


class PracticeSettingsSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """The force's practice. A write changes only the parts given; ``plan_scope`` replaces the whole scope."""

    review_intervals = ReviewIntervalsField(
        child=IntervalSerializer(),
        required=False,
        help_text=f"Risk level ({', '.join(RiskLevel.values)}) -> interval.",
    )
    plan_scope = PlanScopeField(
        child=serializers.ChoiceField(choices=SubjectCondition.choices),
        required=False,
        help_text="Order type code (see /order-types/) -> which subjects under it need a plan.",
    )
    tactical_options = serializers.ListField(
        child=serializers.CharField(max_length=120), required=False, max_length=100
    )
    warning_markers = serializers.ListField(
        child=serializers.CharField(max_length=120), required=False, max_length=100
    )

    class Meta:
        model = PracticeSettings
        fields = [
            "uuid",
            "review_intervals",
            *REMINDER_FIELDS,
            "plan_scope",
            "tactical_options",
            "warning_markers",
            *DEMAND_FIELDS,
            "updated_at",
        ]
        read_only_fields = ["uuid", "updated_at"]
        extra_kwargs = {
            **{f: {"required": False, "validators": []} for f in REMINDER_FIELDS},
            **{
                f: {"required": False, "validators": [], "min_value": 1, "max_value": MAX_DEMAND_MINUTES}
                for f in DEMAND_FIELDS
            },
        }


@extend_schema_view(
    list=extend_schema(summary="This force's practice settings (one record)."),
    update=extend_schema(summary="Change the practice settings; they apply to schedules made from now on."),
    partial_update=extend_schema(summary="Change some practice settings; they apply to new schedules."),
)
class PracticeSettingsViewSet(ForceModelViewSet):
    """The force's single practice-settings record, as a list of one so it has a UUID like the rest."""

    queryset = PracticeSettings.objects.all()
    serializer_class = PracticeSettingsSerializer
    reason_headers: ClassVar[dict[str, Any]] = {}
    http_method_names = ["get", "put", "patch", "head", "options"]
    required_permissions = {
        "list": Perm.VIEW_SETTINGS,
        "retrieve": Perm.VIEW_SETTINGS,
        "update": Perm.MANAGE_SETTINGS,
        "partial_update": Perm.MANAGE_SETTINGS,
    }

    def get_base_queryset(self) -> models.QuerySet[PracticeSettings]:
        return PracticeSettings.objects.prefetch_related("review_intervals", "scope_rules").order_by("pk")

    def perform_update(self, serializer: Any) -> None:
        data = serializer.validated_data
        reminders = {f: data[f] for f in REMINDER_FIELDS if f in data}
        minutes = {f: data[f] for f in DEMAND_FIELDS if f in data}
        try:
            update_practice_settings(
                actor=self.request.user,
                review_intervals=data.get("review_intervals"),
                reminders=reminders or None,
                plan_scope=data.get("plan_scope"),
                tactical_options=data.get("tactical_options"),
                warning_markers=data.get("warning_markers"),
                demand_minutes=minutes or None,
            )
        except Exception as exc:
            from django.core.exceptions import ValidationError as DjangoValidationError

            if isinstance(exc, DjangoValidationError) and hasattr(exc, "error_dict"):
                raise serializers.ValidationError(_settings_errors(exc.message_dict)) from exc
            raise
        serializer.instance = self.get_base_queryset().get(pk=serializer.instance.pk)


def _settings_errors(message_dict: dict[str, list[str]]) -> dict[str, Any]:
    """Service error keys (review_very_high, ...) as the API's nested field names."""
    by_field: dict[str, Any] = {}
    fields_of_level = {review_field(level): level for level in RiskLevel.values}
    for key, messages in message_dict.items():
        if key in fields_of_level:
            by_field.setdefault("review_intervals", {})[fields_of_level[key]] = messages
        else:
            by_field[key] = messages
    return by_field
