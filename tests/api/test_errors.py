"""The error handler maps every failure a view can raise to a stable code, never a 500."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from rest_framework import exceptions

from api.errors import AccessReasonRequired, exception_handler


def handle(exc: Exception) -> tuple[int, dict]:
    response = exception_handler(exc, {})
    assert response is not None
    return response.status_code, response.data


def test_service_validation_errors_become_field_errors():
    status, body = handle(DjangoValidationError({"pnc_id": ["Another subject already has this PNC id."]}))
    assert status == 400
    assert body == {
        "code": "invalid",
        "detail": "The request has invalid fields; see 'fields' for what to correct.",
        "fields": {"pnc_id": ["Another subject already has this PNC id."]},
        "codes": {"pnc_id": ["invalid"]},  # an uncoded service error: DRF's generic code
    }
    coded = DjangoValidationError({"pnc_id": [DjangoValidationError("Taken.", code="duplicate_pnc_id")]})
    assert handle(coded)[1]["codes"] == {"pnc_id": ["duplicate_pnc_id"]}
    status, body = handle(DjangoValidationError("Not like that."))
    assert status == 400 and body["fields"] == {"non_field_errors": ["Not like that."]}


def test_database_refusals_are_not_500s():
    assert handle(IntegrityError("duplicate key value violates unique constraint"))[0] == 409
    assert handle(IntegrityError("x"))[1]["code"] == "conflict"
    status, body = handle(DataError("value too long"))
    assert status == 400 and body["code"] == "invalid"


def test_django_and_drf_exceptions_have_stable_codes():
    cases = [
        (Http404("secret detail"), 404, "not_found"),
        (DjangoPermissionDenied(), 403, "permission_denied"),
        (exceptions.NotAuthenticated(), 401, "not_authenticated"),
        (exceptions.ParseError("bad"), 400, "parse_error"),
        (exceptions.MethodNotAllowed("DELETE"), 405, "method_not_allowed"),
        (exceptions.UnsupportedMediaType("text/plain"), 415, "unsupported_media_type"),
        (exceptions.Throttled(5), 429, "throttled"),
        (AccessReasonRequired(), 400, "access_reason_required"),
    ]
    for exc, status, code in cases:
        got_status, body = handle(exc)
        assert (got_status, body["code"]) == (status, code), exc
        assert isinstance(body["detail"], str) and body["detail"]
    assert handle(Http404("secret detail"))[1]["detail"] == "Not found."


def test_unexpected_errors_are_left_to_the_500_handler():
    assert exception_handler(RuntimeError("boom"), {}) is None
