"""``/api/v1/audit-events/``: the generic force-endpoint contract, the filters and the CSV export."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from django_tenants.utils import schema_context

from api.audit import AuditEventViewSet
from audit.models import AuditEvent
from audit.services import AUDIT_EVENT_OBJECT_TYPE, AuditAction, record_event
from core.roles import ForceRole
from tests.api.base import ForceEndpointContract, events_since, last_event_id, token_client
from tests.factories import make_user


def _event(force, **fields) -> AuditEvent:  # type: ignore[no-untyped-def]
    fields.setdefault("action", AuditAction.CONSULT)
    fields.setdefault("object_type", "subject")
    with schema_context(force.schema_name):
        return record_event(**fields)


class TestAuditEventEndpoint(ForceEndpointContract):
    endpoint = "/api/v1/audit-events/"
    viewset = AuditEventViewSet

    def make_object(self, force):  # type: ignore[no-untyped-def]
        return _event(force, object_ids=[uuid.uuid4()], justification="contract test")

    def test_nothing_of_force_a_is_visible_or_changeable_from_force_b(self, force_a, force_b) -> None:
        # Only auditors may list at all, so the onlooker in force B is an auditor there.
        obj = self.make_object(force_a)
        client = token_client(make_user(force=force_b, roles=[ForceRole.AUDITOR]), force_b)
        listed = client.get(self.endpoint, {"page_size": 100}).json()["results"]
        assert str(obj.uuid) not in {r["uuid"] for r in listed}
        assert client.get(f"{self.endpoint}{obj.uuid}/").status_code == 404
        by_subject = client.get(self.endpoint, {"subject": str(obj.object_ids[0])}).json()
        assert by_subject["results"] == []
        export = b"".join(client.get(f"{self.endpoint}export/").streaming_content).decode()
        assert str(obj.uuid) not in export


@pytest.fixture
def auditor_client(force_a):  # type: ignore[no-untyped-def]
    return token_client(make_user(force=force_a, roles=[ForceRole.AUDITOR]), force_a)


def test_filters_match_the_web(force_a, auditor_client):
    subject_id = uuid.uuid4()
    hit = _event(force_a, object_ids=[subject_id], action=AuditAction.ALTER)
    _event(force_a, object_ids=[subject_id], action=AuditAction.CONSULT)
    response = auditor_client.get("/api/v1/audit-events/", {"subject": str(subject_id), "action": "alter"})
    assert response.status_code == 200
    assert [r["uuid"] for r in response.json()["results"]] == [str(hit.uuid)]
    assert response.json()["results"][0]["action_label"] == "Alteration"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_to"),
        ({"subject": "123"}, "subject"),
        ({"user": "not an email"}, "user"),
        ({"action": "delete-everything"}, "action"),
    ],
)
def test_bad_filters_are_a_400_naming_the_field_and_read_nothing(force_a, auditor_client, params, field):
    before = last_event_id(force_a)
    for path in ("/api/v1/audit-events/", "/api/v1/audit-events/export/"):
        response = auditor_client.get(path, params)
        assert response.status_code == 400, (path, response.content)
        body = response.json()
        assert body["code"] == "invalid" and field in body["fields"], body
    assert events_since(force_a, before) == []


def test_export_streams_csv_and_is_logged(force_a, auditor_client):
    subject_id = uuid.uuid4()
    hit = _event(force_a, object_ids=[subject_id])
    before = last_event_id(force_a)
    for extra in ({}, {"format": "csv"}):
        response = auditor_client.get("/api/v1/audit-events/export/", {"subject": str(subject_id), **extra})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert [r[0] for r in rows[1:]] == [str(hit.uuid)]
    response = auditor_client.get("/api/v1/audit-events/export/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    events = events_since(force_a, before)
    assert len(events) == 3
    assert all(e.object_type == AUDIT_EVENT_OBJECT_TYPE and e.action == AuditAction.CONSULT for e in events)
    assert "Exported the access log (CSV) (API)" in events[0].justification
    assert f"subject={subject_id}" in events[0].justification


def test_export_refuses_non_auditors(force_a):
    officer = token_client(make_user(force=force_a, roles=[ForceRole.COORDINATOR]), force_a)
    response = officer.get("/api/v1/audit-events/export/")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_the_schema_documents_the_endpoint(force_a, auditor_client):
    schema = auditor_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/audit-events/" in text and "/api/v1/audit-events/export/" in text
