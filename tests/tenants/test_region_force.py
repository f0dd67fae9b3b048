"""A regional page per force (issue 9, item 3): its administrators, their sign-ins, a new invitation."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from audit.models import AuditEvent
from core.roles import ForceRole, RegionalRoleKind
from tenants.invitations import find_invitation
from tenants.models import Membership, Region
from tenants.people import invite_member
from tests.factories import make_user

pytestmark = pytest.mark.django_db
LINK = re.compile(r"http://\S+/invitations/(\S+)/")


def _regional_admin(slug: str = "east-midlands"):  # type: ignore[no-untyped-def]
    return make_user(regional=(RegionalRoleKind.REGIONAL_ADMIN, Region.objects.get(slug=slug)))


def test_the_regional_admin_sees_each_forces_administrators_and_sends_a_new_invitation(
    force_a, force_b, client_for, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    active = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN], email="active.admin@lincs.test")
    with django_capture_on_commit_callbacks(execute=True):
        invite_member(
            actor=active, force=force_a, email="new.admin@lincs.test", roles=[ForceRole.FORCE_ADMIN]
        )
    first_secret = LINK.search(mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    invited = Membership.objects.get(user__email="new.admin@lincs.test", force=force_a)
    client = client_for(_regional_admin(), None)

    listing = client.get("/region/forces/").content.decode()
    assert f'href="/region/forces/{force_a.slug}/"' in listing
    assert f'href="http://{force_a.slug}.' not in listing  # no link that answers 404 to them

    page = client.get(f"/region/forces/{force_a.slug}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "active.admin@lincs.test" in body and "new.admin@lincs.test" in body
    assert "Invitation not accepted" in body and "/invitations/" not in body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/region/forces/{force_a.slug}/", {"membership": str(invited.uuid)})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["new.admin@lincs.test"]]  # to the invitee only
    new_secret = LINK.search(mail.outbox[0].body).group(1)  # type: ignore[union-attr]
    assert find_invitation(first_secret) is None and find_invitation(new_secret) is not None
    after = client.get(response["Location"]).content.decode()
    assert "emailed a new invitation to new.admin@lincs.test" in after and new_secret not in after
    with schema_context(force_a.schema_name):
        assert AuditEvent.objects.filter(object_ids=[invited.uuid], changed_fields=["invitation"]).exists()
    with schema_context(force_b.schema_name):
        assert not AuditEvent.objects.filter(object_ids=[invited.uuid]).exists()

    # An active administrator gets no new link.
    active_membership = Membership.objects.get(user=active, force=force_a)
    mail.outbox.clear()
    client.post(f"/region/forces/{force_a.slug}/", {"membership": str(active_membership.uuid)})
    assert mail.outbox == []


def test_other_regions_and_other_people_are_refused(force_a, client_for):  # type: ignore[no-untyped-def]
    Region.objects.get_or_create(slug="wales", defaults={"name": "Wales"})
    assert (
        client_for(_regional_admin("wales"), None).get(f"/region/forces/{force_a.slug}/").status_code == 404
    )
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    assert client_for(officer, None).get(f"/region/forces/{force_a.slug}/").status_code == 403
    assert client_for(_regional_admin(), force_a).get(f"/region/forces/{force_a.slug}/").status_code == 404
