"""The administration endpoints keep the generic API contract, plus what is particular to each."""

from __future__ import annotations

import itertools

from django.db import connection
from django_tenants.utils import schema_context

from api.order_types import OrderTypeViewSet
from api.organisation import AreaViewSet, TeamViewSet
from api.people import PersonViewSet
from api.practice import PracticeSettingsViewSet
from core.roles import ForceRole
from organisation.choices import TeamKind
from organisation.models import Area, PracticeSettings, Team, TeamMember
from organisation.practice import ensure_default_settings
from statute.models import OrderType
from tenants.models import Membership
from tests.api.base import ForceEndpointContract, token_client
from tests.factories import make_user

_seq = itertools.count(1)


def make_area(force):  # type: ignore[no-untyped-def]
    n = next(_seq)
    with schema_context(force.schema_name):
        area = Area.objects.create(name=f"Area {n}", code=f"A{n}")
    connection.set_schema_to_public()
    return area


def make_team(force, **fields):  # type: ignore[no-untyped-def]
    n = next(_seq)
    with schema_context(force.schema_name):
        team = Team.objects.create(name=f"Team {n}", kind=fields.pop("kind", TeamKind.RESPONSE))
        for user in fields.pop("members", []):
            TeamMember.objects.create(team=team, user=user)
    connection.set_schema_to_public()
    return team


class TestPeopleEndpoint(ForceEndpointContract):
    endpoint = "/api/v1/people/"
    viewset = PersonViewSet
    create_payload = {
        "email": "invited.by.api@lincolnshire.test",
        "full_name": "Api Invitee",
        "roles": ["officer"],
    }
    put_payload = {"roles": ["officer", "supervisor"]}
    patch_payload = {"status": "suspended"}

    def make_object(self, force):  # type: ignore[no-untyped-def]
        user = make_user(force=force, roles=[ForceRole.OFFICER])
        return Membership.objects.get(user=user, force=force)

    def exists(self, force, object_uuid):  # type: ignore[no-untyped-def]
        """Memberships live in the public schema: "in force X" means a membership of force X."""
        return Membership.objects.filter(uuid=object_uuid, force=force).exists()


class TestAreaEndpoint(ForceEndpointContract):
    endpoint = "/api/v1/areas/"
    viewset = AreaViewSet
    create_payload = {"name": "Boston", "code": "BOS", "description": "Boston and district"}
    put_payload = {"name": "Boston Town", "code": "BOS-T", "description": ""}
    patch_payload = {"description": "Boston, Skegness"}

    def make_object(self, force):  # type: ignore[no-untyped-def]
        return make_area(force)


class TestTeamEndpoint(ForceEndpointContract):
    endpoint = "/api/v1/teams/"
    viewset = TeamViewSet
    create_payload = {"name": "Boston NPT", "kind": "neighbourhood"}
    put_payload = {"name": "Boston response", "kind": "response", "areas": [], "members": []}
    patch_payload = {"name": "Boston response 2"}

    def make_object(self, force):  # type: ignore[no-untyped-def]
        return make_team(force)


class TestPracticeSettingsEndpoint(ForceEndpointContract):
    endpoint = "/api/v1/practice-settings/"
    viewset = PracticeSettingsViewSet
    put_payload = {"review_reminder_days": 10, "review_intervals": {"low": {"every": 9, "unit": "months"}}}
    patch_payload = {"review_reminder_days": 21}

    def make_object(self, force):  # type: ignore[no-untyped-def]
        with schema_context(force.schema_name):
            row = ensure_default_settings()
        connection.set_schema_to_public()
        return row

    def test_a_page_of_50_costs_no_more_queries_than_a_page_of_5(self, force_a):  # type: ignore[no-untyped-def]
        """One record per force: the page is always one long; the read costs a fixed few queries."""
        client = token_client(make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN]), force_a)
        response = client.get(self.endpoint)
        assert response.status_code == 200 and response.json()["count"] == 1


