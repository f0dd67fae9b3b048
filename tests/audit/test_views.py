"""Auditors search and export their force's log on the web; reading the log is itself logged."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from audit.models import AuditEvent
from audit.services import AUDIT_EVENT_OBJECT_TYPE, AuditAction, record_event
from core.roles import ForceRole, RegionalRoleKind
from tests.factories import make_user


def _event(force, **fields) -> AuditEvent:  # type: ignore[no-untyped-def]
    fields.setdefault("action", AuditAction.CONSULT)
    fields.setdefault("object_type", "subject")
    with schema_context(force.schema_name if force else "public"):
        return record_event(**fields)


def _log_reads(force, actor) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with schema_context(force.schema_name if force else "public"):
        return list(
            AuditEvent.objects.filter(object_type=AUDIT_EVENT_OBJECT_TYPE, actor_id=actor.pk).order_by("id")
        )


@pytest.fixture
def auditor_a(force_a):  # type: ignore[no-untyped-def]
    return make_user(force=force_a, roles=[ForceRole.AUDITOR])


@pytest.fixture
def auditor_b(force_b):  # type: ignore[no-untyped-def]
    return make_user(force=force_b, roles=[ForceRole.AUDITOR])


# --- access -----------------------------------------------------------------------------------
def test_anonymous_is_sent_to_sign_in(force_a, client_for):
    for path in ("/audit/", "/audit/export.csv"):
        response = client_for(None, force_a).get(path)
        assert response.status_code == 302 and "/sign-in/" in response["Location"], path


def test_member_without_view_audit_gets_403_and_the_refusal_is_logged(force_a, client_for):
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER, ForceRole.COORDINATOR])
    client = client_for(officer, force_a)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403
    with schema_context(force_a.schema_name):
        assert (
            AuditEvent.objects.filter(actor_id=officer.pk, action=AuditAction.PERMISSION_DENIED).count() == 2
        )
        assert not AuditEvent.objects.filter(actor_id=officer.pk, action=AuditAction.CONSULT).exists()


def test_non_member_gets_404(force_a, auditor_b, client_for):
    client = client_for(auditor_b, force_a)
    assert client.get("/audit/").status_code == 404
    assert client.get("/audit/export.csv?action=consult").status_code == 404


def test_nav_shows_the_access_log_to_auditors_only(force_a, auditor_a, client_for):
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    assert b'data-testid="nav-audit"' in client_for(auditor_a, force_a).get("/").content
    assert b'data-testid="nav-audit"' not in client_for(officer, force_a).get("/").content


# --- searching --------------------------------------------------------------------------------
def test_opening_the_page_reads_nothing_and_logs_nothing(force_a, auditor_a, client_for):
    response = client_for(auditor_a, force_a).get("/audit/")
    assert response.status_code == 200
    assert b"Search the log" in response.content and b'data-testid="audit-table"' not in response.content
    assert _log_reads(force_a, auditor_a) == []


def test_search_by_subject_finds_only_events_naming_it_and_is_logged(force_a, auditor_a, client_for):
    subject_id, other_id = uuid.uuid4(), uuid.uuid4()
    hit = _event(force_a, object_ids=[subject_id, other_id], justification="looked at it")
    miss = _event(force_a, object_ids=[other_id])
    response = client_for(auditor_a, force_a).get("/audit/", {"subject": str(subject_id)})
    assert response.status_code == 200
    body = response.content.decode()
    assert str(hit.uuid) in body and str(miss.uuid) not in body
    assert "looked at it" in body
    assert 'data-testid="marking"' in body
    reads = _log_reads(force_a, auditor_a)
    assert len(reads) == 1
    assert reads[0].action == AuditAction.CONSULT
    assert reads[0].object_ids == [hit.uuid]
    assert f"subject={subject_id}" in reads[0].justification
    assert reads[0].actor_force == force_a.slug


def test_events_of_force_a_never_appear_in_force_b(force_a, force_b, auditor_a, auditor_b, client_for):
    subject_id = uuid.uuid4()
    in_a = _event(force_a, object_ids=[subject_id], justification="force A only")
    client_b = client_for(auditor_b, force_b)
    by_subject = client_b.get("/audit/", {"subject": str(subject_id)}).content.decode()
    assert str(in_a.uuid) not in by_subject and "No events match" in by_subject
    everything = client_b.get("/audit/", {"action": "consult"}).content.decode()
    assert str(in_a.uuid) not in everything and "force A only" not in everything
    export = b"".join(client_b.get("/audit/export.csv").streaming_content).decode()
    assert str(in_a.uuid) not in export
    # and B's reading of its log stayed in B
    with schema_context(force_a.schema_name):
        assert not AuditEvent.objects.filter(actor_id=auditor_b.pk).exists()
    assert len(_log_reads(force_b, auditor_b)) == 3
    assert (
        str(in_a.uuid)
        in client_for(auditor_a, force_a).get("/audit/", {"subject": str(subject_id)}).content.decode()
    )


def test_search_by_user_email_or_uuid_and_action_and_period(force_a, auditor_a, client_for):
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    mine = _event(force_a, actor=officer, justification="officer read")
    erased = _event(force_a, actor=officer, action=AuditAction.ERASE, justification="officer erased")
    other = _event(force_a, justification="someone else")
    client = client_for(auditor_a, force_a)
    for who in (officer.email, officer.email.upper(), str(officer.uuid)):
        body = client.get("/audit/", {"user": who}).content.decode()
        assert str(mine.uuid) in body and str(erased.uuid) in body and str(other.uuid) not in body, who
    body = client.get("/audit/", {"user": officer.email, "action": "erase"}).content.decode()
    assert str(erased.uuid) in body and str(mine.uuid) not in body
    today = mine.occurred_at.date().isoformat()
    assert str(mine.uuid) in client.get("/audit/", {"date_from": today, "date_to": today}).content.decode()
    body = client.get("/audit/", {"date_from": "2001-01-01", "date_to": "2001-12-31"}).content.decode()
    assert str(mine.uuid) not in body and "No events match" in body


def test_platform_onboarding_events_are_not_in_a_force_log(force_a, auditor_a, client_for):
    body = client_for(auditor_a, force_a).get("/audit/", {"subject": str(force_a.uuid)}).content.decode()
    assert "No events match" in body


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_from": "2026-02-30"}, "date_from", "Enter the &#x27;from&#x27; date as a real date"),
        ({"date_to": "yesterday"}, "date_to", "Enter the &#x27;to&#x27; date as a real date"),
        ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_to", "same as or after"),
        ({"date_to": "9999-12-31"}, "date_to", "between 2000 and 2999"),
        ({"subject": "not-a-uuid"}, "subject", "Enter the record&#x27;s id as a UUID"),
        ({"user": "bob"}, "user", "email address"),
        ({"action": "hack"}, "action", "Choose an action from the list"),
        ({"object_type": "x; drop"}, "object_type", "lower-case letters"),
        ({"user": "a\x00b@example.com"}, "user", "Null characters are not allowed"),
    ],
)
def test_bad_input_gets_a_field_error_and_reads_nothing(
    force_a, auditor_a, client_for, params, field, message
):
    client = client_for(auditor_a, force_a)
    response = client.get("/audit/", params)
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and message in body
    assert f'id="id_{field}-error"' in body
    assert client.get("/audit/export.csv", params).status_code == 400
    assert _log_reads(force_a, auditor_a) == []


def test_a_silly_page_number_is_the_first_page(force_a, auditor_a, client_for):
    for page in ("0", "-3", "abc", "99999999999999999999"):
        assert (
            client_for(auditor_a, force_a).get("/audit/", {"action": "consult", "page": page}).status_code
            == 200
        )


def test_pagination_and_query_count_flat_with_page_size(force_a, auditor_a, client_for):
    client = client_for(auditor_a, force_a)
    object_type = f"widget{uuid.uuid4().hex[:6]}"
    for _ in range(5):
        _event(force_a, object_type=object_type)
    client.get("/audit/", {"object_type": object_type})  # warm the session and caches
    connection.set_schema_to_public()  # both counts from the same connection state (search path)
    with CaptureQueriesContext(connection) as few:
        response = client.get("/audit/", {"object_type": object_type})
    assert response.content.decode().count('data-event="') == 5
    for _ in range(60):
        _event(force_a, object_type=object_type)
    connection.set_schema_to_public()
    with CaptureQueriesContext(connection) as many:
        response = client.get("/audit/", {"object_type": object_type})
    body = response.content.decode()
    assert body.count('data-event="') == 50
    assert 'data-testid="audit-next"' in body
    assert len(many.captured_queries) == len(few.captured_queries)
    second = client.get("/audit/", {"object_type": object_type, "page": 2}).content.decode()
    assert second.count('data-event="') == 15 and 'rel="prev"' in second
    assert "page 2" in _log_reads(force_a, auditor_a)[-1].justification


# --- export -----------------------------------------------------------------------------------
def test_csv_export_has_the_filtered_events_and_is_logged(force_a, auditor_a, client_for):
    subject_id = uuid.uuid4()
    hit = _event(force_a, object_ids=[subject_id], justification='=HYPERLINK("http://evil")')
    miss = _event(force_a, object_ids=[uuid.uuid4()])
    response = client_for(auditor_a, force_a).get("/audit/export.csv", {"subject": str(subject_id)})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"] and force_a.slug in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "event_id"
    assert [r[0] for r in rows[1:]] == [str(hit.uuid)]
    assert str(miss.uuid) not in str(rows)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["object_ids"] == str(subject_id)
    assert record["justification"].startswith("'=")  # no formula runs in a spreadsheet
    assert record["action"] == "consult"
    reads = _log_reads(force_a, auditor_a)
    assert len(reads) == 1
    assert "Exported the access log (CSV)" in reads[0].justification
    assert f"subject={subject_id}" in reads[0].justification


# --- the regional host: the platform's own log ------------------------------------------------
def test_platform_admin_reads_the_platform_log_with_onboardings(force_a, client_for):
    admin = make_user(regional=(RegionalRoleKind.PLATFORM_ADMIN, None))
    client = client_for(admin, None)
    page = client.get("/audit/")
    assert page.status_code == 200 and b'data-testid="onboardings"' in page.content
    body = client.get("/audit/", {"object_type": "force", "action": "collect"}).content.decode()
    assert f"Onboarded force {force_a.slug}" in body
    assert len(_log_reads(None, admin)) == 1
    export = b"".join(client.get("/audit/export.csv", {"subject": str(force_a.uuid)}).streaming_content)
    assert str(force_a.uuid).encode() in export
    assert b'data-testid="nav-audit"' in client.get("/").content


def test_force_events_are_not_in_the_platform_log(force_a, client_for):
    in_a = _event(force_a, justification="force A consult")
    admin = make_user(regional=(RegionalRoleKind.PLATFORM_ADMIN, None))
    body = client_for(admin, None).get("/audit/", {"action": "consult"}).content.decode()
    assert str(in_a.uuid) not in body


def test_platform_log_refuses_others(force_a, auditor_a, client_for):
    assert client_for(auditor_a, None).get("/audit/").status_code == 403
    assert client_for(auditor_a, None).get("/audit/export.csv").status_code == 403
    anonymous = client_for(None, None).get("/audit/")
    assert anonymous.status_code == 302 and "/sign-in/" in anonymous["Location"]
    regional_admin = make_user(regional=(RegionalRoleKind.REGIONAL_ADMIN, force_a.region))
    assert client_for(regional_admin, None).get("/audit/").status_code == 403
