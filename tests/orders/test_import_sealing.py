"""A long import transaction and the audit sealer (issue 11, Measure: "a long write transaction
defers audit sealing"). The import's events take their ids when inserted, long before they commit;
a request meanwhile commits a higher id. The sealer must defer that force (not seal past rows it
cannot see yet), seal the other forces, and afterwards seal every imported row: none skipped,
none later mistaken for a row inserted into a sealed range."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from typing import Any

import pytest
from django.db import connection
from django.db.models import Max
from django_tenants.utils import schema_context

from audit.models import AuditEvent
from audit.sealing import seal_all, verify_schema
from audit.services import AuditAction, record_event
from orders import imports
from tests.orders.imports import csv_bytes, row

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
NO_GRACE = dt.timedelta(0)


def test_a_long_import_defers_sealing_of_its_force_only_and_no_row_is_skipped(committed_forces, monkeypatch):
    force_a, force_b = committed_forces
    written, release = threading.Event(), threading.Event()
    real_write = imports._write

    def write_then_wait(*args: Any, **kwargs: Any) -> None:
        real_write(*args, **kwargs)
        written.set()  # every audit row of the import has its id; the transaction is still open
        release.wait(60)

    monkeypatch.setattr(imports, "_write", write_then_wait)
    outcome: dict[str, Any] = {}

    def run_import() -> None:
        try:
            with schema_context(force_a.schema_name):
                outcome["report"] = imports.import_caseload(
                    csv_bytes([row(n) for n in range(1, 41)]), actor=None
                )
        except Exception as exc:  # reported to the test below
            outcome["error"] = exc
        finally:
            connection.close()

    worker = threading.Thread(target=run_import)
    worker.start()
    try:
        assert written.wait(120), outcome
        with schema_context(force_a.schema_name):  # a short request commits a higher id meanwhile
            later = record_event(action=AuditAction.CONSULT, object_type="subject", object_ids=[uuid.uuid4()])
        with schema_context(force_b.schema_name):
            record_event(action=AuditAction.CONSULT, object_type="subject", object_ids=[uuid.uuid4()])
        report = seal_all(grace=NO_GRACE, horizon_wait=0.5)
        assert set(report.deferred) == {force_a.schema_name}, report.summary()
        assert report.sealed[force_b.schema_name] >= 1
    finally:
        release.set()
        worker.join(120)
    assert "error" not in outcome, outcome
    assert outcome["report"].imported and outcome["report"].subjects_new == 40
    with schema_context(force_a.schema_name):
        imported = AuditEvent.objects.filter(justification=imports.JUSTIFICATION)
        assert imported.count() == 40 * 3  # a subject, an order and a requirement each
        assert imported.aggregate(top=Max("id"))["top"] < later.pk  # lower ids, committed later
    report = seal_all(grace=NO_GRACE, horizon_wait=5)
    assert not report.deferred, report.summary()
    result = verify_schema(force_a.schema_name)
    assert result.ok and result.unsealed_rows == 0, result.line()
    assert result.sealed_rows >= 40 * 3 + 1
