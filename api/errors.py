"""Error bodies with stable codes: ``{"code": ..., "detail": ..., "fields": {...}}``.

Every API error goes through ``exception_handler``; clients branch on ``code`` (stable), people read
``detail``; validation errors add ``fields``: field name -> list of messages, and ``codes``: field
name -> the stable code of each message (DRF's ``required``, ``max_length``, ... or a service's own,
from its app's ``ErrorCode`` TextChoices via ``core.forms.field_error``). Django's own
``ValidationError`` (raised by services) and ``IntegrityError`` (a race the services could not see)
are mapped here too, so neither reaches the client as a 500; so are values the database refuses
(``DataError``: 400) and bodies over Django's upload limit (413). A failure that only a malformed
input can cause (``RecursionError``, ``UnicodeError``, ``OverflowError``) is a 400 ``parse_error``
wherever it is raised: the parser refuses these first, and this is the net behind it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler


class ErrorCode:
    """The stable codes (the ``code`` member of every error body)."""

    INVALID = "invalid"
    PARSE_ERROR = "parse_error"
    NOT_AUTHENTICATED = "not_authenticated"
    AUTHENTICATION_FAILED = "authentication_failed"
    INVALID_TOKEN = "invalid_token"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    THROTTLED = "throttled"
    LOCKED_OUT = "locked_out"
    CONFLICT = "conflict"
    REQUEST_TOO_LARGE = "request_too_large"
    ACCESS_REASON_REQUIRED = "access_reason_required"
    ERASURE_REASON_REQUIRED = "erasure_reason_required"
    POSSIBLE_DUPLICATE = "possible_duplicate"
    MFA_REQUIRED = "mfa_required"
    INVALID_OTP = "invalid_otp"


class AccessReasonRequired(exceptions.APIException):
    """Opening a case file over the API without a usable ``X-Access-Reason`` header."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = ErrorCode.ACCESS_REASON_REQUIRED
    default_detail = "Give your reason for opening this case file in the X-Access-Reason header."

    def __init__(
        self, detail: str | None = None, *, header: str = "X-Access-Reason", code: str | None = None
    ) -> None:
        super().__init__(detail, code)
        self.header = header


class ErasureReasonRequired(AccessReasonRequired):
    """Erasing a record without a usable ``X-Erasure-Reason`` header."""

    default_code = ErrorCode.ERASURE_REASON_REQUIRED
    default_detail = "Give the reason for erasing this record in the X-Erasure-Reason header."


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = ErrorCode.LOCKED_OUT
    default_detail = "Too many failed sign-in attempts; this account is locked for a while."


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = ErrorCode.REQUEST_TOO_LARGE
    default_detail = "The request body is too large."


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = ErrorCode.CONFLICT
    default_detail = "The change clashes with another record; reload and try again."


class PossibleDuplicate(Conflict):
    """A new record matches records already held; ``matches`` (their UUIDs) go in the body."""

    default_code = ErrorCode.POSSIBLE_DUPLICATE
    default_detail = (
        "A subject with this name (or alias) and date of birth is already recorded; see 'matches'. "
        "Send confirm_new: true to record a new subject all the same."
    )

    def __init__(self, matches: list[Any]) -> None:
        super().__init__()
        self.matches = [str(m) for m in matches]


def _code_for(exc: exceptions.APIException) -> str:
    # DRF's default codes (parse_error, not_authenticated, not_found, ...) are already stable names.
    code = exc.get_codes()
    return code if isinstance(code, str) and code else "error"


def _as_text(detail: Any) -> str:
    if isinstance(detail, (list, tuple)):
        return " ".join(_as_text(d) for d in detail)
    if isinstance(detail, dict):
        return " ".join(_as_text(d) for d in detail.values())
    return str(detail)


def _codes_by_field(codes: Any) -> dict[str, list[str]]:
    """DRF's nested codes as field -> flat list of codes (nested fields joined with dots)."""
    found: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, (list, tuple)):
            for inner in value:
                walk(prefix, inner)
        else:
            found.setdefault(prefix or "non_field_errors", [])
            if str(value) not in found[prefix or "non_field_errors"]:
                found[prefix or "non_field_errors"].append(str(value))

    walk("", codes)
    return found


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=as_serializer_error(exc))
    elif isinstance(exc, IntegrityError):
        exc = Conflict()
    elif isinstance(exc, DataError):
        # A value the database cannot hold (out of range, malformed) that validation let through.
        exc = exceptions.ValidationError({"non_field_errors": ["A value is out of range or malformed."]})
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, (RecursionError, UnicodeError, OverflowError)):
        exc = exceptions.ParseError("The request could not be read: a value is malformed or too large.")
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {
            "code": ErrorCode.INVALID,
            "detail": "The request has invalid fields; see 'fields' for what to correct.",
            "fields": fields,
            "codes": _codes_by_field(exc.get_codes()),
        }
    elif isinstance(exc, AccessReasonRequired):
        response.data = {
            "code": _code_for(exc),
            "detail": _as_text(exc.detail),
            "fields": {exc.header: [_as_text(exc.detail)]},
        }
    elif isinstance(exc, PossibleDuplicate):
        response.data = {"code": _code_for(exc), "detail": _as_text(exc.detail), "matches": exc.matches}
    elif isinstance(exc, exceptions.APIException):
        response.data = {"code": _code_for(exc), "detail": _as_text(exc.detail)}
    return response
