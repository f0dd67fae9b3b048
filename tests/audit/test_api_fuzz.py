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
from django_tenants.utils import schema_context
from schemathesis.generation import GenerationMode

from audit.services import AuditAction, record_event
from core.roles import ForceRole
from tests.api.base import token_for
from tests.factories import make_user
from tests.fuzzing import force_api_schema, fuzz

pytestmark = pytest.mark.slow
EXAMPLES = 25


@pytest.fixture
def audit_schema(force_a) -> Iterator[tuple[schemathesis.BaseSchema, str, dict[str, str], str]]:  # type: ignore[no-untyped-def]
    auditor = make_user(force=force_a, roles=[ForceRole.AUDITOR], email="audit-fuzz@lincolnshire.test")
    with schema_context(force_a.schema_name):
        known = record_event(action=AuditAction.ALTER, object_type="subject", object_ids=[uuid.uuid4()])
    secret = token_for(auditor, force_a)
    with force_api_schema(force_a) as (schema, base_url):
        yield schema, base_url, {"Authorization": f"Bearer {secret}"}, str(known.uuid)


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
                fuzz(strategy, examples=EXAMPLES, base_url=base_url, headers=headers, statuses=statuses)
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:2000]}")
    print({label: dict(counts) for label, counts in statuses.items()})
    assert not failures, "\n\n".join(failures)
    assert statuses["GET /api/v1/audit-events/"][200] > 0
    assert statuses["GET /api/v1/audit-events/"][400] > 0
    assert statuses["GET /api/v1/audit-events/export/"][200] > 0
    assert statuses["GET /api/v1/audit-events/{uuid}/"][200] > 0
