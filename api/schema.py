"""OpenAPI generation: reason headers, error bodies and strict request bodies documented for all."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

from .serializers import ErrorSerializer, FieldErrorSerializer

_ERROR_DESCRIPTIONS = {
    "400": "Invalid request: see `code` and `fields`.",
    "401": "Not signed in, or the token is invalid, expired, revoked or for another host.",
    "403": "Signed in, but your role does not allow this.",
    "404": "No such record here, or you are not a member of this host's force.",
    "409": "The change clashes with another record.",
    "413": "The request body is over the size limit.",
}


class ApiAutoSchema(AutoSchema):
    """Adds what the base viewsets do, so the schema says it and fuzzers can rely on it:

    the reason headers an action requires, and the error bodies every operation can answer with.
    """

    def get_override_parameters(self) -> list[Any]:
        params = list(super().get_override_parameters())
        headers = getattr(self.view, "reason_headers", {}) or {}
        header = headers.get(getattr(self.view, "action", None))
        if header is not None:
            params.append(
                OpenApiParameter(
                    name=header.name,
                    location=OpenApiParameter.HEADER,
                    required=True,
                    description=header.description,
                    type={"type": "string", "minLength": 1, "maxLength": header.max_length, "pattern": r"\S"},
                )
            )
        return params

    def _map_serializer_field(self, field: Any, direction: Any, bypass_extensions: bool = False) -> Any:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # DRF drops allow_blank / allow_null from read-only model fields, so the schema would claim
        # a blank or null value can never come back; it can, when the model field allows it.
        model_field = _model_field_of(field) if field.read_only else None
        if model_field is not None and isinstance(schema, dict):
            if model_field.blank and isinstance(schema.get("enum"), list) and "" not in schema["enum"]:
                schema["enum"] = [*schema["enum"], ""]
            if model_field.null and "$ref" not in schema:
                schema["nullable"] = True
        return schema

    def _error_codes(self) -> list[str]:
        codes = ["400", "401", "403", "404"]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes.append("409")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("413")
        return codes

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code in responses:
                continue
            serializer = FieldErrorSerializer if code == "400" else ErrorSerializer
            body = self._get_response_for_code(serializer, code, direction=direction)
            body["description"] = _ERROR_DESCRIPTIONS[code]
            responses[code] = body
        return responses


def _model_field_of(field: Any) -> Any:
    """The model field a serializer field reads, if it reads one directly."""
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    source = getattr(field, "source", "") or ""
    if model is None or not source or "." in source or source == "*":
        return None
    try:
        found = model._meta.get_field(source)
    except Exception:  # a property or method, not a model field
        return None
    # A reverse relation (an order's nested terms) is no column: it has no blank or null of its own.
    return None if found.auto_created and not found.concrete else found


def strict_request_bodies(
    result: dict[str, Any], generator: Any, request: Any, public: Any
) -> dict[str, Any]:
    """Postprocessing hook: request bodies refuse unknown members (as StrictFieldsMixin does)."""
    schemas = result.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        if name.endswith("Request") and schema.get("type") == "object":
            schema.setdefault("additionalProperties", False)
    return result


class HostTokenScheme(OpenApiAuthenticationExtension):
    """Documents ``Authorization: Bearer <token>`` (tokens from POST /api/v1/auth/token/)."""

    target_class = "api.authentication.HostTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from POST /api/v1/auth/token/, valid only on the host that issued it.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    """The browser's session cookie (unsafe methods also need the CSRF token)."""

    target_class = "api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        from django.conf import settings

        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
