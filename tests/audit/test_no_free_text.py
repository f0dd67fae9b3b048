"""The append-only log keeps no text a client typed into a URL or a method.

A refusal used to copy ``request.path`` into its event: ``/force-admin/people/<a name>/`` kept the
name in the refused force's log for good. Every refusal (the non-member 404 of web and API, the
API 403, the web 403 of force and regional pages, a membership asked for that is not this
force's) and every list read now logs the route's name and the UUIDs that parsed. Here a name is
put in the path, the query string and the method of each, and no event in any schema may hold it.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from audit.choices import AuditAction
from audit.models import AuditEvent
from core.roles import ForceRole
from organisation import services as organisation
from tenants.models import Membership
from tests.api.base import session_client, token_client, token_for
from tests.conftest import HostClient, host_of
from tests.factories import make_subject, make_user

pytestmark = pytest.mark.django_db

NAME = "Zebedee Quuxworth"
SLUG = "Zebedee-Quuxworth"
FRAGMENTS = ("zebedee", "quuxworth")


def _all_events(*forces: Any) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    for schema in ("public", *(f.schema_name for f in forces)):
        with schema_context(schema):
            events.extend(AuditEvent.objects.all())
    connection.set_schema_to_public()
    return events


def _text_of(event: AuditEvent) -> str:
    return " ".join(
        str(value)
        for value in (
            event.action,
            event.object_type,
            event.justification,
            event.recipient,
            event.changed_fields,
            event.changes,
            event.actor_name,
        )
    ).lower()


def _assert_no_name(forces: tuple[Any, ...], since: int) -> list[AuditEvent]:
    events = _all_events(*forces)
    new = events[since:] if since else events
    for event in new:
        text = _text_of(event)
        assert not any(f in text for f in FRAGMENTS), (event.action, event.justification, event.changes)
    return new


def _paths(subject_uuid: uuid.UUID) -> list[str]:
    return [
        f"/force-admin/people/{SLUG}/",
        f"/force-admin/people/{NAME}/",
        f"/force-admin/people/{SLUG}/suspend/",
        f"/subjects/{SLUG}/",
        f"/subjects/{subject_uuid}/?q={SLUG}",
        f"/subjects/?q={SLUG}",
        f"/{SLUG}/",
        f"/audit/?user={SLUG}",
        f"/api/v1/people/{SLUG}/",
        f"/api/v1/subjects/{SLUG}/",
        f"/api/v1/subjects/{subject_uuid}/?search={SLUG}",
        f"/api/v1/teams/?search={SLUG}",
    ]


def _send_everything(client: HostClient, subject_uuid: uuid.UUID) -> list[int]:
    statuses = []
    for path in _paths(subject_uuid):
        statuses.append(client.get(path).status_code)
        statuses.append(client.post(path, {"family_name": NAME}).status_code)
        statuses.append(client.generic("ZEBEDEE", path).status_code)
    return statuses


def test_a_non_members_refusals_keep_no_name(force_a, force_b):
    subject = make_subject(force_a)
    outsider = make_user(force=force_b, roles=list(ForceRole))
    statuses = _send_everything(session_client(outsider, force_a), subject.uuid)
    assert set(statuses) == {404}
    refusals = [
        e for e in _assert_no_name((force_a, force_b), 0) if e.action == AuditAction.PERMISSION_DENIED
    ]
    assert refusals, "the refusals are still logged"
    assert all(e.actor_id == outsider.pk for e in refusals)
    # The route and the UUIDs that parsed are what the log keeps.
    justifications = {e.justification for e in refusals}
    assert "GET force_admin:person: not a member of this force" in justifications
    assert "OTHER force_admin:person: not a member of this force" in justifications
    assert "GET unresolved: not a member of this force" in justifications
    assert any(subject.uuid in e.object_ids for e in refusals)


def test_a_former_members_api_token_refusals_keep_no_name(force_a, force_b):
    subject = make_subject(force_a)
    former = make_user(force=force_a, roles=list(ForceRole))
    secret = token_for(former, force_a)
    Membership.objects.filter(user=former, force=force_a).update(status=Membership.Status.SUSPENDED)
    client = HostClient(host_of(force_a), HTTP_AUTHORIZATION=f"Bearer {secret}")
    for path in _paths(subject.uuid):
        if path.startswith("/api/"):
            assert client.get(path).status_code in (401, 404)
            assert client.generic("ZEBEDEE", path).status_code in (401, 404, 405)
    _assert_no_name((force_a, force_b), 0)


def test_a_members_api_403s_keep_no_name(force_a, force_b):
    subject = make_subject(force_a)
    viewer = make_user(force=force_a, roles=[ForceRole.VIEWER])
    client = token_client(viewer, force_a)
    for path in (f"/api/v1/people/{SLUG}/", f"/api/v1/audit-events/{SLUG}/", f"/api/v1/teams/{SLUG}/"):
        assert client.get(path).status_code == 403
    for path in (f"/api/v1/people/{SLUG}/", f"/api/v1/teams/{SLUG}/"):
        assert client.patch(path, {"name": NAME}, content_type="application/json").status_code == 403
    assert client.delete(f"/api/v1/subjects/{subject.uuid}/?q={SLUG}").status_code == 403
    refusals = [
        e for e in _assert_no_name((force_a, force_b), 0) if e.action == AuditAction.PERMISSION_DENIED
    ]
    assert len(refusals) == 6
    for event in refusals:
        assert event.justification.startswith("API ") and "/" not in event.justification, event.justification
    [delete] = [e for e in refusals if e.justification.startswith("API DELETE")]
    assert delete.object_ids == [subject.uuid]


def test_a_members_web_403s_keep_no_name(force_a, force_b):
    subject = make_subject(force_a)
    officer = make_user(force=force_a, roles=[ForceRole.DISCLOSURE_OFFICER])
    statuses = _send_everything(session_client(officer, force_a), subject.uuid)
    assert 403 in statuses
    refusals = [
        e for e in _assert_no_name((force_a, force_b), 0) if e.action == AuditAction.PERMISSION_DENIED
    ]
    assert refusals
    assert any(e.justification.startswith("GET force_admin:person needs") for e in refusals)


def test_an_administrator_asking_for_a_name_instead_of_a_membership_keeps_no_name(force_a, force_b):
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    client = session_client(admin, force_a)
    for path in (f"/force-admin/people/{SLUG}/", f"/force-admin/people/{SLUG}/suspend/"):
        assert client.get(path).status_code in (404, 405)
        assert client.post(path, {"reason": "x"}).status_code in (404, 405)
    assert client.get(f"/force-admin/people/?q={SLUG}").status_code == 200
    _assert_no_name((force_a, force_b), 0)


def test_regional_refusals_keep_no_name(force_a, force_b):
    member = make_user(force=force_a, roles=[ForceRole.OFFICER])
    client = session_client(member, None)
    assert client.get(f"/region/forces/?q={SLUG}").status_code == 403
    assert client.post(f"/region/role-grants/{uuid.uuid4()}/?q={SLUG}", {"decision": NAME}).status_code in (
        403,
        404,
    )
    assert client.get(f"/api/v1/people/{SLUG}/").status_code in (403, 404)
    refusals = [
        e for e in _assert_no_name((force_a, force_b), 0) if e.action == AuditAction.PERMISSION_DENIED
    ]
    assert refusals


def test_list_reads_name_the_route_not_the_path(force_a, force_b):
    make_subject(force_a)
    everyone = make_user(force=force_a, roles=list(ForceRole))
    with schema_context(force_a.schema_name):
        organisation.create_team(actor=everyone, name="North", kind="response")
    connection.set_schema_to_public()
    client = token_client(everyone, force_a)
    for path in ("/api/v1/subjects/", "/api/v1/teams/", "/api/v1/areas/", "/api/v1/people/"):
        assert client.get(f"{path}?search={SLUG}&ordering=uuid").status_code in (200, 400)
        assert client.get(path).status_code == 200
    assert client.get(f"/api/v1/audit-events/?page={SLUG}").status_code in (200, 404)
    assert client.get("/api/v1/audit-events/?page=1").status_code == 200
    events = _assert_no_name((force_a, force_b), 0)
    lists = [e for e in events if e.justification.startswith("API list")]
    assert lists and {e.justification for e in lists} == {"API list team-list"}


def test_deleting_a_team_logs_its_uuid_not_its_name(force_a, force_b):
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    member = make_user(force=force_a, roles=[ForceRole.OFFICER])
    with schema_context(force_a.schema_name):
        team = organisation.create_team(
            actor=admin, name="Response team north", kind="response", members=[member], lead=member
        )
        first = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        organisation.delete_team(actor=admin, team=team)
        [erased] = AuditEvent.objects.filter(id__gt=first)
        created = AuditEvent.objects.get(action=AuditAction.COLLECT, object_ids__contains=[team.uuid])
    connection.set_schema_to_public()
    assert (erased.action, erased.object_ids, erased.justification) == (
        AuditAction.ERASE,
        [team.uuid],
        "Team deleted",
    )
    assert "Response team north" not in _text_of(erased)
    # People are named in a team's events only by their UUIDs, never by name or email.
    text = _text_of(created)
    assert member.full_name.lower() not in text and member.email.lower() not in text
    assert str(member.uuid) in text
