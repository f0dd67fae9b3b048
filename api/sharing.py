"""Cross-force sharing over the API (issue 14): the registry check, requests and decisions, grants
(revoke, partner agencies) and "shared with us". Every step is a ``sharing.services`` call; the
services check the force, the UUIDs and the grant, and write the audit events on both sides."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.roles import Perm
from sharing import services, transfer
from sharing.choices import LawfulBasis, Scope
from sharing.errors import NotFound, SharingRefused, Throttled
from sharing.models import Grant, SharingRequest, Transfer
from subjects.models import Subject
from tenants.models import Force

from .permissions import ForcePermission, host_force
from .serializers import StrictFieldsMixin


class SharingApiError(exceptions.APIException):
    def __init__(self, exc: SharingRefused) -> None:
        self.status_code = exc.status
        super().__init__(exc.message, str(exc.code))


def _api_error(exc: SharingRefused) -> exceptions.APIException:
    if isinstance(exc, Throttled):
        return exceptions.Throttled(wait=exc.retry_after, detail=exc.message)
    if isinstance(exc, NotFound):
        return exceptions.NotFound(exc.message)
    return SharingApiError(exc)


class SharingViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    permission_classes = [ForcePermission]
    lookup_field = "uuid"
    required_permissions: dict[str, str] = {}

    @property
    def force(self) -> Force:
        force = host_force(self.request)
        assert isinstance(force, Force)
        return force

    def call(self, func: Any, **kwargs: Any) -> Any:
        try:
            return func(**kwargs)
        except SharingRefused as exc:
            raise _api_error(exc) from None
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(
                {
                    k: [serializers.ErrorDetail(str(e.message), code=str(e.code)) for e in v]
                    for k, v in exc.error_dict.items()
                }
                if hasattr(exc, "error_dict")
                else exc.messages
            ) from None


# -- registry -----------------------------------------------------------------------------------------
class RegistryCheckSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    subject = serializers.UUIDField(required=False, help_text="A subject of this force.")
    pnc_id = serializers.CharField(required=False, allow_blank=True, max_length=13)
    given_names = serializers.CharField(required=False, allow_blank=True, max_length=150)
    family_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    date_of_birth = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not (
            attrs.get("subject")
            or attrs.get("pnc_id")
            or (attrs.get("family_name") and attrs.get("date_of_birth"))
        ):
            raise serializers.ValidationError(
                "Give a subject, a PNC id, or a name with the date of birth.", code="invalid"
            )
        return attrs


class RegistryCheckViewSet(SharingViewSet):
    """POST /api/v1/registry/check/: which other forces manage this person (names only).
    Each check is a combine event; more than ``SHARING_CHECKS_PER_HOUR`` an hour: 429 throttled."""

    serializer_class = RegistryCheckSerializer
    required_permissions = {"check": Perm.REQUEST_SHARING}

    @extend_schema(
        request=RegistryCheckSerializer,
        responses=inline_serializer(
            "RegistryMatches",
            {
                "matches": serializers.ListField(
                    child=inline_serializer(
                        "RegistryMatch", {"force": serializers.UUIDField(), "name": serializers.CharField()}
                    )
                )
            },
        ),
    )
    @action(detail=False, methods=["post"], url_path="check")
    def check(self, request: Any) -> Response:
        data = RegistryCheckSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        subject = None
        if values.get("subject"):
            subject = (
                Subject.objects.restrict(request.user, "view", force=self.force)
                .filter(uuid=values["subject"])
                .first()
            )
            if subject is None:
                raise exceptions.NotFound("Not found.")
        matches = self.call(
            services.check_registry,
            actor=request.user,
            force=self.force,
            subject=subject,
            pnc_id=values.get("pnc_id", ""),
            names=[f"{values.get('given_names', '')} {values.get('family_name', '')}"],
            date_of_birth=values.get("date_of_birth"),
        )
        return Response({"matches": [{"force": str(m.force_uuid), "name": m.force_name} for m in matches]})


class GrantSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    owning_force = serializers.UUIDField(source="owning_force_uuid", read_only=True)
    receiving_force = serializers.UUIDField(source="receiving_force_uuid", read_only=True)

    class Meta:
        model = Grant
        fields = [
            "uuid",
            "owning_force",
            "receiving_force",
            "scopes",
            "granted_at",
            "expires_at",
            "revoked_at",
        ]
        read_only_fields = fields


# -- requests -----------------------------------------------------------------------------------------
class SharingRequestSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    subject = serializers.UUIDField(write_only=True, help_text="The asking force's own subject.")
    owning_force = serializers.UUIDField(source="owning_force_uuid")
    requesting_force = serializers.UUIDField(source="requesting_force_uuid", read_only=True)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=Scope.choices), allow_empty=False)
    lawful_basis = serializers.ChoiceField(choices=LawfulBasis.choices)
    duration_days = serializers.IntegerField(min_value=1)
    extends = serializers.UUIDField(source="extends.uuid", read_only=True, allow_null=True)

    class Meta:
        model = SharingRequest
        fields = [
            "uuid",
            "subject",
            "owning_force",
            "requesting_force",
            "scopes",
            "lawful_basis",
            "justification",
            "protected_persons_justification",
            "duration_days",
            "extends",
            "status",
            "created_at",
            "decided_at",
            "reasons",
        ]
        read_only_fields = ["uuid", "status", "created_at", "decided_at", "reasons"]


class DecisionSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=Scope.choices), required=False)
    duration_days = serializers.IntegerField(min_value=1, required=False)
    reasons = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class SharingRequestViewSet(SharingViewSet):
    """Requests to this force (disclosure officers: the queue, with ``?status=pending``) and from it
    (the asker: outcome and reasons only). Approve (maybe narrowing) or refuse with reasons."""

    serializer_class = SharingRequestSerializer
    queryset = SharingRequest.objects.none()
    required_permissions = {
        "list": Perm.REQUEST_SHARING,
        "retrieve": Perm.REQUEST_SHARING,
        "create": Perm.REQUEST_SHARING,
        "approve": Perm.DECIDE_SHARING,
        "refuse": Perm.DECIDE_SHARING,
        "incoming": Perm.DECIDE_SHARING,
    }

    def get_queryset(self) -> Any:
        return SharingRequest.objects.filter(requesting_force_uuid=self.force.uuid).order_by(
            "-created_at", "-id"
        )

    def list(self, request: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(SharingRequestSerializer(page, many=True).data)

    def retrieve(self, request: Any, uuid: Any = None) -> Response:
        found = self.get_queryset().filter(uuid=uuid).first()
        if found is None:
            raise exceptions.NotFound("Not found.")
        return Response(SharingRequestSerializer(found).data)

    @extend_schema(responses=SharingRequestSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def incoming(self, request: Any) -> Response:
        """The queue: requests to this force waiting for a decision, oldest first."""
        return Response(SharingRequestSerializer(services.queue(self.force), many=True).data)

    @extend_schema(request=SharingRequestSerializer, responses={201: SharingRequestSerializer})
    def create(self, request: Any) -> Response:
        data = SharingRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        subject = (
            Subject.objects.restrict(request.user, "view", force=self.force)
            .filter(uuid=values.pop("subject"))
            .first()
        )
        if subject is None:
            raise exceptions.ValidationError(
                {"subject": [serializers.ErrorDetail("Not a subject of this force.", code="not_found")]}
            )
        made = self.call(
            services.request_sharing,
            actor=request.user,
            force=self.force,
            subject=subject,
            owning_force_uuid=values.pop("owning_force_uuid"),
            **values,
        )
        return Response(SharingRequestSerializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DecisionSerializer, responses={201: GrantSerializer})
    @action(detail=True, methods=["post"], serializer_class=DecisionSerializer)
    def approve(self, request: Any, uuid: Any = None) -> Response:
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = self.call(
            services.approve, actor=request.user, force=self.force, request_uuid=uuid, **data.validated_data
        )
        return Response(GrantSerializer(grant).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DecisionSerializer, responses=SharingRequestSerializer)
    @action(detail=True, methods=["post"], serializer_class=DecisionSerializer)
    def refuse(self, request: Any, uuid: Any = None) -> Response:
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        refused = self.call(
            services.refuse,
            actor=request.user,
            force=self.force,
            request_uuid=uuid,
            reasons=data.validated_data.get("reasons", ""),
        )
        return Response(SharingRequestSerializer(refused).data)


# -- grants -------------------------------------------------------------------------------------------
class RevokeSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=2000)


class PartnerGrantSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    subject = serializers.UUIDField()
    users = serializers.ListField(child=serializers.UUIDField(), allow_empty=False, max_length=50)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=Scope.choices), allow_empty=False)
    duration_days = serializers.IntegerField(min_value=1)


class GrantViewSet(SharingViewSet):
    """What this force shares: list, revoke at once, and grants to its partner agencies' users."""

    serializer_class = GrantSerializer
    queryset = Grant.objects.none()
    required_permissions = {
        "list": Perm.DECIDE_SHARING,
        "revoke": Perm.DECIDE_SHARING,
        "partners": Perm.DECIDE_SHARING,
    }

    def list(self, request: Any) -> Response:
        grants = Grant.objects.filter(owning_force_uuid=self.force.uuid).order_by("-granted_at", "-id")
        page = self.paginate_queryset(grants)
        return self.get_paginated_response(GrantSerializer(page, many=True).data)

    @extend_schema(request=RevokeSerializer, responses=GrantSerializer)
    @action(detail=True, methods=["post"], serializer_class=RevokeSerializer)
    def revoke(self, request: Any, uuid: Any = None) -> Response:
        data = RevokeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = self.call(
            services.revoke,
            actor=request.user,
            force=self.force,
            grant_uuid=uuid,
            reason=data.validated_data["reason"],
        )
        return Response(GrantSerializer(grant).data)

    @extend_schema(request=PartnerGrantSerializer, responses={201: GrantSerializer})
    @action(detail=False, methods=["post"], serializer_class=PartnerGrantSerializer)
    def partners(self, request: Any) -> Response:
        data = PartnerGrantSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        grant = self.call(
            services.grant_to_partners,
            actor=request.user,
            force=self.force,
            subject_uuid=values["subject"],
            users=values["users"],
            scopes=values["scopes"],
            duration_days=values["duration_days"],
        )
        return Response(GrantSerializer(grant).data, status=status.HTTP_201_CREATED)


