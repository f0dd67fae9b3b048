"""An API update that changes nothing still shows the record, so it logs one consult, in that force only."""

from __future__ import annotations

import pytest

from audit.choices import AuditAction, RecordType
from core.roles import ForceRole
from tests.api.base import events_since, last_event_id, token_client
from tests.factories import make_subject, make_user

pytestmark = pytest.mark.django_db


def test_an_update_that_changes_nothing_logs_one_consult_and_a_change_one_alteration(force_a, force_b):
    subject = make_subject(force_a, family_name="Unchanged")
    client = token_client(make_user(force=force_a, roles=[ForceRole.COORDINATOR]), force_a)
    before_a, before_b = last_event_id(force_a), last_event_id(force_b)

    same = client.patch(
        f"/api/v1/subjects/{subject.uuid}/", {"family_name": "Unchanged"}, content_type="application/json"
    )
    assert same.status_code == 200, same.json()
    events = events_since(force_a, before_a)
    assert [(e.action, e.object_type, e.object_ids) for e in events] == [
        (AuditAction.CONSULT, RecordType.SUBJECT, [subject.uuid])
    ]

    after = last_event_id(force_a)
    changed = client.patch(
        f"/api/v1/subjects/{subject.uuid}/", {"family_name": "Changed"}, content_type="application/json"
    )
    assert changed.status_code == 200, changed.json()
    assert [(e.action, e.changed_fields) for e in events_since(force_a, after)] == [
        (AuditAction.ALTER, ["family_name"])
    ]
    assert events_since(force_b, before_b) == []
