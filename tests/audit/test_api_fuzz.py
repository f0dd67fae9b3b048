"""Fuzz ``/api/v1/audit-events/`` from the OpenAPI schema as an auditor: no 5xx, responses as documented.

The project-wide fuzz run (tests/api/test_schemathesis.py) signs in as a coordinator, who may not read
the log and so only ever sees 403 here; this run signs in as an auditor so the filters, pagination
and the CSV export are really exercised.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from audit.services import AuditAction, record_event
from tenants.roles import ForceRole
from tests.api.base import token_for
from tests.conftest import host_of
from tests.factories import make_user

pytestmark = pytest.mark.slow
CHECKS = [not_a_server_error, response_schema_conformance]
EXAMPLES = 25


@pytest.fixture
def audit_schema(force_a) -> Iterator[tuple[schemathesis.BaseSchema, str, dict[str, str], str]]:  # type: ignore[no-untyped-def]
    auditor = make_user(force=force_a, roles=[ForceRole.AUDITOR], email="audit-fuzz@lincolnshire.test")
    with schema_context(force_a.schema_name):
        known = record_event(action=AuditAction.ALTER, object_type="subject", object_ids=[uuid.uuid4()])
    secret = token_for(auditor, force_a)
    # See tests/api/test_schemathesis.py: keep the test's transaction across WSGI requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        base_url = f"http://{host_of(force_a)}"
        schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application(), base_url=base_url)
        yield schema, base_url, {"Authorization": f"Bearer {secret}"}, str(known.uuid)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_audit_endpoints_never_5xx_and_match_the_schema(audit_schema):  # type: ignore[no-untyped-def]
    schema, base_url, headers, known_uuid = audit_schema
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations if op.path.startswith("/api/v1/audit-events/")]
    assert {op.label for op in operations} == {
        "GET /api/v1/audit-events/",
        "GET /api/v1/audit-events/{uuid}/",
        "GET /api/v1/audit-events/export/",
    }
    statuses: dict[str, Counter[int]] = {}
    failures: list[str] = []
    for operation in operations:
        runs = [(GenerationMode.POSITIVE, None), (GenerationMode.NEGATIVE, None)]
        if "{uuid}" in operation.path:
            runs.append((GenerationMode.POSITIVE, {"uuid": known_uuid}))
        for mode, path_parameters in runs:
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
            try:
                _fuzz(strategy, base_url, headers, statuses)
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:2000]}")
    print({label: dict(counts) for label, counts in statuses.items()})
    assert not failures, "\n\n".join(failures)
    assert statuses["GET /api/v1/audit-events/"][200] > 0
    assert statuses["GET /api/v1/audit-events/"][400] > 0
    assert statuses["GET /api/v1/audit-events/export/"][200] > 0
    assert statuses["GET /api/v1/audit-events/{uuid}/"][200] > 0


def _fuzz(strategy, base_url, headers, statuses):  # type: ignore[no-untyped-def]
    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):  # type: ignore[no-untyped-def]
        response = case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)
        statuses.setdefault(case.operation.label, Counter())[response.status_code] += 1

    run()
