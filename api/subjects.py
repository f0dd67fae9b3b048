"""``/api/v1/subjects/``: the subject's core identity, on the force base viewset."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from audit.choices import RecordType
from audit.services import AuditAction, record_event
from core.normalise import pnc_key
from core.roles import Perm
from subjects import services
from subjects.models import Subject

from .errors import PossibleDuplicate
from .serializers import StrictFieldsMixin
from .viewsets import ERASURE_REASON, ForceModelViewSet

MAX_ALIASES = 50


class AliasNamesField(serializers.ListField):
    """The subject's alias names, sorted; from one prefetch for the whole page (``with_alias_names``)."""

    def get_attribute(self, instance: Subject) -> list[str]:
        return instance.alias_names


class SubjectSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A subject's core identity. Aliases are a list of names; a write replaces the whole list."""

    aliases = AliasNamesField(
        child=serializers.CharField(max_length=250, allow_blank=False),
        required=False,
        max_length=MAX_ALIASES,
        help_text="Other names the subject is known by; on update, the full new list.",
    )
    confirm_new = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="On create: record the subject even though one with the same name (or alias) and "
        "date of birth is held (otherwise 409 possible_duplicate naming the matches' UUIDs).",
    )

    class Meta:
        model = Subject
        fields = [
            "uuid",
            "family_name",
            "given_names",
            "date_of_birth",
            "pnc_id",
            "niche_nominal_ref",
            "aliases",
            "confirm_new",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["uuid", "created_at", "updated_at"]
        extra_kwargs = {"date_of_birth": {"allow_null": True}}


class SubjectFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search", max_length=200, label="Name, alias or PNC id (any part of a name)."
    )
    pnc_id = django_filters.CharFilter(method="filter_pnc", max_length=13, label="PNC id, exactly.")
    date_of_birth = django_filters.DateFilter(field_name="date_of_birth", label="Date of birth.")

    class Meta:
        model = Subject
        fields = ["search", "pnc_id", "date_of_birth"]

    def filter_search(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.search(value)

    def filter_pnc(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(pnc_search=pnc_key(value))


@extend_schema_view(
    list=extend_schema(summary="List subjects (the list is logged, naming every subject shown)."),
    retrieve=extend_schema(summary="Open a subject's case file (needs X-Access-Reason; logged)."),
    create=extend_schema(summary="Record a new subject."),
    update=extend_schema(summary="Replace a subject's identity fields."),
    partial_update=extend_schema(summary="Change some of a subject's identity fields."),
    destroy=extend_schema(summary="Erase a subject (coordinators; needs X-Erasure-Reason; logged)."),
)
class SubjectViewSet(ForceModelViewSet):
    """Subjects of the force whose host this is."""

    queryset = Subject.objects.all()
    serializer_class = SubjectSerializer
    filterset_class = SubjectFilter
    ordering_fields = ["family_name", "created_at"]
    required_permissions = {
        "list": Perm.VIEW_SUBJECT,
        "retrieve": Perm.VIEW_SUBJECT,
        "create": Perm.CHANGE_SUBJECT,
        "update": Perm.CHANGE_SUBJECT,
        "partial_update": Perm.CHANGE_SUBJECT,
        "destroy": Perm.DELETE_SUBJECT,
    }
    reason_headers = {**ForceModelViewSet.reason_headers, "destroy": ERASURE_REASON}

    def get_base_queryset(self) -> models.QuerySet[Subject]:
        return Subject.objects.with_alias_names()

    # -- audit: the subject services' own consult records ------------------------------------
    def audit_retrieve(self, instance: Subject, reason: str) -> None:
        services.record_case_file_opened(actor=self.request.user, subject=instance, reason=reason)

    def audit_list(self, objects: list[Subject]) -> None:
        services.record_list_viewed(actor=self.request.user, subjects=objects, what="API subject list")

    # -- writes: through the services, which validate and write the audit events -------------
    def perform_create(self, serializer: Any) -> None:
        try:
            serializer.instance = services.create_subject(
                actor=self.request.user, **serializer.validated_data
            )
        except services.PossibleDuplicate as duplicate:
            services.record_list_viewed(
                actor=self.request.user,
                subjects=duplicate.matches,
                what="API possible duplicates of a new subject",
            )
            raise PossibleDuplicate([m.uuid for m in duplicate.matches]) from None

    def perform_update(self, serializer: Any) -> None:
        changes = dict(serializer.validated_data)
        changes.pop("confirm_new", None)  # only a create can duplicate
        aliases = changes.pop("aliases", None)
        before = _identity(serializer.instance)
        subject = services.update_subject(
            actor=self.request.user, subject=serializer.instance, aliases=aliases, **changes
        )
        subject = Subject.objects.with_alias_names().get(pk=subject.pk)
        if _identity(subject) == before:
            # Nothing changed, so the service logged nothing; but the response still shows the
            # record, and every read of personal data is logged.
            record_event(
                action=AuditAction.CONSULT,
                object_type=RecordType.SUBJECT,
                object_ids=[subject.uuid],
                justification="Returned by an API update that changed nothing",
                actor=self.request.user,
            )
        serializer.instance = subject

    def perform_erase(self, instance: Subject, reason: str) -> None:
        services.erase_subject(actor=self.request.user, subject=instance, reason=reason)


def _identity(subject: Subject) -> tuple[Any, ...]:
    fields = tuple(getattr(subject, f) for f in services.SUBJECT_FIELDS)
    return (*fields, subject.alias_names)
