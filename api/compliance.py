"""``/api/v1/compliance-reviews/``, ``/api/v1/visits/`` and ``/api/v1/breaches/`` (issue 13).

Writes go through ``compliance.services``, whose coded field errors come back as 400 ``invalid``
with ``fields`` and ``codes`` (a team or officer of another force: ``other_force``; a review
missing a term in force: ``missing_term``; a breach of a term not in force that day:
``term_not_in_force``; an outcome before the window without a reason: ``window_not_open``).
Related records are named by UUID and resolved by the services in this force's schema, so another
force's UUID is simply unknown here. A review by someone outside the subject's managing team is
403 ``not_managing_team`` (logged). A visiting officer lists only their teams' and own visits.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import django_filters
from django.db import models
from rest_framework import exceptions, serializers

from compliance import services
from compliance.choices import (
    AssessmentResult,
    BreachOutcome,
    BreachSource,
    ReviewOutcome,
    TimeBand,
    VisitOutcome,
)
from compliance.errors import NotManagingTeam
from compliance.models import Breach, ComplianceReview, Visit
from core.roles import Perm
from core.tenancy import host_force
from subjects.models import Subject

from .serializers import StrictFieldsMixin, WholeItemSerializer
from .viewsets import ForceModelViewSet


def _uuid_of(obj: Any) -> str | None:
    return str(obj.uuid) if obj is not None else None


class SubjectFilter(django_filters.FilterSet):
    subject = django_filters.UUIDFilter(field_name="subject__uuid", label="The subject's uuid.")


def scoped_subject(request: Any, value: Any) -> Subject:
    """The subject named, if the caller may see it in this force; else a field error."""
    found = (
        Subject.objects.restrict(request.user, "view", force=host_force(request)).filter(uuid=value).first()
        if value
        else None
    )
    if found is None:
        raise serializers.ValidationError(
            {"subject": [exceptions.ErrorDetail("No such subject here.", code="unknown_subject")]}
        )
    return found


@contextlib.contextmanager
def review_refusals() -> Iterator[None]:
    try:
        yield
    except NotManagingTeam as exc:
        raise exceptions.PermissionDenied(exc.message, code=str(exc.code)) from exc


# -- reviews ---------------------------------------------------------------------------------------
class AssessmentSerializer(StrictFieldsMixin, WholeItemSerializer):
    """One term's finding."""

    uuid = serializers.UUIDField(read_only=True)
    term = serializers.UUIDField(help_text="The term's uuid (a term in force of the subject).")
    result = serializers.ChoiceField(choices=AssessmentResult.choices)
    evidence = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return {
            "uuid": str(instance.uuid),
            "term": str(instance.term.uuid),
            "result": instance.result,
            "evidence": instance.evidence,
            "notes": instance.notes,
        }


class ComplianceReviewSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    subject = serializers.UUIDField(source="subject.uuid", help_text="The subject's uuid.")
    plan = serializers.SerializerMethodField()
    reviewer = serializers.SerializerMethodField()
    assessments = AssessmentSerializer(many=True, help_text="One finding per term in force.")
    outcome = serializers.ChoiceField(choices=ReviewOutcome.choices)
    next_review_due = serializers.DateField(
        required=False, allow_null=True, help_text="Default: the force's interval for the plan's risk level."
    )
    on_time = serializers.BooleanField(read_only=True)

    class Meta:
        model = ComplianceReview
        fields = [
            "uuid",
            "subject",
            "plan",
            "reviewer",
            "reviewed_on",
            "due_on",
            "on_time",
            "notification_status",
            "visits_since_last",
            "assessments",
            "outcome",
            "next_review_due",
            "notes",
            "created_at",
        ]
        read_only_fields = [
            "uuid",
            "reviewed_on",
            "due_on",
            "notification_status",
            "visits_since_last",
            "created_at",
        ]

    def get_plan(self, obj: ComplianceReview) -> str | None:
        return _uuid_of(obj.plan)

    def get_reviewer(self, obj: ComplianceReview) -> str | None:
        return _uuid_of(obj.reviewer)


