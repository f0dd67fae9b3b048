"""``/api/v1/plans/``, ``/api/v1/plan-versions/`` and ``/api/v1/briefings/`` (issue 12).

Writes go through ``plans.services``. A draft is made by POSTing the subject to plan-versions
(the open draft if there is one); PATCH saves fields of any part and must carry the ``revision``
read. The workflow and the exports are actions on a version, each declared with its permission
and its ``restrict`` scope: ``submit``, ``approve``, ``send_back`` (POST, with ``revision``),
``pdf`` and ``export`` (GET, ``X-Access-Reason``; a disclose event to "Niche upload"). A stale
revision or a version in the wrong state is 409 ``conflict``; approving one's own work 403
``own_plan`` (logged); submitting without Part 1 or a risk level 400 ``invalid`` naming the part.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, ClassVar

import django_filters
from django.db import models
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.services import AuditAction, RecordType, record_event
from core.roles import Perm
from plans import briefings, exports, services
from plans.choices import SDASH_QUESTIONS, DisclosureDecision, DisclosureRoute, Pillar, SdashAnswer
from plans.errors import OwnPlan, PlanConflict
from plans.models import (
    Plan,
    PlanDisclosure,
    PlanInvestigation,
    PlanTacticalOption,
    PlanVersion,
)
from subjects.models import Subject

from .errors import Conflict
from .orders import ScopedWritesMixin
from .serializers import StrictFieldsMixin, WholeItemSerializer
from .viewsets import ACCESS_REASON, ForceModelViewSet, ForceReadOnlyViewSet

VERSION_PERMISSIONS: dict[str, str] = {
    "list": Perm.VIEW_PLAN,
    "retrieve": Perm.VIEW_PLAN,
    "create": Perm.CHANGE_PLAN,
    "partial_update": Perm.CHANGE_PLAN,
    "submit": Perm.CHANGE_PLAN,
    "approve": Perm.APPROVE_PLAN,
    "send_back": Perm.APPROVE_PLAN,
    "pdf": Perm.VIEW_PLAN,
    "export": Perm.VIEW_PLAN,
}
VERSION_SCOPES: dict[str, str] = {
    "list": "view",
    "retrieve": "view",
    "create": "change",
    "partial_update": "change",
    "submit": "change",
    "approve": "approve",
    "send_back": "approve",
    "pdf": "export",
    "export": "export",
}


@contextlib.contextmanager
def plan_refusals() -> Iterator[None]:
    """The plan services' refusals as API errors: 409 ``conflict`` and 403 ``own_plan``."""
    try:
        yield
    except PlanConflict as exc:
        raise Conflict(exc.message) from exc
    except OwnPlan as exc:
        raise exceptions.PermissionDenied(exc.message, code=str(exc.code)) from exc


# -- rows ------------------------------------------------------------------------------------------
def _row_serializer(model: Any, **declared: Any) -> type[serializers.Serializer]:
    class Meta:
        pass

    fields: dict[str, Any] = {}
    for name in model.FIELDS:
        field = model._meta.get_field(name)
        help_text = str(field.help_text or field.verbose_name)
        if name in declared:
            fields[name] = declared[name]
        elif field.get_internal_type() == "DateField":
            fields[name] = serializers.DateField(required=False, allow_null=True, help_text=help_text)
        elif field.get_internal_type() == "UUIDField":
            fields[name] = serializers.UUIDField(required=False, allow_null=True, help_text=help_text)
        else:
            fields[name] = serializers.CharField(required=False, allow_blank=True, help_text=help_text)
    return type(
        f"{model.__name__}Serializer",
        (StrictFieldsMixin, WholeItemSerializer),
        {**fields, "__doc__": model.__doc__},
    )


InvestigationSerializer = _row_serializer(PlanInvestigation)
TacticalOptionSerializer = _row_serializer(
    PlanTacticalOption,
    pillar=serializers.ChoiceField(choices=Pillar.choices),
    option=serializers.CharField(
        max_length=120, help_text="One of the force's tactical options (practice settings)."
    ),
)


class VictimRiskSerializer(StrictFieldsMixin, WholeItemSerializer):
    """Part 3: the risk to one of the subject's protected persons. A reader who may not view the
    subject's protected persons gets ``{"withheld": true}`` only; such rows are kept as they are
    when the list is written back (a withheld row in a write is passed over)."""

    protected_person = serializers.UUIDField(
        required=False, allow_null=True, help_text="One of the subject's protected persons (their UUID)."
    )
    risk = serializers.CharField(
        required=False, allow_blank=True, help_text="The harm foreseen to this person and how likely it is."
    )
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Shown to those who may view the person; ignored in a write.",
    )
    withheld = serializers.BooleanField(
        required=False, help_text="True when a risk is recorded about a person you may not view."
    )


