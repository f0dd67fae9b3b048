"""People of a force: invite, roles, suspend, reinstate, remove; each force administers only its own."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django_tenants.utils import schema_context

from audit.models import AuditEvent
from core.roles import ForceRole
from organisation.choices import TeamKind
from organisation.models import TeamMember
from organisation.services import create_team
from tenants.models import Membership, User
from tests.conftest import DOMAIN, host_of
from tests.factories import make_user


def _admin(force):  # type: ignore[no-untyped-def]
    return make_user(force=force, roles=[ForceRole.FORCE_ADMIN])


def _events(force, **filters):  # type: ignore[no-untyped-def]
    with schema_context(force.schema_name):
        return list(AuditEvent.objects.filter(**filters).order_by("id"))


def test_done_when_invite_set_password_team_and_remove_ends_the_session_at_once(
    force_a, force_b, client_for, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    admin = _admin(force_a)
    admin_client = client_for(admin, force_a)

    # The administrator invites an officer (the email leaves once the invitation is committed).
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/force-admin/people/invite/",
            {
                "email": "New.Officer@lincolnshire.test",
                "full_name": "New Officer",
                "roles": [ForceRole.OFFICER],
            },
        )
    assert response.status_code == 201, response.content.decode()[:2000]
    officer = User.objects.get(email="new.officer@lincolnshire.test")
    membership = Membership.objects.get(user=officer, force=force_a)
    assert membership.status == Membership.Status.INVITED and membership.roles == [ForceRole.OFFICER]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.officer@lincolnshire.test"]
    link = re.search(r"http://\S+/invitations/\S+/", mail.outbox[0].body).group(0)  # type: ignore[union-attr]
    assert link.encode() not in response.content  # emailed to the invitee only (issue 8)
    assert not Membership.objects.filter(user=officer, force=force_b).exists()

    # The officer sets a password (on the regional host) and lands signed in.
    officer_client = Client(HTTP_HOST=DOMAIN)
    path = link.split(DOMAIN, 1)[1]
    new_password = "a-long-enough-password-42"
    response = officer_client.post(path, {"new_password1": new_password, "new_password2": new_password})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    # ... and signs in on the force's host with that session cookie.
    officer_on_force = Client(HTTP_HOST=host_of(force_a))
    officer_on_force.cookies = officer_client.cookies
    assert officer_on_force.get("/").status_code == 200
    # Signing in afresh with that password works as well.
    fresh = Client(HTTP_HOST=DOMAIN)
    response = fresh.post(
        "/sign-in/", {"username": "new.officer@lincolnshire.test", "password": new_password}
    )
    assert response.status_code == 302 and "lincolnshire" in response["Location"]

    # The administrator puts them in a neighbourhood team.
    with schema_context(force_a.schema_name):
        team = create_team(actor=admin, name="Lincoln North NPT", kind=TeamKind.NEIGHBOURHOOD)
    response = admin_client.post(
        f"/force-admin/teams/{team.uuid}/members/", {"person": str(officer.uuid), "is_lead": ""}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context(force_a.schema_name):
        assert TeamMember.objects.filter(team=team, user=officer).exists()

    # Later the administrator removes them: the officer's open session ends at once.
    response = admin_client.post(
        f"/force-admin/people/{membership.uuid}/remove/", {"reason": "Left the force"}
    )
    assert response.status_code == 302
    assert officer_on_force.get("/").status_code != 200
    assert not Membership.objects.filter(pk=membership.pk).exists()
    with schema_context(force_a.schema_name):
        assert not TeamMember.objects.filter(team=team, user=officer).exists()
    removal = _events(force_a, object_type="membership", action="erase")
    assert removal and removal[-1].object_ids == [membership.uuid]
    assert _events(force_b, object_type="membership") == []


def test_inviting_an_existing_member_or_an_unknown_role_saves_nothing(force_a, client_for):  # type: ignore[no-untyped-def]
    admin = _admin(force_a)
    existing = make_user(force=force_a, roles=[ForceRole.VIEWER])
    client = client_for(admin, force_a)
    before = Membership.objects.count()
    response = client.post(
        "/force-admin/people/invite/", {"email": existing.email, "roles": [ForceRole.OFFICER]}
    )
    assert response.status_code == 400
    assert b"already a member" in response.content
    response = client.post(
        "/force-admin/people/invite/", {"email": "x@lincolnshire.test", "roles": ["chief"]}
    )
    assert response.status_code == 400
    assert b"is not a role of this platform" in response.content
    assert Membership.objects.count() == before
    assert not User.objects.filter(email="x@lincolnshire.test").exists()
    assert mail.outbox == []


def test_a_member_of_another_force_is_invited_to_accept_not_asked_for_a_password(
    force_a, force_b, client_for, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    admin = _admin(force_a)
    notts = make_user(force=force_b, roles=[ForceRole.OFFICER])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin, force_a).post(
            "/force-admin/people/invite/", {"email": notts.email, "roles": [ForceRole.VISITING_OFFICER]}
        )
    assert response.status_code == 201
    assert Membership.objects.get(user=notts, force=force_a).status == Membership.Status.INVITED
    assert Membership.objects.get(user=notts, force=force_b).roles == [ForceRole.OFFICER]
    assert "Sign in as" in mail.outbox[0].body and "Set your password" not in mail.outbox[0].body


def test_change_roles_several_per_person_and_audited(force_a, client_for):  # type: ignore[no-untyped-def]
    admin = _admin(force_a)
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    membership = Membership.objects.get(user=officer, force=force_a)
    response = client_for(admin, force_a).post(
        f"/force-admin/people/{membership.uuid}/", {"roles": [ForceRole.OFFICER, ForceRole.SUPERVISOR]}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert sorted(membership.roles) == sorted([ForceRole.OFFICER, ForceRole.SUPERVISOR])
    event = _events(force_a, object_type="membership", action="alter")[-1]
    assert event.object_ids == [membership.uuid] and event.changed_fields == ["roles"]
    assert event.changes["roles"] == {"before": "officer", "after": "officer, supervisor"}


def test_last_force_administrator_cannot_remove_suspend_or_demote_themself(force_a, client_for):  # type: ignore[no-untyped-def]
    # The test force's onboarding administrator is an invited (not active) admin: only ours is active.
    Membership.objects.filter(force=force_a, roles__contains=[ForceRole.FORCE_ADMIN]).update(
        status=Membership.Status.SUSPENDED
    )
    # Also an officer: stepping down means giving up a role, never taking one (issue 8).
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN, ForceRole.OFFICER])
    membership = Membership.objects.get(user=admin, force=force_a)
    client = client_for(admin, force_a)
    for path, data in (
        (f"/force-admin/people/{membership.uuid}/remove/", {"reason": ""}),
        (f"/force-admin/people/{membership.uuid}/suspend/", {"reason": ""}),
        (f"/force-admin/people/{membership.uuid}/", {"roles": [ForceRole.OFFICER]}),
    ):
        response = client.post(path, data)
        assert response.status_code == 400, path
        assert b"last active force administrator" in response.content
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    assert membership.roles == [ForceRole.FORCE_ADMIN, ForceRole.OFFICER]
    # With a second administrator, the first may step down.
    make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    assert (
        client.post(f"/force-admin/people/{membership.uuid}/", {"roles": [ForceRole.OFFICER]}).status_code
        == 302
    )


def test_suspend_and_reinstate(force_a, client_for):  # type: ignore[no-untyped-def]
    admin = _admin(force_a)
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    membership = Membership.objects.get(user=officer, force=force_a)
    admin_client = client_for(admin, force_a)
    officer_client = client_for(officer, force_a)
    assert officer_client.get("/").status_code == 200
    assert (
        admin_client.post(f"/force-admin/people/{membership.uuid}/suspend/", {"reason": "x"}).status_code
        == 302
    )
    assert officer_client.get("/").status_code == 404
    assert admin_client.post(f"/force-admin/people/{membership.uuid}/reinstate/", {}).status_code == 302
    assert officer_client.get("/").status_code == 200
    actions = [e.changes.get("status") for e in _events(force_a, object_type="membership", action="alter")]
    assert {"before": "active", "after": "suspended"} in actions
    assert {"before": "suspended", "after": "active"} in actions


def test_another_forces_people_are_404_by_uuid_and_by_host(force_a, force_b, client_for):  # type: ignore[no-untyped-def]
    lincs_admin = _admin(force_a)
    notts_officer = make_user(force=force_b, roles=[ForceRole.OFFICER])
    notts_membership = Membership.objects.get(user=notts_officer, force=force_b)
    client = client_for(lincs_admin, force_a)
    for suffix in ("", "suspend/", "remove/"):
        assert client.get(f"/force-admin/people/{notts_membership.uuid}/{suffix}").status_code == 404
        assert client.post(f"/force-admin/people/{notts_membership.uuid}/{suffix}", {}).status_code == 404
    assert client.get("/force-admin/people/not-a-uuid/").status_code == 404
    notts_membership.refresh_from_db()
    assert notts_membership.status == Membership.Status.ACTIVE
    refusals = _events(force_a, object_type="membership", action="permission-denied")
    assert any(e.object_ids == [notts_membership.uuid] for e in refusals)
    # On the other force's host: the membership rule answers 404 before any page runs.
    assert client_for(lincs_admin, force_b).get("/force-admin/people/").status_code == 404


def test_people_pages_need_manage_people(force_a, client_for):  # type: ignore[no-untyped-def]
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    response = client_for(officer, force_a).get("/force-admin/people/")
    assert response.status_code == 403
    assert _events(force_a, action="permission-denied", actor_id=officer.pk)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"role": ForceRole.SUPERVISOR}, {"sup"}),
        ({"sign_in": "never"}, {"sup", "team"}),
        ({"sign_in": "30"}, {"recent"}),
        ({"team": "TEAM"}, {"team"}),
    ],
)
def test_people_list_filters(force_a, client_for, query, expected):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    admin = _admin(force_a)
    make_user(force=force_a, roles=[ForceRole.SUPERVISOR], email="sup@lincolnshire.test")
    recent = make_user(force=force_a, roles=[ForceRole.OFFICER], email="recent@lincolnshire.test")
    User.objects.filter(pk=recent.pk).update(last_login=timezone.now())
    in_team = make_user(force=force_a, roles=[ForceRole.OFFICER], email="team@lincolnshire.test")
    with schema_context(force_a.schema_name):
        team = create_team(actor=admin, name="Response 1", kind=TeamKind.RESPONSE, members=[in_team])
    if query.get("team") == "TEAM":
        query = {"team": str(team.uuid)}
    client = client_for(admin, force_a)
    User.objects.filter(pk=admin.pk).update(last_login=None)
    page = client.get("/force-admin/people/", query).content.decode()
    shown = {name for name in ("sup", "recent", "team") if f"{name}@lincolnshire.test" in page}
    assert shown == expected


def test_people_list_costs_the_same_queries_for_5_or_50_people(force_a, client_for):  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = _admin(force_a)
    client = client_for(admin, force_a)
    with schema_context(force_a.schema_name):
        team = create_team(actor=admin, name="Counting team", kind=TeamKind.RESPONSE)

    def add(n: int) -> None:
        for _ in range(n):
            user = make_user(force=force_a, roles=[ForceRole.VIEWER])
            with schema_context(force_a.schema_name):
                TeamMember.objects.create(team=team, user=user)

    def count() -> int:
        # From the same connection state each time: a connection already on the force's search
        # path is not sent SET search_path again (tenants.middleware.HostTenantMiddleware).
        connection.set_schema_to_public()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/force-admin/people/").status_code == 200
        return len(ctx.captured_queries)

    add(4)
    client.get("/force-admin/people/")
    small = count()
    add(45)
    assert count() <= small


def test_removal_ends_access_on_this_force_only_for_someone_in_two_forces(force_a, force_b, client_for):  # type: ignore[no-untyped-def]
    from tests.api.base import token_client

    admin = _admin(force_a)
    both = make_user(force=force_a, roles=[ForceRole.OFFICER])
    Membership.objects.create(user=both, force=force_b, roles=[ForceRole.OFFICER])
    on_a, on_b = client_for(both, force_a), client_for(both, force_b)
    api_a, api_b = token_client(both, force_a), token_client(both, force_b)
    assert api_a.get("/api/v1/subjects/").status_code == 200
    membership = Membership.objects.get(user=both, force=force_a)
    response = client_for(admin, force_a).post(
        f"/force-admin/people/{membership.uuid}/remove/", {"reason": ""}
    )
    assert response.status_code == 302
    assert on_a.get("/").status_code == 404  # at once, on this force's host
    assert api_a.get("/api/v1/subjects/").status_code == 401  # its token for this host is revoked
    assert on_b.get("/").status_code == 200  # still a Nottinghamshire officer, still signed in
    assert api_b.get("/api/v1/subjects/").status_code == 200


def test_suspension_revokes_the_tokens_for_this_host(force_a, client_for):  # type: ignore[no-untyped-def]
    from tests.api.base import token_client

    admin = _admin(force_a)
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    api = token_client(officer, force_a)
    membership = Membership.objects.get(user=officer, force=force_a)
    client_for(admin, force_a).post(
        f"/force-admin/people/{membership.uuid}/suspend/", {"reason": "Investigation"}
    )
    client_for(admin, force_a).post(f"/force-admin/people/{membership.uuid}/reinstate/", {})
    assert client_for(officer, force_a).get("/").status_code == 200
    assert api.get("/api/v1/subjects/").status_code == 401  # a reinstated person asks for a new token


def test_people_list_pages_through_a_large_force(force_a, client_for):  # type: ignore[no-untyped-def]
    admin = _admin(force_a)
    for n in range(52):
        make_user(force=force_a, roles=[ForceRole.VIEWER], email=f"pc{n:03d}@lincolnshire.test")
    client = client_for(admin, force_a)
    first = client.get("/force-admin/people/", {"role": ForceRole.VIEWER}).content.decode()
    assert "pc000@" in first and "pc051@" not in first and "page 1 of 2" in first
    second = client.get("/force-admin/people/", {"role": ForceRole.VIEWER, "page": 2}).content.decode()
    assert "pc051@" in second and "pc000@" not in second
    assert "role=viewer&amp;page=1" in second


# --- Issue 8: invitations go to the invitee only and activate one membership; no self-granted roles --

LINK = re.compile(r"http://\S+/invitations/\S+/")


def _link_in(message) -> str:  # type: ignore[no-untyped-def]
    return LINK.search(message.body).group(0).split(DOMAIN, 1)[1]  # type: ignore[union-attr]


def _invite_page(client, email, roles, capture):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return client.post("/force-admin/people/invite/", {"email": email, "roles": roles})


def test_an_administrator_cannot_take_over_an_account_invited_to_another_force(
    force_a, force_b, client_for, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    """Nottinghamshire invites someone who has no password yet; Lincolnshire's administrator then
    "invites" the same address. Lincolnshire gets no link, and the invitee's Lincolnshire link does
    not open their Nottinghamshire membership."""
    target = "pending.person@nottinghamshire.test"
    notts_admin, lincs_admin = _admin(force_b), _admin(force_a)
    _invite_page(
        client_for(notts_admin, force_b), target, [ForceRole.COORDINATOR], django_capture_on_commit_callbacks
    )
    notts_link = _link_in(mail.outbox[-1])
    notts = Membership.objects.get(user__email=target, force=force_b)

    lincs_client = client_for(lincs_admin, force_a)
    attack = _invite_page(lincs_client, target, [ForceRole.VIEWER], django_capture_on_commit_callbacks)
    fresh = _invite_page(
        lincs_client, "nobody.yet@lincolnshire.test", [ForceRole.VIEWER], django_capture_on_commit_callbacks
    )
    assert attack.status_code == fresh.status_code == 201
    for response in (attack, fresh):
        assert b"/invitations/" not in response.content and b"set-password" not in response.content

    # The same page whatever the address (no hint that it already had an account).
    def page_of(response, email):  # type: ignore[no-untyped-def]
        main = response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]
        return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "UUID", main.replace(email, "EMAIL"))

    assert page_of(attack, target) == page_of(fresh, "nobody.yet@lincolnshire.test")
    # The link went to the invitee, by email only.
    lincs_mail = [m for m in mail.outbox if m.to == [target]][-1]
    lincs_link = _link_in(lincs_mail)
    assert lincs_link != notts_link

    # Whoever holds the Lincolnshire link (the invitee) sets a password: only Lincolnshire opens.
    holder = Client(HTTP_HOST=DOMAIN)
    password = "a-long-enough-password-42"
    response = holder.post(lincs_link, {"new_password1": password, "new_password2": password})
    assert response.status_code == 302 and "lincolnshire" in response["Location"]
    assert Membership.objects.get(user__email=target, force=force_a).status == Membership.Status.ACTIVE
    notts.refresh_from_db()
    assert notts.status == Membership.Status.INVITED
    on_notts = Client(HTTP_HOST=host_of(force_b))
    on_notts.cookies = holder.cookies
    assert on_notts.get("/").status_code == 404
    # A used link never works again.
    assert holder.get(lincs_link).status_code == 400
    # The Nottinghamshire link is still the invitee's own: signed in as them, they accept it.
    response = holder.get(notts_link)
    assert (
        response.status_code == 200
        and b"Accept your invitation to Nottinghamshire Police" in response.content
    )
    assert holder.post(notts_link).status_code == 302
    notts.refresh_from_db()
    assert notts.status == Membership.Status.ACTIVE
    accepted = _events(force_b, object_type="membership", action="alter", object_ids=[notts.uuid])
    assert accepted and accepted[-1].actor_id == notts.user_id


def test_someone_who_already_signs_in_is_invited_until_they_accept_it_themself(
    force_a, force_b, client_for, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    admin = _admin(force_a)
    notts = make_user(force=force_b, roles=[ForceRole.OFFICER])
    response = _invite_page(
        client_for(admin, force_a),
        notts.email,
        [ForceRole.VISITING_OFFICER],
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 201 and b"/invitations/" not in response.content
    membership = Membership.objects.get(user=notts, force=force_a)
    assert membership.status == Membership.Status.INVITED
    assert client_for(notts, force_a).get("/").status_code == 404  # not a member until they accept
    link = _link_in(mail.outbox[-1])
    assert mail.outbox[-1].to == [notts.email]
    # Not signed in: asked to sign in first. Signed in as someone else (the inviter): refused.
    response = Client(HTTP_HOST=DOMAIN).get(link)
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
    assert client_for(admin, None).post(link).status_code == 403
    membership.refresh_from_db()
    assert membership.status == Membership.Status.INVITED
    # The invitee, signed in, accepts.
    invitee = client_for(notts, None)
    assert invitee.post(link).status_code == 302
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    assert Membership.objects.get(user=notts, force=force_b).roles == [ForceRole.OFFICER]


def test_an_administrator_cannot_give_themself_a_role(force_a, client_for):  # type: ignore[no-untyped-def]
    admin = _admin(force_a)
    make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])  # so giving up the admin role is allowed
    membership = Membership.objects.get(user=admin, force=force_a)
    client = client_for(admin, force_a)
    for roles in ([ForceRole.FORCE_ADMIN, ForceRole.COORDINATOR], [ForceRole.FORCE_ADMIN, ForceRole.AUDITOR]):
        response = client.post(f"/force-admin/people/{membership.uuid}/", {"roles": roles})
        assert response.status_code == 400
        assert b"You cannot give yourself a role" in response.content
    membership.refresh_from_db()
    assert membership.roles == [ForceRole.FORCE_ADMIN]
    assert client.get("/subjects/").status_code == 403
    assert client.get("/audit/").status_code == 403


def test_the_auditor_role_needs_a_second_administrator_and_both_steps_are_logged(
    force_a, force_b, client_for
):  # type: ignore[no-untyped-def]
    first, second = _admin(force_a), _admin(force_a)
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    membership = Membership.objects.get(user=officer, force=force_a)
    first_client = client_for(first, force_a)
    response = first_client.post(
        f"/force-admin/people/{membership.uuid}/", {"roles": [ForceRole.OFFICER, ForceRole.AUDITOR]}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.roles == [ForceRole.OFFICER]  # asked for, not given
    assert client_for(officer, force_a).get("/audit/").status_code == 403
    page = first_client.get(f"/force-admin/people/{membership.uuid}/").content.decode()
    assert "Awaiting a second administrator" in page and 'value="approve"' not in page
    # The administrator who asked cannot approve; nor can the person concerned (were they an admin).
    grant_url = f"/force-admin/people/{membership.uuid}/role-grants/"
    response = first_client.post(grant_url, {"role": ForceRole.AUDITOR, "decision": "approve"})
    assert response.status_code == 400 and b"A second administrator must approve" in response.content
    membership.refresh_from_db()
    assert ForceRole.AUDITOR not in membership.roles
    # A second administrator approves.
    second_client = client_for(second, force_a)
    assert 'value="approve"' in second_client.get(f"/force-admin/people/{membership.uuid}/").content.decode()
    response = second_client.post(grant_url, {"role": ForceRole.AUDITOR, "decision": "approve"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.roles == [ForceRole.AUDITOR, ForceRole.OFFICER]
    assert client_for(officer, force_a).get("/audit/").status_code == 200
    grant_events = _events(force_a, object_type="role-grant")
    assert [e.actor_id for e in grant_events] == [first.pk, second.pk]
    assert grant_events[0].changes == {"requested_role": {"before": None, "after": "auditor"}}
    assert grant_events[1].changes == {"outcome": {"before": "pending", "after": "approved"}}
    given = _events(force_a, object_type="membership", action="alter", actor_id=second.pk)
    assert given and given[-1].changes["roles"]["after"] == "auditor, officer"
    assert _events(force_b, object_type="role-grant") == []


def test_a_lone_administrator_cannot_make_themself_auditor_but_the_regional_administrator_can_approve(
    force_a, client_for
):  # type: ignore[no-untyped-def]
    from core.roles import RegionalRoleKind
    from tenants.models import RoleGrant

    Membership.objects.filter(force=force_a, roles__contains=[ForceRole.FORCE_ADMIN]).update(
        status=Membership.Status.SUSPENDED
    )
    admin = _admin(force_a)
    colleague = make_user(force=force_a, roles=[ForceRole.ANALYST])
    membership = Membership.objects.get(user=colleague, force=force_a)
    client_for(admin, force_a).post(f"/force-admin/people/{membership.uuid}/", {"roles": [ForceRole.AUDITOR]})
    grant = RoleGrant.objects.get(membership=membership, outcome=RoleGrant.Outcome.PENDING)
    other_region = make_user(regional=(RegionalRoleKind.REGIONAL_ADMIN, _region("wales")))
    assert client_for(other_region, None).post(
        f"/region/role-grants/{grant.uuid}/", {"decision": "approve"}
    ).status_code in (403, 404)
    regional = make_user(regional=(RegionalRoleKind.REGIONAL_ADMIN, force_a.region))
    regional_client = client_for(regional, None)
    assert colleague.email.encode() in regional_client.get("/region/forces/").content
    response = regional_client.post(f"/region/role-grants/{grant.uuid}/", {"decision": "approve"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.roles == [ForceRole.AUDITOR]
    assert _events(force_a, object_type="role-grant", actor_id=regional.pk)


def _region(slug):  # type: ignore[no-untyped-def]
    from tenants.services import ensure_region

    return ensure_region(slug)