# -- shared with us ----------------------------------------------------------------------------------
class ExtendSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    duration_days = serializers.IntegerField(min_value=1)
    justification = serializers.CharField(max_length=2000)


class SharedViewSet(SharingViewSet):
    """GET /api/v1/shared/: live grants this user may read; GET /api/v1/shared/<grant>/: what it
    discloses now (each read a disclose event in the owner's log and a collect event in ours)."""

    serializer_class = GrantSerializer
    queryset = Grant.objects.none()
    required_permissions = {
        "list": Perm.READ_SHARED,
        "retrieve": Perm.READ_SHARED,
        "extend": Perm.REQUEST_SHARING,
    }

    def list(self, request: Any) -> Response:
        page = self.paginate_queryset(services.received(user=request.user, force=self.force))  # type: ignore[arg-type]
        return self.get_paginated_response(GrantSerializer(page, many=True).data)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def retrieve(self, request: Any, uuid: Any = None) -> Response:
        shared = self.call(services.read_shared, user=request.user, force=self.force, grant_uuid=uuid)
        return Response(
            {
                "grant": GrantSerializer(shared.grant).data,
                "owner": shared.owner_name,
                "subject": str(shared.subject_uuid),
                "name": shared.subject_name,
                **shared.sections,
            }
        )

    @extend_schema(request=ExtendSerializer, responses={201: SharingRequestSerializer})
    @action(detail=True, methods=["post"], serializer_class=ExtendSerializer)
    def extend(self, request: Any, uuid: Any = None) -> Response:
        data = ExtendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = self.call(
            services.request_extension,
            actor=request.user,
            force=self.force,
            grant_uuid=uuid,
            **data.validated_data,
        )
        return Response(SharingRequestSerializer(made).data, status=status.HTTP_201_CREATED)


