"""``/api/v1/orders/``, ``/api/v1/terms/`` and ``/api/v1/notification-requirements/`` (issue 11).

Writes go through ``orders.services`` (validation with coded field errors, the audit events).
Fields fixed once a record exists (an order's subject and type, a term's order, a requirement's
order and trigger) are read-only on update; the notification made is recorded by updating the
requirement, not when creating it.

The court's decisions on an order, as on its pages: ``POST /orders/<uuid>/status/`` (appeal,
appeal decided, discharge, expiry: a legal move of ``orders.transitions``) and
``POST /orders/<uuid>/decisions/`` (a variation or renewal, while the order is in force).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import django_filters
from django.db import models, transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core.roles import Perm
from core.tenancy import host_force
from orders import services
from orders.models import (
    NotificationRequirement,
    OrderEvent,
    OrderEventKind,
    OrderStatus,
    OrderTerm,
    ProtectiveOrder,
)
from orders.transitions import DECISIONS_WHILE
from statute.models import NotificationTrigger, OrderType
from subjects.models import Subject

from .serializers import StrictFieldsMixin
from .viewsets import ForceModelViewSet

ORDER_PERMISSIONS: dict[str, str] = {
    "list": Perm.VIEW_ORDER,
    "retrieve": Perm.VIEW_ORDER,
    "create": Perm.CHANGE_ORDER,
    "update": Perm.CHANGE_ORDER,
    "partial_update": Perm.CHANGE_ORDER,
}
#: The order's extra routes: each changes the order, so each is scoped as a change.
DECISION_ACTIONS = ("status_change", "decision")


class ScopedWritesMixin:
    """Point related-record fields at what the caller may change, and fix fields per mode."""

    context: dict[str, Any]
    instance: Any
    fields: Any
    #: field -> (model, action): its queryset becomes ``model.objects.restrict(user, action, force)``.
    scoped_relations: dict[str, tuple[type[models.Model], str]] = {}
    #: Fields writable only when creating, and only when updating.
    create_only: tuple[str, ...] = ()
    update_only: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        request = self.context.get("request")
        for name, (model, scope) in self.scoped_relations.items():
            if request is not None and getattr(request, "user", None) is not None:
                self.fields[name].queryset = model.objects.restrict(  # type: ignore[attr-defined]
                    request.user, scope, force=host_force(request)
                )
        fixed = self.create_only if self.instance is not None else self.update_only
        for name in fixed:
            self.fields[name].read_only = True
            self.fields[name].required = False


# -- read-only summaries nested in an order --------------------------------------------------
class TermSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderTerm
        fields = ["uuid", "kind", "wording", "exclusion_zone", "starts_on", "ends_on"]
        read_only_fields = fields


class RequirementSummarySerializer(serializers.ModelSerializer):
    state = serializers.CharField(source="current_state", read_only=True)
    offence_code = serializers.CharField(read_only=True)

    class Meta:
        model = NotificationRequirement
        fields = [
            "uuid",
            "trigger",
            "trigger_date",
            "last_day",
            "suspended",
            "notified_on",
            "state",
            "offence_code",
        ]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderEvent
        fields = ["uuid", "kind", "occurred_on", "status_from", "status_to", "notes"]
        read_only_fields = fields


class OrderStatusChangeSerializer(StrictFieldsMixin, serializers.Serializer):
    """A court's decision or the order's end that moves its status (allowed moves: orders.transitions)."""

    status = serializers.ChoiceField(
        choices=OrderStatus.choices,
        help_text="The new status, e.g. under-appeal, discharged, expired; discharged never becomes active.",
    )
    on = serializers.DateField(
        required=False, help_text="The date of the decision (today if not given); not in the future."
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class OrderDecisionSerializer(StrictFieldsMixin, serializers.Serializer):
    """A variation or renewal: the order stays in force, the decision is kept in its history."""

    kind = serializers.ChoiceField(
        choices=[(k, OrderEventKind(k).label) for k in DECISIONS_WHILE],
        help_text="variation (made, active or under appeal) or renewal (made or active).",
    )
    on = serializers.DateField(help_text="The date of the court's decision; not in the future.")
    expires_on = serializers.DateField(
        required=False, allow_null=True, help_text="For a renewal: the new expiry date."
    )
    notes = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, help_text="What changed."
    )


class _ByOrder(django_filters.FilterSet):
    order = django_filters.UUIDFilter(field_name="order__uuid", label="The order's uuid.")


class OrderFilter(django_filters.FilterSet):
    subject = django_filters.UUIDFilter(field_name="subject__uuid", label="The subject's uuid.")
    order_type = django_filters.CharFilter(
        field_name="order_type__code", max_length=16, label="Order type code."
    )

    class Meta:
        model = ProtectiveOrder
        fields = ["subject", "order_type", "status"]


class TermFilter(_ByOrder):
    class Meta:
        model = OrderTerm
        fields = ["order", "kind"]


class RequirementFilter(_ByOrder):
    class Meta:
        model = NotificationRequirement
        fields = ["order", "trigger", "suspended"]


# -- orders ------------------------------------------------------------------------------------
class OrderSerializer(ScopedWritesMixin, StrictFieldsMixin, serializers.ModelSerializer):
    """A protective order with its terms, notification requirements and history (read-only here)."""

    subject = serializers.SlugRelatedField(
        slug_field="uuid",
        queryset=Subject.objects.none(),
        help_text="The subject's uuid (fixed once created).",
    )
    order_type = serializers.SlugRelatedField(
        slug_field="code",
        queryset=OrderType.objects.filter(is_active=True),
        help_text="e.g. SPO (fixed once created).",
    )
    replaces = serializers.SlugRelatedField(
        slug_field="uuid",
        queryset=ProtectiveOrder.objects.none(),
        allow_null=True,
        required=False,
        help_text="The earlier order of the same subject (e.g. the interim order) this one replaces.",
    )
    confirm_short_duration = serializers.BooleanField(
        write_only=True,
        required=False,
        help_text="Confirm an expiry below the order type's usual (non-statutory) minimum.",
    )
    terms = TermSummarySerializer(many=True, read_only=True)
    notification_requirements = RequirementSummarySerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)

    scoped_relations = {"subject": (Subject, "view"), "replaces": (ProtectiveOrder, "change")}
    create_only = ("subject", "order_type", "replaces")

    class Meta:
        model = ProtectiveOrder
        fields = [
            "uuid",
            "subject",
            "order_type",
            "court",
            "case_number",
            "applicant",
            "applied_on",
            "made_on",
            "served_on",
            "expires_on",
            "until_further_order",
            "status",
            "niche_occurrence_ref",
            "replaces",
            "confirm_short_duration",
            "terms",
            "notification_requirements",
            "events",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["uuid", "created_at", "updated_at"]
        extra_kwargs = {
            "applied_on": {"allow_null": True},
            "made_on": {"allow_null": True},
            "served_on": {"allow_null": True},
            "expires_on": {"allow_null": True},
        }


@extend_schema_view(
    list=extend_schema(summary="List orders (logged, naming every order shown)."),
    retrieve=extend_schema(summary="Open one order (needs X-Access-Reason; logged)."),
    create=extend_schema(
        summary="Record an order; its notification requirement is made from the order type."
    ),
    update=extend_schema(summary="Change an order (a status change must be legal)."),
    partial_update=extend_schema(summary="Change some of an order's fields."),
)
class OrderViewSet(ForceModelViewSet):
    queryset = ProtectiveOrder.objects.all()
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    ordering_fields = ["made_on", "expires_on", "created_at"]
    required_permissions = {**ORDER_PERMISSIONS, **dict.fromkeys(DECISION_ACTIONS, Perm.CHANGE_ORDER)}
    action_scopes = {**ForceModelViewSet.action_scopes, **dict.fromkeys(DECISION_ACTIONS, "change")}

    def get_base_queryset(self) -> models.QuerySet[ProtectiveOrder]:
        return ProtectiveOrder.objects.select_related("subject", "order_type", "replaces").prefetch_related(
            "terms", "notification_requirements", "events"
        )

    def _reload(self, order: ProtectiveOrder) -> ProtectiveOrder:
        return self.get_base_queryset().get(pk=order.pk)

    def perform_create(self, serializer: Any) -> None:
        order = services.create_order(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self._reload(order)

    def perform_update(self, serializer: Any) -> None:
        changes = dict(serializer.validated_data)
        flags = {k: changes.pop(k) for k in ("confirm_short_duration",) if k in changes}
        self.update_through(
            serializer,
            lambda order: self._reload(
                services.update_order(actor=self.request.user, order=order, **flags, **changes)
            ),
            services.order_snapshot,
        )

    # -- the court's decisions -------------------------------------------------------------------
    @extend_schema(
        summary="Change the order's status (appeal, appeal decided, discharge, expiry), kept in its history.",
        request=OrderStatusChangeSerializer,
        responses={200: OrderSerializer},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def status_change(self, request: Any, uuid: str | None = None) -> Response:
        with transaction.atomic():
            order = self.get_object()
            body = OrderStatusChangeSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            holder = SimpleNamespace(instance=order)
            self.update_through(
                holder,
                lambda o: self._reload(
                    services.change_status(actor=request.user, order=o, **body.validated_data)
                ),
                services.order_snapshot,
            )
        return Response(self.get_serializer(holder.instance).data)

    @extend_schema(
        summary="Record a variation or renewal of the order (while it is in force).",
        request=OrderDecisionSerializer,
        responses={201: EventSerializer},
    )
    @action(detail=True, methods=["post"], url_path="decisions")
    def decision(self, request: Any, uuid: str | None = None) -> Response:
        with transaction.atomic():
            order = self.get_object()
            body = OrderDecisionSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            event = services.record_order_event(actor=request.user, order=order, **body.validated_data)
        return Response(EventSerializer(event).data, status=201)


# -- terms -------------------------------------------------------------------------------------
class TermSerializer(ScopedWritesMixin, StrictFieldsMixin, serializers.ModelSerializer):
    order = serializers.SlugRelatedField(
        slug_field="uuid",
        queryset=ProtectiveOrder.objects.none(),
        help_text="The order's uuid (fixed once created).",
    )
    varied_by: serializers.SlugRelatedField[OrderEvent] = serializers.SlugRelatedField(
        slug_field="uuid", read_only=True
    )

    scoped_relations = {"order": (ProtectiveOrder, "change")}
    create_only = ("order",)

    class Meta:
        model = OrderTerm
        fields = [
            "uuid",
            "order",
            "kind",
            "wording",
            "exclusion_zone",
            "starts_on",
            "ends_on",
            "varied_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["uuid", "created_at", "updated_at"]
        extra_kwargs = {"starts_on": {"allow_null": True}, "ends_on": {"allow_null": True}}


@extend_schema_view(
    list=extend_schema(summary="List order terms (logged)."),
    retrieve=extend_schema(summary="Open one term (needs X-Access-Reason; logged)."),
    create=extend_schema(summary="Add a term to an order (its dates must fall within the order's)."),
    update=extend_schema(summary="Change a term."),
    partial_update=extend_schema(summary="Change some of a term's fields."),
)
class TermViewSet(ForceModelViewSet):
    queryset = OrderTerm.objects.all()
    serializer_class = TermSerializer
    filterset_class = TermFilter
    required_permissions = ORDER_PERMISSIONS

    def get_base_queryset(self) -> models.QuerySet[OrderTerm]:
        return OrderTerm.objects.select_related("order", "varied_by")

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.add_term(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        self.update_through(
            serializer,
            lambda term: services.update_term(
                actor=self.request.user, term=term, **serializer.validated_data
            ),
            services.term_snapshot,
        )


# -- notification requirements -----------------------------------------------------------------
class NotificationRequirementSerializer(ScopedWritesMixin, StrictFieldsMixin, serializers.ModelSerializer):
    order = serializers.SlugRelatedField(
        slug_field="uuid",
        queryset=ProtectiveOrder.objects.none(),
        help_text="The order's uuid (fixed once created).",
    )
    trigger = serializers.ChoiceField(
        choices=[(t.value, t.label) for t in NotificationTrigger],
        help_text="What starts the period (fixed once created).",
    )
    state = serializers.CharField(
        source="current_state", read_only=True, help_text="met, suspended, due or overdue (today)."
    )
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    offence_code = serializers.CharField(
        read_only=True, help_text="The offence code when overdue, e.g. H20165."
    )

    scoped_relations = {"order": (ProtectiveOrder, "change")}
    create_only = ("order", "trigger")
    update_only = tuple(services.NOTIFICATION_FIELDS)

    class Meta:
        model = NotificationRequirement
        fields = [
            "uuid",
            "order",
            "trigger",
            "trigger_date",
            "last_day",
            "suspended",
            "state",
            "overdue",
            "offence_code",
            *services.NOTIFICATION_FIELDS,
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["uuid", "last_day", "suspended", "created_at", "updated_at"]
        extra_kwargs = {"notified_on": {"allow_null": True}}


@extend_schema_view(
    list=extend_schema(
        summary="List notification requirements (state and overdue worked out today; logged)."
    ),
    retrieve=extend_schema(summary="Open one notification requirement (needs X-Access-Reason; logged)."),
    create=extend_schema(
        summary="Record a change (of name, address, ...) that starts a new notification period."
    ),
    update=extend_schema(summary="Record the notification made (what, station, officer, acknowledgement)."),
    partial_update=extend_schema(summary="Record or correct some of the notification made."),
)
class NotificationRequirementViewSet(ForceModelViewSet):
    queryset = NotificationRequirement.objects.all()
    serializer_class = NotificationRequirementSerializer
    filterset_class = RequirementFilter
    ordering_fields = ["last_day", "trigger_date"]
    required_permissions = ORDER_PERMISSIONS

    def get_base_queryset(self) -> models.QuerySet[NotificationRequirement]:
        return NotificationRequirement.objects.select_related("order", "order__order_type")

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.record_trigger(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        self.update_through(
            serializer,
            lambda requirement: services.update_requirement(
                actor=self.request.user, requirement=requirement, **serializer.validated_data
            ),
            services.requirement_snapshot,
        )