DisclosureSerializer = _row_serializer(
    PlanDisclosure,
    decision=serializers.ChoiceField(choices=DisclosureDecision.choices, required=False),
    route=serializers.ChoiceField(choices=DisclosureRoute.choices, required=False, allow_blank=True),
)


class RowsField(serializers.ListField):
    """A version's list of rows, replaced whole by a write that gives it."""

    def get_attribute(self, instance: PlanVersion) -> Any:
        return [row.as_dict() for row in getattr(instance, self.field_name or "").all()]

    def to_representation(self, data: Any) -> Any:
        return data


def _rows(child: Any) -> RowsField:
    return RowsField(child=child(), required=False, max_length=services.MAX_ROWS)


class VictimRisksField(RowsField):
    """Risks to protected persons as the reader may see them (``plans.services.victim_risks_shown``):
    withheld rows say only that a risk is recorded."""

    def get_attribute(self, instance: PlanVersion) -> Any:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        visible = self.__dict__.get("_visible")
        if visible is None or instance.plan.subject_id not in self.__dict__.get("_subjects", ()):
            # Once for the whole page: the subjects of every version the root serializer holds.
            shown = self.root.instance
            versions = list(shown) if isinstance(shown, (list, tuple, models.QuerySet)) else [instance]
            subjects = {v.plan.subject_id for v in versions} | {instance.plan.subject_id}
            visible = services.visible_protected_persons(user, subjects)
            self.__dict__.update(_visible=visible, _subjects=subjects)
        return services.victim_risks_shown(instance, user, visible=visible)


class UserUUIDField(serializers.Field):
    def to_representation(self, value: Any) -> Any:
        return str(value.uuid) if value is not None else None


class PlanVersionSerializer(ScopedWritesMixin, StrictFieldsMixin, serializers.ModelSerializer):
    """A plan version: the four parts, its state, revision, author, editors and approver."""

    subject = serializers.SlugRelatedField(
        slug_field="uuid",
        queryset=Subject.objects.none(),
        write_only=True,
        help_text="Create only: the subject whose plan to draft (the open draft comes back if there is one).",
    )
    plan = serializers.UUIDField(source="plan.uuid", read_only=True)
    subject_uuid = serializers.UUIDField(source="plan.subject.uuid", read_only=True)
    revision = serializers.IntegerField(
        required=False, help_text="The revision you read; a save with an older one is refused (409)."
    )
    investigations = _rows(InvestigationSerializer)
    tactical_options = _rows(TacticalOptionSerializer)
    victim_risks = VictimRisksField(
        child=VictimRiskSerializer(), required=False, max_length=services.MAX_ROWS
    )
    disclosures = _rows(DisclosureSerializer)
    sdash_answers = serializers.ListField(
        child=serializers.ChoiceField(choices=[("", "Not answered"), *SdashAnswer.choices], allow_blank=True),
        required=False,
        max_length=len(SDASH_QUESTIONS),
        help_text="The 11 S-DASH answers in order (or an empty list).",
    )
    author = UserUUIDField(read_only=True)
    approved_by = UserUUIDField(read_only=True)
    editors = serializers.SerializerMethodField()

    scoped_relations = {"subject": (Subject, "view")}
    create_only = ("subject",)

    class Meta:
        model = PlanVersion
        fields = [
            "uuid",
            "plan",
            "subject",
            "subject_uuid",
            "number",
            "status",
            "revision",
            *services.CONTENT_FIELDS,
            "author",
            "editors",
            "submitted_at",
            "approved_by",
            "approved_at",
            "send_back_note",
            "snapshot",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "uuid",
            "number",
            "status",
            "submitted_at",
            "approved_at",
            "send_back_note",
            "snapshot",
            "created_at",
            "updated_at",
        ]

    def get_editors(self, version: PlanVersion) -> list[str]:
        return [str(u.uuid) for u in version.editors.all()]


class WorkflowSerializer(StrictFieldsMixin, serializers.Serializer):
    revision = serializers.IntegerField(required=False, help_text="The revision you read (409 if stale).")
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="send_back only: why."
    )


class PlanVersionFilter(django_filters.FilterSet):
    subject = django_filters.UUIDFilter(field_name="plan__subject__uuid", label="The subject's uuid.")
    plan = django_filters.UUIDFilter(field_name="plan__uuid", label="The plan's uuid.")

    class Meta:
        model = PlanVersion
        fields = ["subject", "plan", "status"]


_EXPORT = extend_schema(
    summary="Export an approved version (needs X-Access-Reason; a disclosure to 'Niche upload').",
    responses={
        200: OpenApiResponse(description="The file."),
        409: OpenApiResponse(description="Not approved."),
    },
)