class ComplianceReviewViewSet(ForceModelViewSet):
    """Reviews of subjects' plans, term by term. Created, never changed (a later review follows)."""

    queryset = ComplianceReview.objects.all()
    serializer_class = ComplianceReviewSerializer
    filterset_class = SubjectFilter
    required_permissions = {
        "list": Perm.VIEW_SUBJECT,
        "retrieve": Perm.VIEW_SUBJECT,
        "create": Perm.CONDUCT_REVIEW,
    }
    http_method_names = ["get", "post", "head"]

    def get_base_queryset(self) -> models.QuerySet[ComplianceReview]:
        return ComplianceReview.objects.select_related("subject", "plan", "reviewer").prefetch_related(
            "assessments__term"
        )

    def create(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        # The managing-team check comes before the create's transaction, so its logged refusal
        # is not rolled back with it.
        named = request.data.get("subject") if isinstance(request.data, dict) else None
        subject_uuid = services.parse_uuid(named)
        if subject_uuid is not None:
            subject = (
                Subject.objects.restrict(request.user, "view", force=host_force(request))
                .filter(uuid=subject_uuid)
                .first()
            )
            if subject is not None:
                with review_refusals():
                    services.check_reviewer(actor=request.user, subject=subject)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        subject = scoped_subject(self.request, data["subject"]["uuid"])
        with review_refusals():
            serializer.instance = services.complete_review(
                actor=self.request.user,
                subject=subject,
                assessments={str(a["term"]): a for a in data["assessments"]},
                outcome=data["outcome"],
                next_review_due=data.get("next_review_due"),
                notes=data.get("notes", ""),
            )


# -- visits ----------------------------------------------------------------------------------------
class VisitSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    subject = serializers.UUIDField(
        source="subject.uuid", help_text="The subject's uuid (fixed once created)."
    )
    assigned_team = serializers.UUIDField(
        source="assigned_team.uuid", required=False, allow_null=True, help_text="A team of this force."
    )
    assigned_officer = serializers.UUIDField(
        source="assigned_officer.uuid", required=False, allow_null=True, help_text="An officer of this force."
    )
    time_band = serializers.ChoiceField(choices=TimeBand.choices, required=False, allow_blank=True)
    outcome = serializers.ChoiceField(choices=VisitOutcome.choices, required=False, allow_blank=True)
    state = serializers.CharField(
        source="current_state", read_only=True, help_text="planned, open, done or missed."
    )

    class Meta:
        model = Visit
        fields = [
            "uuid",
            "subject",
            "window_from",
            "window_to",
            "time_band",
            "announced",
            "assigned_team",
            "assigned_officer",
            "routine",
            "state",
            "outcome",
            "visited_on",
            "early_reason",
            "notes",
            "created_at",
        ]
        read_only_fields = ["uuid", "routine", "created_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Once tasked, a visit takes only its outcome; before, it takes no outcome.
        fixed = (
            (
                "subject",
                "window_from",
                "window_to",
                "time_band",
                "announced",
                "assigned_team",
                "assigned_officer",
            )
            if self.instance is not None
            else ("outcome", "visited_on", "early_reason")
        )
        for name in fixed:
            self.fields[name].read_only = True


class VisitViewSet(ForceModelViewSet):
    """Visits tasked to a team or an officer; PATCH records the outcome."""

    queryset = Visit.objects.all()
    serializer_class = VisitSerializer
    filterset_class = SubjectFilter
    required_permissions = {
        "list": Perm.RECORD_VISIT,
        "retrieve": Perm.RECORD_VISIT,
        "create": Perm.CONDUCT_REVIEW,
        "partial_update": Perm.RECORD_VISIT,
    }
    action_scopes = {**ForceModelViewSet.action_scopes, "create": "schedule"}
    http_method_names = ["get", "post", "patch", "head"]

    def get_base_queryset(self) -> models.QuerySet[Visit]:
        return Visit.objects.select_related("subject", "assigned_team", "assigned_officer")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        subject = scoped_subject(self.request, data.pop("subject")["uuid"])
        team = (data.pop("assigned_team", None) or {}).get("uuid")
        officer = (data.pop("assigned_officer", None) or {}).get("uuid")
        serializer.instance = services.schedule_visit(
            actor=self.request.user, subject=subject, assigned_team=team, assigned_officer=officer, **data
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        self.update_through(
            serializer,
            lambda visit: services.record_visit_outcome(
                actor=self.request.user,
                visit=visit,
                outcome=data.get("outcome", ""),
                visited_on=data.get("visited_on"),
                notes=data.get("notes", ""),
                early_reason=data.get("early_reason", ""),
            ),
            services.visit_snapshot,
        )


# -- breaches --------------------------------------------------------------------------------------
class BreachSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    subject = serializers.UUIDField(
        source="subject.uuid", help_text="The subject's uuid (fixed once created)."
    )
    term = serializers.UUIDField(source="term.uuid", help_text="The term breached (in force that day).")
    source = serializers.ChoiceField(choices=BreachSource.choices)  # type: ignore[assignment]
    outcome = serializers.ChoiceField(choices=BreachOutcome.choices, required=False)
    offence_code = serializers.CharField(
        required=False, allow_blank=True, max_length=16, help_text="Default: the order type's breach code."
    )
    protected_person = serializers.UUIDField(
        source="protected_person.uuid",
        required=False,
        allow_null=True,
        help_text="The subject's protected person a further offence was against (their uuid), if any.",
    )

    class Meta:
        model = Breach
        fields = [
            "uuid",
            "subject",
            "term",
            "occurred_on",
            "source",
            "niche_occurrence_ref",
            "offence_code",
            "outcome",
            "protected_person",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["uuid", "created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            for name in ("subject", "term", "occurred_on", "protected_person"):
                self.fields[name].read_only = True


class BreachViewSet(ForceModelViewSet):
    """Breaches of terms; PATCH follows the outcome as it develops."""

    queryset = Breach.objects.all()
    serializer_class = BreachSerializer
    filterset_class = SubjectFilter
    required_permissions = {
        "list": Perm.VIEW_SUBJECT,
        "retrieve": Perm.VIEW_SUBJECT,
        "create": Perm.RECORD_BREACH,
        "partial_update": Perm.RECORD_BREACH,
    }
    http_method_names = ["get", "post", "patch", "head"]

    def get_base_queryset(self) -> models.QuerySet[Breach]:
        return Breach.objects.select_related("subject", "term", "protected_person")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        subject = scoped_subject(self.request, data.pop("subject")["uuid"])
        term = data.pop("term")["uuid"]
        # A nested source ("protected_person.uuid") arrives as {"uuid": ...}: pass the uuid itself.
        if "protected_person" in data:
            data["protected_person"] = (data["protected_person"] or {}).get("uuid")
        serializer.instance = services.record_breach(
            actor=self.request.user, subject=subject, term=term, **data
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        self.update_through(
            serializer,
            lambda breach: services.update_breach(actor=self.request.user, breach=breach, **data),
            services.breach_snapshot,
        )
