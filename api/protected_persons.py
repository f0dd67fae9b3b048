"""``/api/v1/protected-persons/`` and ``/api/v1/protected-person-contacts/`` (issue 11, item 3).

Only the subject's managing team (and the force's supervisors, for reading) see a protected
person: ``restrict`` applies the row rule, so anyone else with the permission gets 404 for one and
an empty list. Their details are stored encrypted (``core.encryption``) and never enter the
audit log: events name the fields changed and the UUIDs, nothing more. The contact log is
append-only here: entries are listed, opened and added.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from core.roles import Perm
from core.tenancy import host_force
from orders import services
from orders.models import (
    ContactLogEntry,
    ProtectedPerson,
    ProtectiveOrder,
    subjects_open_to_protected_persons,
)
from subjects.models import Subject

from .orders import ScopedWritesMixin
from .serializers import StrictFieldsMixin
from .subjects import RelatedUUIDField
from .viewsets import ERASURE_REASON, ForceModelViewSet

PROTECTED_PERSON_PERMISSIONS: dict[str, str] = {
    "list": Perm.VIEW_PROTECTED_PERSON,
    "retrieve": Perm.VIEW_PROTECTED_PERSON,
    "create": Perm.CHANGE_PROTECTED_PERSON,
    "update": Perm.CHANGE_PROTECTED_PERSON,
    "partial_update": Perm.CHANGE_PROTECTED_PERSON,
    "destroy": Perm.CHANGE_PROTECTED_PERSON,
}


class ProtectedPersonFilter(django_filters.FilterSet):
    subject = django_filters.UUIDFilter(field_name="subject__uuid", label="The subject's uuid.")
    order = django_filters.UUIDFilter(field_name="orders__uuid", label="An order's uuid.")

    class Meta:
        model = ProtectedPerson
        fields = ["subject", "order", "relationship"]


class ProtectedPersonSerializer(ScopedWritesMixin, StrictFieldsMixin, serializers.ModelSerializer):
    """A protected person; every detail is stored encrypted and none is ever logged."""

    subject = serializers.SlugRelatedField(
        slug_field="uuid",
        queryset=Subject.objects.none(),
        help_text="The subject's uuid: one whose managing team you are in (fixed once created).",
    )
    orders = serializers.SlugRelatedField(
        slug_field="uuid",
        many=True,
        required=False,
        queryset=ProtectiveOrder.objects.none(),
        help_text="UUIDs of the subject's orders that protect them; on update, the whole new list.",
    )

    create_only = ("subject",)

    class Meta:
        model = ProtectedPerson
        fields = [
            "uuid",
            "subject",
            "orders",
            "relationship",
            "name",
            "address",
            "phone",
            "email",
            "safe_contact",
            "safety_measures",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["uuid", "created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and getattr(request, "user", None) is not None:
            force = host_force(request)
            # Not just any subject the caller may read: one their team manages (the row rule).
            self.fields["subject"].queryset = subjects_open_to_protected_persons(request.user, force=force)
            # A list field: its child holds the queryset (the service checks they are the subject's).
            self.fields["orders"].child_relation.queryset = ProtectiveOrder.objects.restrict(
                request.user, "view", force=force
            )


@extend_schema_view(
    list=extend_schema(
        summary="List the protected persons of subjects your team manages (logged, naming each one)."
    ),
    retrieve=extend_schema(summary="Open one protected person (needs X-Access-Reason; logged)."),
    create=extend_schema(summary="Record a protected person of a subject your team manages."),
    update=extend_schema(
        summary="Replace a protected person's details (the log names fields, never values)."
    ),
    partial_update=extend_schema(summary="Change some of a protected person's details."),
    destroy=extend_schema(
        summary="Remove a protected person and their contact log (needs X-Erasure-Reason; logged)."
    ),
)
class ProtectedPersonViewSet(ForceModelViewSet):
    queryset = ProtectedPerson.objects.all()
    serializer_class = ProtectedPersonSerializer
    filterset_class = ProtectedPersonFilter
    ordering_fields = ["created_at"]
    required_permissions = PROTECTED_PERSON_PERMISSIONS
    reason_headers = {**ForceModelViewSet.reason_headers, "destroy": ERASURE_REASON}

    def get_base_queryset(self) -> models.QuerySet[ProtectedPerson]:
        return ProtectedPerson.objects.select_related("subject").prefetch_related("orders")

    def _reload(self, person: ProtectedPerson) -> ProtectedPerson:
        return ProtectedPerson.objects.select_related("subject").prefetch_related("orders").get(pk=person.pk)

    def perform_create(self, serializer: Any) -> None:
        person = services.create_protected_person(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self._reload(person)

    def perform_update(self, serializer: Any) -> None:
        self.update_through(
            serializer,
            lambda person: self._reload(
                services.update_protected_person(
                    actor=self.request.user, person=person, **serializer.validated_data
                )
            ),
            services.protected_person_snapshot,
        )

    def perform_erase(self, instance: ProtectedPerson, reason: str) -> None:
        services.remove_protected_person(actor=self.request.user, person=instance, reason=reason)


# -- the contact log ---------------------------------------------------------------------------
class ContactFilter(django_filters.FilterSet):
    protected_person = django_filters.UUIDFilter(
        field_name="protected_person__uuid", label="The protected person's uuid."
    )

    class Meta:
        model = ContactLogEntry
        fields = ["protected_person", "method", "reassured"]


class ContactLogEntrySerializer(ScopedWritesMixin, StrictFieldsMixin, serializers.ModelSerializer):
    """One contact with a protected person; the summary is stored encrypted."""

    protected_person = serializers.SlugRelatedField(
        slug_field="uuid",
        queryset=ProtectedPerson.objects.none(),
        help_text="The protected person's uuid (one of a subject your team manages).",
    )
    officer = RelatedUUIDField(
        required=False,
        allow_null=True,
        help_text="UUID of the member of this force who made the contact; you, if left out.",
    )

    scoped_relations = {"protected_person": (ProtectedPerson, "change")}

    class Meta:
        model = ContactLogEntry
        fields = [
            "uuid",
            "protected_person",
            "contacted_on",
            "method",
            "officer",
            "summary",
            "reassured",
            "created_at",
        ]
        read_only_fields = ["uuid", "created_at"]


@extend_schema_view(
    list=extend_schema(summary="List contacts with protected persons your team manages (logged)."),
    retrieve=extend_schema(summary="Open one contact (needs X-Access-Reason; logged)."),
    create=extend_schema(
        summary="Log a contact with a protected person: date, method, officer, summary, reassured."
    ),
)
class ContactLogEntryViewSet(ForceModelViewSet):
    queryset = ContactLogEntry.objects.all()
    serializer_class = ContactLogEntrySerializer
    filterset_class = ContactFilter
    ordering_fields = ["contacted_on"]
    # A log: entries are added, never changed or deleted (a later entry puts a mistake right).
    http_method_names = ["get", "post", "head"]
    required_permissions = {
        "list": Perm.VIEW_PROTECTED_PERSON,
        "retrieve": Perm.VIEW_PROTECTED_PERSON,
        "create": Perm.CHANGE_PROTECTED_PERSON,
    }

    def get_base_queryset(self) -> models.QuerySet[ContactLogEntry]:
        return ContactLogEntry.objects.select_related("protected_person", "officer")

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.add_contact(actor=self.request.user, **serializer.validated_data)