@extend_schema_view(
    list=extend_schema(summary="List plan versions (logged, naming every version shown)."),
    retrieve=extend_schema(summary="Open one version (needs X-Access-Reason; logged)."),
    create=extend_schema(summary="Start a draft for a subject (or get the open draft)."),
    partial_update=extend_schema(summary="Save fields of a draft; carry the revision you read."),
    submit=extend_schema(
        summary="Submit a draft for approval (Part 1 and a risk level needed).", request=WorkflowSerializer
    ),
    approve=extend_schema(
        summary="Approve a submitted version (not one you wrote or edited).", request=WorkflowSerializer
    ),
    send_back=extend_schema(
        summary="Send a submitted version back to its author as a draft.", request=WorkflowSerializer
    ),
    pdf=_EXPORT,
    export=_EXPORT,
)
class PlanVersionViewSet(ForceModelViewSet):
    queryset = PlanVersion.objects.all()
    serializer_class = PlanVersionSerializer
    filterset_class = PlanVersionFilter
    required_permissions = VERSION_PERMISSIONS
    action_scopes = VERSION_SCOPES
    reason_headers = {"retrieve": ACCESS_REASON, "pdf": ACCESS_REASON, "export": ACCESS_REASON}
    http_method_names = ["get", "post", "patch", "head"]

    def get_base_queryset(self) -> models.QuerySet[PlanVersion]:
        return PlanVersion.objects.with_parts().select_related("plan__subject")

    def _reload(self, version: PlanVersion) -> PlanVersion:
        return self.get_base_queryset().get(pk=version.pk)

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        subject = data.pop("subject")
        if set(data) - {"revision"}:
            raise exceptions.ValidationError(
                {k: ["Save parts with PATCH once the draft exists."] for k in data}
            )
        with plan_refusals():
            version = services.start_draft(actor=self.request.user, subject=subject)
        serializer.instance = self._reload(version)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        revision = data.pop("revision", None)
        if revision is None:
            raise exceptions.ValidationError({"revision": ["Give the revision you read."]}, code="required")
        data = {k: (list(v) if isinstance(v, list) else v) for k, v in data.items()}
        with plan_refusals():
            self.update_through(
                serializer,
                lambda version: self._reload(
                    services.save_part(
                        actor=self.request.user, version=version, part=None, data=data, revision=revision
                    )
                ),
                services.version_snapshot,
            )

    def _workflow(self, request: Any) -> dict[str, Any]:
        body = WorkflowSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return dict(body.validated_data)

    @action(detail=True, methods=["post"])
    def submit(self, request: Any, uuid: str | None = None) -> Response:
        body = self._workflow(request)
        version = self.get_object()
        with plan_refusals():
            version = services.submit_version(
                actor=request.user, version=version, revision=body.get("revision")
            )
        return Response(self.get_serializer(self._reload(version)).data)

    @action(detail=True, methods=["post"])
    def approve(self, request: Any, uuid: str | None = None) -> Response:
        body = self._workflow(request)
        version = self.get_object()
        with plan_refusals():
            version = services.approve_version(
                version=version, approver=request.user, revision=body.get("revision")
            )
        return Response(self.get_serializer(self._reload(version)).data)

    @action(detail=True, methods=["post"])
    def send_back(self, request: Any, uuid: str | None = None) -> Response:
        body = self._workflow(request)
        version = self.get_object()
        with plan_refusals():
            version = services.send_back_version(
                actor=request.user, version=version, note=body.get("note", ""), revision=body.get("revision")
            )
        return Response(self.get_serializer(self._reload(version)).data)

    @action(detail=True, methods=["get"])
    def pdf(self, request: Any, uuid: str | None = None) -> HttpResponse:
        reason = self.reason_for("pdf")
        version = self.get_object()
        with plan_refusals():
            body = exports.export_pdf(version)
        exports.record_export(actor=request.user, version=version, reason=reason, kind="PDF")
        return _download(body, "application/pdf", exports.filename(version, "pdf"))

    @action(detail=True, methods=["get"])
    def export(self, request: Any, uuid: str | None = None) -> Response:
        reason = self.reason_for("export")
        version = self.get_object()
        with plan_refusals():
            data = exports.export_data(version)
        exports.record_export(actor=request.user, version=version, reason=reason, kind="JSON")
        response = Response(data)
        response["Content-Disposition"] = f'attachment; filename="{exports.filename(version, "json")}"'
        return response