class TestOrderTypeEndpoint(ForceEndpointContract):
    endpoint = "/api/v1/order-types/"
    viewset = OrderTypeViewSet

    def make_object(self, force):  # type: ignore[no-untyped-def]
        n = next(_seq)
        return OrderType.objects.create(
            code=f"TEST{n}", name=f"Test order {n}", law="Test Act", sort_order=999
        )

    def test_nothing_of_force_a_is_visible_or_changeable_from_force_b(self, force_a, force_b):  # type: ignore[no-untyped-def]
        """Order types are platform data, the same for every force: both see them, neither changes them."""
        client = token_client(make_user(force=force_b, roles=[ForceRole.FORCE_ADMIN]), force_b)
        codes = {r["code"] for r in client.get(self.endpoint, {"page_size": 100}).json()["results"]}
        assert {"SPO", "ISPO", "DAPO", "SHPO", "SRO", "SCPO", "FMPO", "FGMPO", "STPO", "STRO"} <= codes
        spo = OrderType.objects.get(code="SPO")
        for method in (client.put, client.patch, client.delete):
            assert (
                method(f"{self.endpoint}{spo.uuid}/", {}, content_type="application/json").status_code == 405
            )
        assert client.post(self.endpoint, {}, content_type="application/json").status_code == 405


# --- Particular behaviour ------------------------------------------------------------------------


def _admin_client(force):  # type: ignore[no-untyped-def]
    return token_client(make_user(force=force, roles=[ForceRole.FORCE_ADMIN]), force)


