"""Schemathesis against the real WSGI application on a force host, shared by the fuzz tests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import host_of

CHECKS = [not_a_server_error, response_schema_conformance]


@contextmanager
def force_api_schema(force: Any) -> Iterator[tuple[schemathesis.BaseSchema, str]]:
    """The force host's OpenAPI schema, bound to the in-process WSGI app, and its base URL.

    (schemathesis.pytest.from_fixture would do this, but its lazy loader reads a pytest node
    attribute that pytest 9 no longer has.) The WSGI handler closes "old" connections around each
    request, which would end the test's transaction; Django's own test client disconnects the
    same signal handlers for this reason, and so does this.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        base_url = f"http://{host_of(force)}"
        schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application(), base_url=base_url)
        yield schema, base_url
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def fuzz(
    strategy: Any, *, examples: int, base_url: str, headers: dict[str, str], statuses: dict[str, Counter[int]]
) -> None:
    """Run ``examples`` generated cases (deterministically) and count the statuses per operation."""

    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)
        statuses.setdefault(case.operation.label, Counter())[response.status_code] += 1

    run()
