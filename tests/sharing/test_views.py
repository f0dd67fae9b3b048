"""Sharing pages: the issue's journey across two hosts, field errors, refusals and throttling."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from audit.models import AuditEvent
from core.roles import ForceRole
from sharing.models import Grant, SharingRequest
from tests.factories import make_user

from .helpers import asker, decider, granted, same_person

pytestmark = pytest.mark.django_db


def test_find_request_approve_read_revoke_across_hosts(force_a, force_b, client_for):
    ours, theirs = same_person(force_a, force_b)
    officer = asker(force_a)
    a = client_for(officer, force_a)
    page = a.get(f"/sharing/check/{ours.uuid}/")
    assert page.status_code == 200
    page = a.post(f"/sharing/check/{ours.uuid}/")
    assert page.status_code == 200
    assert force_b.name in page.content.decode()
    assert theirs.family_name.upper() in page.content.decode()  # our own subject heads the page
    assert str(theirs.uuid) not in page.content.decode()
    # Field errors, never a 500.
    bad = a.post(f"/sharing/ask/{ours.uuid}/{force_b.uuid}/", {"duration_days": "x"})
    assert bad.status_code == 400
    assert "govuk-error-summary" in bad.content.decode()
    sent = a.post(
        f"/sharing/ask/{ours.uuid}/{force_b.uuid}/",
        {
            "scopes": ["briefing"],
            "lawful_basis": "dpa-s31",
            "justification": "Moved here",
            "duration_days": 30,
        },
    )
    assert sent.status_code == 302
    request = SharingRequest.objects.get(requesting_force_uuid=force_a.uuid)
    # The owner's disclosure officer decides.
    b = client_for(decider(force_b), force_b)
    assert str(request.uuid) in b.get("/sharing/queue/").content.decode()
    assert b.get(f"/sharing/requests/{request.uuid}/").status_code == 200
    missing = b.post(f"/sharing/requests/{request.uuid}/", {"decision": "refuse"})
    assert missing.status_code == 400
    decided = b.post(
        f"/sharing/requests/{request.uuid}/",
        {"decision": "approve", "scopes": ["briefing"], "duration_days": 30},
    )
    assert decided.status_code == 302
    grant = Grant.objects.get(request=request)
    # Another force's disclosure officer cannot decide it (404), and nor can force a's.
    assert client_for(decider(force_a), force_a).get(f"/sharing/requests/{request.uuid}/").status_code == 404
    # The officer reads it on their own host.
    assert str(grant.uuid) in a.get("/shared/").content.decode()
    shown = a.get(f"/shared/{grant.uuid}/")
    assert shown.status_code == 200
    assert "shared-briefing" in shown.content.decode()
    assert "Vicky" not in shown.content.decode()
    connection.set_schema_to_public()
    with schema_context(force_b.schema_name):
        assert AuditEvent.objects.filter(action="disclose", object_ids__contains=[grant.uuid]).count() == 1
    with schema_context(force_a.schema_name):
        assert AuditEvent.objects.filter(action="collect", object_ids__contains=[grant.uuid]).count() == 1
    # Revoked: the next read is refused with its code.
    assert b.post(f"/sharing/granted/{grant.uuid}/revoke/", {"reason": ""}).status_code == 400
    assert b.post(f"/sharing/granted/{grant.uuid}/revoke/", {"reason": "Reassessed"}).status_code == 302
    again = a.get(f"/shared/{grant.uuid}/")
    assert again.status_code == 410
    assert 'data-code="grant_revoked"' in again.content.decode()


def test_guessed_grant_and_other_forces_grant_are_404(force_a, force_b, client_for):
    ours, _ = same_person(force_a, force_b)
    grant = granted(force_a, force_b, ours)
    # force b's own officer: the grant is not to force b.
    b = client_for(asker(force_b), force_b)
    assert b.get(f"/shared/{grant.uuid}/").status_code == 404
    assert b.get("/shared/00000000-0000-0000-0000-000000000000/").status_code == 404
    # The form to ask for longer exists only for a grant made to this force.
    assert b.get(f"/shared/{grant.uuid}/extend/").status_code == 404
    assert b.get("/shared/00000000-0000-0000-0000-000000000000/extend/").status_code == 404
    assert client_for(asker(force_a), force_a).get(f"/shared/{grant.uuid}/extend/").status_code == 200
    # A role without READ_SHARED: 403.
    admin = client_for(make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN]), force_a)
    assert admin.get(f"/shared/{grant.uuid}/").status_code == 403


def test_registry_check_is_throttled_with_retry_after(force_a, client_for, settings):
    settings.SHARING_CHECKS_PER_HOUR = 1
    a = client_for(asker(force_a), force_a)
    data = {"family_name": "Nobody", "given_names": "Some", "date_of_birth": "1980-01-01"}
    assert a.post("/sharing/check/", data).status_code == 200
    throttled = a.post("/sharing/check/", data)
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert a.post("/sharing/check/", {}).status_code == 400


def test_partner_agency_user_sees_only_their_grants(force_b, client_for):
    from django_tenants.utils import tenant_context

    from sharing import services
    from tests.factories import make_subject

    partner = make_user(force=force_b, roles=[ForceRole.PARTNER])
    subject = make_subject(force_b)
    connection.set_schema_to_public()
    p = client_for(partner, force_b)
    assert p.get("/subjects/").status_code == 403
    assert "Nothing is shared with you" in p.get("/shared/").content.decode()
    with tenant_context(force_b):
        grant = services.grant_to_partners(
            actor=decider(force_b),
            force=force_b,
            subject_uuid=subject.uuid,
            users=[partner.uuid],
            scopes=["orders"],
            duration_days=5,
        )
    connection.set_schema_to_public()
    assert p.get(f"/shared/{grant.uuid}/").status_code == 200
    assert p.get(f"/subjects/{subject.uuid}/").status_code in (403, 404)


def test_case_file_shows_orders_other_forces_disclosed(force_a, force_b, client_for):
    from tests.subjects.test_views import open_case_file

    ours, _theirs = same_person(force_a, force_b)
    granted(force_a, force_b, ours, scopes=["orders"])
    page = open_case_file(client_for(asker(force_a), force_a), ours)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Orders other forces have disclosed" in html
    assert force_b.name in html
    # Another subject's case file shows nothing disclosed.
    from tests.factories import make_subject

    other = make_subject(force_a)
    connection.set_schema_to_public()
    assert (
        "disclosed-orders" not in open_case_file(client_for(asker(force_a), force_a), other).content.decode()
    )
