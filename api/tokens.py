"""Token sign-in and the owner's list of tokens: ``/api/v1/auth/token/`` and ``/api/v1/auth/tokens/``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import ErrorDetail
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.choices import RecordType
from audit.services import AuditAction, record_event
from core.mfa import MFA_REQUIRED, has_device, roles_need_mfa
from tenants import tokens as services
from tenants.models import ApiToken
from tenants.sign_ins import record_failed_sign_in
from tenants.two_factor import verify_code

from .errors import ErrorCode, LockedOut
from .permissions import HostMembership, MfaRequired, host_force
from .serializers import ErrorSerializer, FieldErrorSerializer, StrictFieldsMixin
from .throttles import TokenIssueThrottle


class InvalidCredentials(exceptions.APIException):
    # 400, not 401: there is no authentication scheme to challenge with on this endpoint.
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_credentials"
    default_detail = "Enter a correct email address and password."


class TokenRequestSerializer(StrictFieldsMixin, serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The email address you sign in with.")
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="A label for the token, e.g. the script that uses it.",
    )
    otp = serializers.CharField(
        max_length=12,
        required=False,
        allow_blank=True,
        default="",
        help_text="The 6-digit code of your authenticator app: needed when two-factor sign-in is set "
        "up for you or your roles need it (SPMP_REQUIRE_MFA).",
    )


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its owner sees it in the list: never the secret."""

    is_live = serializers.BooleanField(read_only=True, help_text="Not revoked and not expired.")

    class Meta:
        model = ApiToken
        fields = [
            "uuid",
            "name",
            "prefix",
            "host",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
            "is_live",
        ]
        read_only_fields = fields


class IssuedTokenSerializer(ApiTokenSerializer):
    """A new token, with its secret: shown this once and never again."""

    token = serializers.CharField(read_only=True, help_text="Send as 'Authorization: Bearer <token>'.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class IssueTokenView(APIView):
    """Exchange an email and password for a token valid on this host only."""

    # No session or token here: credentials are the authentication, and the browser's CSRF
    # check does not apply to a request that carries no cookie-based identity.
    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [TokenIssueThrottle]

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenRequestSerializer,
        responses={
            201: IssuedTokenSerializer,
            400: OpenApiResponse(FieldErrorSerializer, description="Invalid input or wrong credentials."),
            404: OpenApiResponse(ErrorSerializer, description="Not a member of this host's force."),
            403: OpenApiResponse(
                ErrorSerializer, description="mfa_required: set up two-factor sign-in first."
            ),
            429: OpenApiResponse(
                ErrorSerializer,
                description="locked_out after repeated failures, or throttled (too many requests from "
                "this address; Retry-After says when to try again).",
            ),
        },
        auth=[],
    )
    def post(self, request: Any) -> Response:
        payload = TokenRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        django_request = request._request
        # Through django.contrib.auth so django-axes counts failures and enforces its lockout.
        user = authenticate(request=django_request, username=data["email"].lower(), password=data["password"])
        if user is None:
            record_failed_sign_in(data["email"], what="Failed API token sign-in")
            if getattr(django_request, "axes_locked_out", False):
                # Answer in the API's own error format; axes' middleware would otherwise swap in
                # its HTML lockout page. The lockout itself has been recorded and still holds.
                django_request.axes_locked_out = False
                raise LockedOut()
            raise InvalidCredentials()
        force = host_force(request)
        if force is not None and user.membership_in(force) is None:  # type: ignore[attr-defined]
            record_event(
                action=AuditAction.SIGN_IN_FAILED,
                object_type=RecordType.USER,
                object_ids=[user.uuid],
                actor=user,
                justification="API token sign-in refused: not a member of this force",
            )
            raise exceptions.NotFound("Not found.")
        _check_second_factor(user, force, data.get("otp", ""))
        token, secret = services.issue_token(user=user, force=force, name=data.get("name", ""))
        body = IssuedTokenSerializer(token).data
        body["token"] = secret
        return Response(body, status=status.HTTP_201_CREATED)


def _check_second_factor(user: Any, force: Any, code: str) -> None:
    """Someone with a TOTP device, or whose roles here need one, gives a current code (``otp``)."""
    enrolled = has_device(user)
    if not enrolled and not roles_need_mfa(user, force):
        return
    if not enrolled:
        record_event(
            action=AuditAction.SIGN_IN_FAILED,
            object_type=RecordType.USER,
            object_ids=[user.uuid],
            actor=user,
            justification=f"API token sign-in refused: {MFA_REQUIRED} (no two-factor device set up)",
        )
        raise MfaRequired("Your roles need two-factor sign-in: set it up in the web application first.")
    if not verify_code(user, code):
        record_event(
            action=AuditAction.SIGN_IN_FAILED,
            object_type=RecordType.USER,
            object_ids=[user.uuid],
            actor=user,
            justification="API token sign-in refused: missing or wrong two-factor code",
        )
        message = (
            "Enter the 6-digit code from your authenticator app." if not code else "The code is not right."
        )
        raise serializers.ValidationError({"otp": [ErrorDetail(message, code=ErrorCode.INVALID_OTP)]})


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's own tokens (on every host): list them, or revoke one (DELETE)."""

    serializer_class = ApiTokenSerializer
    permission_classes = [HostMembership]
    lookup_field = "uuid"
    queryset = ApiToken.objects.none()
    ordering_fields = ["created_at", "expires_at"]
    filter_backends = [OrderingFilter]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user.pk).select_related("user")

    def perform_destroy(self, instance: ApiToken) -> None:
        services.revoke_token(token=instance, actor=self.request.user)