def _download(body: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


# -- plans -----------------------------------------------------------------------------------------
class PlanSerializer(serializers.ModelSerializer):
    """A subject's plan: its state, next review, the versions by number."""

    subject = serializers.UUIDField(source="subject.uuid", read_only=True)
    versions = serializers.SerializerMethodField()
    ready_to_close = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = [
            "uuid",
            "subject",
            "status",
            "next_review_due",
            "versions",
            "ready_to_close",
            "closed_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_versions(self, plan: Plan) -> list[dict[str, Any]]:
        return [{"uuid": str(v.uuid), "number": v.number, "status": v.status} for v in plan.versions.all()]

    def get_ready_to_close(self, plan: Plan) -> bool:
        statuses = [o.status for o in plan.subject.orders.all()]
        return (
            plan.status != "closed"
            and bool(statuses)
            and all(s in services.ENDED_ORDER_STATES for s in statuses)
        )


class PlanFilter(django_filters.FilterSet):
    subject = django_filters.UUIDFilter(field_name="subject__uuid", label="The subject's uuid.")

    class Meta:
        model = Plan
        fields = ["subject", "status"]


class CloseSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


@extend_schema_view(
    list=extend_schema(summary="List plans (logged)."),
    retrieve=extend_schema(summary="Open one plan (needs X-Access-Reason; logged)."),
    close=extend_schema(summary="Close a plan whose orders have all ended.", request=CloseSerializer),
)
class PlanViewSet(ForceReadOnlyViewSet):
    queryset = Plan.objects.all()
    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    ordering_fields = ["next_review_due", "created_at"]
    required_permissions = {"list": Perm.VIEW_PLAN, "retrieve": Perm.VIEW_PLAN, "close": Perm.CHANGE_PLAN}
    action_scopes = {"list": "view", "retrieve": "view", "close": "change"}
    http_method_names = ["get", "post", "head"]

    def get_base_queryset(self) -> models.QuerySet[Plan]:
        return Plan.objects.select_related("subject").prefetch_related("versions", "subject__orders")

    @action(detail=True, methods=["post"])
    def close(self, request: Any, uuid: str | None = None) -> Response:
        body = CloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        plan = self.get_object()
        with plan_refusals():
            plan = services.close_plan(
                actor=request.user, plan=plan, reason=body.validated_data.get("reason", "")
            )
        return Response(self.get_serializer(self.get_base_queryset().get(pk=plan.pk)).data)


# -- briefings -------------------------------------------------------------------------------------
class BriefingSerializer(serializers.Serializer):
    """The workforce's briefing: no protected persons, no Part 4."""

    uuid = serializers.UUIDField(help_text="The plan's UUID.")
    plan = serializers.UUIDField()
    subject = serializers.UUIDField()
    version = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    aliases = serializers.ListField(child=serializers.CharField())
    date_of_birth = serializers.DateField(allow_null=True)
    pnc_id = serializers.CharField()
    niche_nominal_ref = serializers.CharField()
    area = serializers.CharField()
    warning_markers = serializers.ListField(child=serializers.CharField())
    vehicles = serializers.ListField(child=serializers.DictField())
    photo = serializers.UUIDField(allow_null=True)
    risk_level = serializers.CharField()
    risk_level_label = serializers.CharField()
    prohibitions = serializers.ListField(child=serializers.DictField())
    on_contact = serializers.CharField()

    def to_representation(self, instance: Any) -> Any:
        # ``briefing()`` already gives plain JSON values (UUIDs and dates as text) in exactly these
        # fields: no field-by-field pass, which cost more per briefing than building it.
        return briefings.briefing(instance)


class BriefingFilter(django_filters.FilterSet):
    area = django_filters.UUIDFilter(field_name="subject__area__uuid", label="The area's uuid.")

    class Meta:
        model = Plan
        fields = ["area"]


@extend_schema_view(
    list=extend_schema(
        summary="Briefings of the active plans (no reason asked; one consult event per page)."
    ),
    retrieve=extend_schema(summary="One briefing (no reason asked; logged)."),
)
class BriefingViewSet(ForceReadOnlyViewSet):
    queryset = Plan.objects.all()
    serializer_class = BriefingSerializer
    filterset_class = BriefingFilter
    required_permissions = {"list": Perm.VIEW_BRIEFING, "retrieve": Perm.VIEW_BRIEFING}
    action_scopes = {"list": "brief", "retrieve": "brief"}
    reason_headers: ClassVar[dict[str, Any]] = {}

    def get_base_queryset(self) -> models.QuerySet[Plan]:
        return briefings.briefing_queryset(Plan.objects.all())

    def audit_object_type(self) -> RecordType:
        return RecordType.BRIEFING

    def audit_list(self, objects: list[Any]) -> None:
        briefings.record_briefings_read(actor=self.request.user, plans=objects, what="API briefings list")

    def audit_retrieve(self, instance: Any, reason: str) -> None:
        record_event(
            action=AuditAction.CONSULT,
            object_type=RecordType.BRIEFING,
            object_ids=[instance.uuid],
            justification="API briefing",
            actor=self.request.user,
        )
