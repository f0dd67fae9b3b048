"""The force's practice settings over the API (/api/v1/practice-settings/), through organisation.practice."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.serializers import as_serializer_error

from core.roles import Perm
from organisation.choices import IntervalUnit, RiskLevel, SubjectCondition
from organisation.models import PracticeSettings
from organisation.models.settings import DEMAND_FIELDS, MAX_DEMAND_MINUTES
from organisation.practice import (
    COMPLIANCE_FIELDS,
    COMPLIANCE_LIMITS,
    REMINDER_FIELDS,
    review_field,
    update_practice_settings,
    visit_field,
)

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


class VisitIntervalsField(serializers.DictField):
    def get_attribute(self, instance: PracticeSettings) -> dict[str, dict[str, Any] | None]:
        given = {i.risk_level: {"every": i.every, "unit": i.unit} for i in instance.visit_intervals.all()}
        return {level: given.get(level) for level in RiskLevel.values}


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
    visit_intervals = VisitIntervalsField(
        child=IntervalSerializer(allow_null=True),
        required=False,
        help_text=(
            f"Risk level ({', '.join(RiskLevel.values)}) -> how often routine visits fall, or null for "
            "none at that level. Levels not given are left as they are."
        ),
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
            *COMPLIANCE_FIELDS,
            "visit_intervals",
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

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        # Plain whole numbers: the service checks the range and answers with its own codes.
        for name in COMPLIANCE_FIELDS:
            low, high = COMPLIANCE_LIMITS[name]
            fields[name] = serializers.IntegerField(
                required=False,
                help_text=f"{PracticeSettings._meta.get_field(name).help_text} ({low} to {high}).",  # type: ignore[union-attr]
            )
        return fields


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
        return PracticeSettings.objects.prefetch_related(
            "review_intervals", "scope_rules", "visit_intervals"
        ).order_by("pk")

    def perform_update(self, serializer: Any) -> None:
        data = serializer.validated_data
        reminders = {f: data[f] for f in REMINDER_FIELDS if f in data}
        minutes = {f: data[f] for f in DEMAND_FIELDS if f in data}
        compliance = {f: data[f] for f in COMPLIANCE_FIELDS if f in data}
        try:
            update_practice_settings(
                actor=self.request.user,
                review_intervals=data.get("review_intervals"),
                reminders=reminders or None,
                plan_scope=data.get("plan_scope"),
                tactical_options=data.get("tactical_options"),
                warning_markers=data.get("warning_markers"),
                demand_minutes=minutes or None,
                compliance=compliance or None,
                visit_intervals=data.get("visit_intervals"),
            )
        except DjangoValidationError as exc:
            if hasattr(exc, "error_dict"):
                raise serializers.ValidationError(_settings_errors(as_serializer_error(exc))) from exc
            raise
        serializer.instance = self.get_base_queryset().get(pk=serializer.instance.pk)


def _settings_errors(errors: dict[str, Any]) -> dict[str, Any]:
    """Service error keys (review_very_high, visit_low, ...) as the API's nested field names; each
    message keeps the service's code (``organisation.errors.PracticeError``)."""
    by_field: dict[str, Any] = {}
    nested = {review_field(level): ("review_intervals", level) for level in RiskLevel.values}
    nested.update({visit_field(level): ("visit_intervals", level) for level in RiskLevel.values})
    for key, details in errors.items():
        if key in nested:
            parent, level = nested[key]
            by_field.setdefault(parent, {})[level] = details
        elif key in ("review_intervals", "visit_intervals"):
            # An unknown risk level: beside the levels' own errors, not in place of them.
            by_field.setdefault(key, {})["non_field_errors"] = details
        else:
            by_field[key] = details
    return by_field