# -- transfers ----------------------------------------------------------------------------------------
class TransferSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    subject = serializers.UUIDField(source="subject_uuid", help_text="The offering force's subject.")
    to_force = serializers.UUIDField(source="to_force_uuid", help_text="The force the subject moves to.")
    from_force = serializers.UUIDField(source="from_force_uuid", read_only=True)

    class Meta:
        model = Transfer
        fields = [
            "uuid",
            "subject",
            "from_force",
            "to_force",
            "justification",
            "status",
            "offered_at",
            "decided_at",
            "reasons",
        ]
        read_only_fields = ["uuid", "status", "offered_at", "decided_at", "reasons"]


class TransferAnswerSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    reasons = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class TransferViewSet(SharingViewSet):
    """Transfers (disclosure officers): offers this force made (``list``), offers to it waiting for an
    answer (``incoming``); offer a subject, accept (the record moves) or decline with reasons."""

    serializer_class = TransferSerializer
    #: A refusal is logged against the subject record type (a transfer moves a subject).
    queryset = Subject.objects.none()
    required_permissions = {
        "list": Perm.DECIDE_SHARING,
        "create": Perm.DECIDE_SHARING,
        "incoming": Perm.DECIDE_SHARING,
        "accept": Perm.DECIDE_SHARING,
        "decline": Perm.DECIDE_SHARING,
    }

    def list(self, request: Any) -> Response:
        page = self.paginate_queryset(
            Transfer.objects.filter(from_force_uuid=self.force.uuid).order_by("-offered_at", "-id")
        )
        return self.get_paginated_response(TransferSerializer(page, many=True).data)

    @extend_schema(responses=TransferSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def incoming(self, request: Any) -> Response:
        return Response(TransferSerializer(transfer.incoming(self.force), many=True).data)

    @extend_schema(request=TransferSerializer, responses={201: TransferSerializer})
    def create(self, request: Any) -> Response:
        data = TransferSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        subject = (
            Subject.objects.restrict(request.user, "view", force=self.force)
            .filter(uuid=values["subject_uuid"])
            .first()
        )
        if subject is None:
            raise exceptions.ValidationError(
                {"subject": [serializers.ErrorDetail("Not a subject of this force.", code="not_found")]}
            )
        made = self.call(
            transfer.offer_transfer,
            actor=request.user,
            force=self.force,
            subject=subject,
            to_force_uuid=values["to_force_uuid"],
            justification=values.get("justification", ""),
        )
        return Response(TransferSerializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=TransferSerializer)
    @action(detail=True, methods=["post"], serializer_class=TransferAnswerSerializer)
    def accept(self, request: Any, uuid: Any = None) -> Response:
        done = self.call(transfer.accept_transfer, actor=request.user, force=self.force, transfer_uuid=uuid)
        return Response(TransferSerializer(done).data)

    @extend_schema(request=TransferAnswerSerializer, responses=TransferSerializer)
    @action(detail=True, methods=["post"], serializer_class=TransferAnswerSerializer)
    def decline(self, request: Any, uuid: Any = None) -> Response:
        data = TransferAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = self.call(
            transfer.decline_transfer,
            actor=request.user,
            force=self.force,
            transfer_uuid=uuid,
            reasons=data.validated_data.get("reasons", ""),
        )
        return Response(TransferSerializer(done).data)
