"""One's own reminder email choices over the API: /api/v1/notification-preferences/.

GET lists every kind with its mode (urgent kinds always "immediate"); PUT takes an object of kind
-> "immediate" | "digest" and changes only the kinds given, through ``reminders.services``. An
unknown kind, an unknown mode or "digest" for an urgent kind: 400 with the field's code, nothing
saved."""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from core.roles import Perm
from reminders.choices import URGENT_KINDS, EmailMode, ReminderKind
from reminders.services import preferences_of, set_preferences

from .permissions import ForcePermission

PREFERENCES = inline_serializer(
    name="NotificationPreferences",
    fields={
        "results": inline_serializer(
            name="NotificationPreference",
            many=True,
            fields={
                "kind": serializers.ChoiceField(choices=ReminderKind.choices),
                "label": serializers.CharField(),
                "mode": serializers.ChoiceField(choices=EmailMode.choices),
                "urgent": serializers.BooleanField(help_text="Urgent kinds are always emailed at once."),
            },
        )
    },
)


def _body(user: Any) -> dict[str, Any]:
    modes = preferences_of(user)
    return {
        "results": [
            {
                "kind": kind.value,
                "label": kind.label,
                "mode": modes[kind.value],
                "urgent": kind in URGENT_KINDS,
            }
            for kind in ReminderKind
        ]
    }


class NotificationPreferencesViewSet(viewsets.ViewSet):
    """One object, not a list: the GET is "retrieve" so the schema does not describe an array."""

    permission_classes = [ForcePermission]
    http_method_names = ["get", "put", "head", "options"]
    required_permissions: ClassVar[dict[str, str]] = {"retrieve": Perm.USE_INBOX, "update": Perm.USE_INBOX}

    @extend_schema(summary="How each kind of reminder is emailed to me.", responses=PREFERENCES)
    def retrieve(self, request: Any) -> Response:
        return Response(_body(request.user))

    @extend_schema(
        summary="Choose how kinds of reminder are emailed to me (only the kinds given change).",
        request={
            "application/json": {
                "type": "object",
                "additionalProperties": {"type": "string", "enum": EmailMode.values},
            }
        },
        responses=PREFERENCES,
        examples=[OpenApiExample("Reviews as a digest", value={"review-due": "digest"}, request_only=True)],
    )
    def update(self, request: Any) -> Response:
        data = request.data
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        serializers.ErrorDetail("Send an object of kind -> mode.", code="invalid")
                    ]
                }
            )
        set_preferences(actor=request.user, choices=data)  # its ValidationError: 400 with codes
        return Response(_body(request.user))