def test_invite_over_the_api_never_returns_the_link_and_refuses_bad_input(force_a):  # type: ignore[no-untyped-def]
    client = _admin_client(force_a)
    response = client.post(
        "/api/v1/people/",
        {"email": "new@lincolnshire.test", "roles": ["officer"]},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert "set_password_url" not in response.json() and "/invitations/" not in response.content.decode()
    assert response.json()["status"] == "invited"
    before = Membership.objects.count()
    for body, field in (
        ({"email": "new@lincolnshire.test", "roles": ["officer"]}, "email"),
        ({"email": "other@lincolnshire.test", "roles": ["chief-constable"]}, "roles"),
        ({"email": "other@lincolnshire.test", "roles": []}, "roles"),
        ({"email": "other@lincolnshire.test", "roles": ["officer"], "is_superuser": True}, "is_superuser"),
    ):
        response = client.post("/api/v1/people/", body, content_type="application/json")
        assert response.status_code == 400, body
        assert field in response.json()["fields"], response.json()
    assert Membership.objects.count() == before


def test_team_filter_and_never_signed_in_filter(force_a):  # type: ignore[no-untyped-def]
    client = _admin_client(force_a)
    member = make_user(force=force_a, roles=[ForceRole.OFFICER])
    other = make_user(force=force_a, roles=[ForceRole.OFFICER])
    team = make_team(force_a, members=[member])
    emails = {r["email"] for r in client.get("/api/v1/people/", {"team": str(team.uuid)}).json()["results"]}
    assert emails == {member.email}
    never = {r["email"] for r in client.get("/api/v1/people/", {"never_signed_in": "true"}).json()["results"]}
    assert {member.email, other.email} <= never


def test_team_without_kind_and_member_of_another_force_are_refused(force_a, force_b):  # type: ignore[no-untyped-def]
    client = _admin_client(force_a)
    response = client.post("/api/v1/teams/", {"name": "No kind"}, content_type="application/json")
    assert response.status_code == 400 and "kind" in response.json()["fields"]
    outsider = make_user(force=force_b, roles=[ForceRole.OFFICER])
    response = client.post(
        "/api/v1/teams/",
        {"name": "Mixed", "kind": "response", "members": [{"user": str(outsider.uuid), "is_lead": True}]},
        content_type="application/json",
    )
    assert response.status_code == 400 and "members" in response.json()["fields"]
    with schema_context(force_a.schema_name):
        assert not Team.objects.filter(name__in=["No kind", "Mixed"]).exists()


def test_team_members_and_lead_replace_in_one_audited_change(force_a):  # type: ignore[no-untyped-def]
    client = _admin_client(force_a)
    a = make_user(force=force_a, roles=[ForceRole.VISITING_OFFICER])
    b = make_user(force=force_a, roles=[ForceRole.VISITING_OFFICER])
    team = make_team(force_a, members=[a])
    response = client.patch(
        f"/api/v1/teams/{team.uuid}/",
        {"members": [{"user": str(a.uuid), "is_lead": False}, {"user": str(b.uuid), "is_lead": True}]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    members = {m["user"]: m["is_lead"] for m in response.json()["members"]}
    assert members == {str(a.uuid): False, str(b.uuid): True}


def test_patching_members_without_is_lead_means_not_the_lead(force_a):  # type: ignore[no-untyped-def]
    """Found by schemathesis: a PATCH skips nested defaults, and a missing is_lead was a 500."""
    client = _admin_client(force_a)
    a = make_user(force=force_a, roles=[ForceRole.VISITING_OFFICER])
    team = make_team(force_a)
    response = client.patch(
        f"/api/v1/teams/{team.uuid}/", {"members": [{"user": str(a.uuid)}]}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    members = [{k: m[k] for k in ("user", "is_lead")} for m in response.json()["members"]]
    assert members == [{"user": str(a.uuid), "is_lead": False}]


def test_settings_bad_input_saves_nothing(force_a):  # type: ignore[no-untyped-def]
    client = _admin_client(force_a)
    settings_url = (
        f"/api/v1/practice-settings/{client.get('/api/v1/practice-settings/').json()['results'][0]['uuid']}/"
    )
    for body, path in (
        ({"review_intervals": {"high": {"every": 0, "unit": "weeks"}}}, ("review_intervals", "high")),
        ({"review_intervals": {"high": {"every": 61, "unit": "months"}}}, ("review_intervals", "high")),
        ({"review_intervals": {"high": {"every": 1900, "unit": "days"}}}, ("review_intervals", "high")),
        ({"plan_scope": {"XYZ": "every-subject"}, "review_reminder_days": 3}, ("plan_scope",)),
    ):
        response = client.patch(settings_url, body, content_type="application/json")
        assert response.status_code == 400, (body, response.content)
        node = response.json()["fields"]
        for key in path:
            assert key in node, response.json()
            node = node[key]
    with schema_context(force_a.schema_name):
        row = PracticeSettings.objects.get()
        assert row.review_reminder_days == 14
        assert row.review_interval_for("high").every == 3


def test_another_forces_person_by_uuid_is_404_and_the_refusal_is_logged(force_a, force_b):  # type: ignore[no-untyped-def]
    from audit.models import AuditEvent

    notts = make_user(force=force_b, roles=[ForceRole.OFFICER])
    notts_membership = Membership.objects.get(user=notts, force=force_b)
    client = _admin_client(force_a)
    url = f"/api/v1/people/{notts_membership.uuid}/"
    assert client.patch(url, {"roles": ["viewer"]}, content_type="application/json").status_code == 404
    assert client.delete(url).status_code == 404
    notts_membership.refresh_from_db()
    assert notts_membership.roles == [ForceRole.OFFICER]
    with schema_context(force_a.schema_name):
        refusals = AuditEvent.objects.filter(action="permission-denied", object_type="membership")
        assert refusals.filter(object_ids=[notts_membership.uuid]).count() == 2
    connection.set_schema_to_public()


# --- Issue 8 ----------------------------------------------------------------------------------


def test_api_invitation_of_an_address_invited_elsewhere_gives_no_link_and_no_access(
    force_a, force_b, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    import re

    from django.core import mail
    from django.test import Client

    from tests.conftest import DOMAIN

    target = "pending.api@nottinghamshire.test"
    notts_admin = _admin_client(force_b)
    with django_capture_on_commit_callbacks(execute=True):
        notts_admin.post(
            "/api/v1/people/",
            {"email": target, "full_name": "Pat Pending", "roles": ["coordinator"]},
            content_type="application/json",
        )
    lincs_admin = _admin_client(force_a)
    answers = {}
    for email in (target, "brand.new@lincolnshire.test"):
        with django_capture_on_commit_callbacks(execute=True):
            response = lincs_admin.post(
                "/api/v1/people/", {"email": email, "roles": ["viewer"]}, content_type="application/json"
            )
        assert response.status_code == 201
        assert "/invitations/" not in response.content.decode() and "set_password_url" not in response.json()
        answers[email] = {
            k: v for k, v in response.json().items() if k not in ("uuid", "user_uuid", "email", "created_at")
        }
    # The same answer whether or not the address had an account (the existing name is not shown).
    assert answers[target] == answers["brand.new@lincolnshire.test"]
    assert answers[target]["full_name"] == "" and answers[target]["last_login"] is None
    link = re.search(r"http://\S+/invitations/\S+/", [m for m in mail.outbox if m.to == [target]][-1].body)
    path = link.group(0).split(DOMAIN, 1)[1]  # type: ignore[union-attr]
    password = "a-long-enough-password-42"
    assert (
        Client(HTTP_HOST=DOMAIN)
        .post(path, {"new_password1": password, "new_password2": password})
        .status_code
        == 302
    )
    assert Membership.objects.get(user__email=target, force=force_a).status == Membership.Status.ACTIVE
    assert Membership.objects.get(user__email=target, force=force_b).status == Membership.Status.INVITED
    # Nor can the inviter activate it over the API.
    membership = Membership.objects.get(user__email=target, force=force_b)
    response = notts_admin.patch(
        f"/api/v1/people/{membership.uuid}/", {"status": "active"}, content_type="application/json"
    )
    assert response.status_code == 400 and "status" in response.json()["fields"]


def test_api_self_grant_is_refused_and_auditor_needs_a_second_administrator(force_a):  # type: ignore[no-untyped-def]
    first = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    second = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    first_client, second_client = token_client(first, force_a), token_client(second, force_a)
    own = Membership.objects.get(user=first, force=force_a)
    for roles in (["force-admin", "coordinator"], ["force-admin", "auditor"]):
        response = first_client.patch(
            f"/api/v1/people/{own.uuid}/", {"roles": roles}, content_type="application/json"
        )
        assert response.status_code == 400 and "roles" in response.json()["fields"]
    own.refresh_from_db()
    assert own.roles == ["force-admin"]
    assert first_client.get("/api/v1/audit-events/").status_code == 403

    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    target = Membership.objects.get(user=officer, force=force_a)
    response = first_client.patch(
        f"/api/v1/people/{target.uuid}/", {"roles": ["officer", "auditor"]}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["roles"] == ["officer"] and response.json()["pending_roles"] == ["auditor"]
    url = f"/api/v1/people/{target.uuid}/role-grants/"
    response = first_client.post(
        url, {"role": "auditor", "decision": "approve"}, content_type="application/json"
    )
    assert response.status_code == 400 and "role" in response.json()["fields"]
    assert token_client(officer, force_a).get("/api/v1/audit-events/").status_code == 403
    response = second_client.post(
        url, {"role": "auditor", "decision": "approve"}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["roles"] == ["auditor", "officer"] and response.json()["pending_roles"] == []
    assert token_client(officer, force_a).get("/api/v1/audit-events/").status_code == 200
    with schema_context(force_a.schema_name):
        from audit.models import AuditEvent

        actors = list(
            AuditEvent.objects.filter(object_type="role-grant")
            .order_by("id")
            .values_list("actor_id", flat=True)
        )
    assert actors == [first.pk, second.pk]
