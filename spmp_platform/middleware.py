"""Project-wide middleware: a request id and client address for every request."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core import request_context
from spmp_platform.client_address import client_address


class RequestContextMiddleware:
    """Give each request an id (echoed as X-Request-ID) and publish it to the audit service."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4()
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_context.set_current(
            request_context.RequestContext(
                request_id=request_id,
                client_address=client_address(request),
                user=None,
                host=request.get_host() if request.META.get("HTTP_HOST") else "",
            )
        )
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = str(request_id)
        return response
