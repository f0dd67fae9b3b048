"""Teams and areas of a force, over the web pages: only this force's people, every change audited."""

from __future__ import annotations

from django_tenants.utils import schema_context

from audit.models import AuditEvent
from core.roles import ForceRole
from organisation.choices import TeamKind
from organisation.models import Area, Team, TeamMember
from tests.factories import make_user


def _admin(force):  # type: ignore[no-untyped-def]
    return make_user(force=force, roles=[ForceRole.FORCE_ADMIN])


def test_create_area_and_team_with_members_and_a_lead(force_a, force_b, client_for):  # type: ignore[no-untyped-def]
    admin = _admin(force_a)
    client = client_for(admin, force_a)
    assert client.post("/force-admin/areas/", {"name": "Lincoln", "code": "lin"}).status_code == 302
    with schema_context(force_a.schema_name):
        area = Area.objects.get(code="LIN")
    response = client.post(
        "/force-admin/teams/",
        {"name": "Lincoln NPT", "kind": TeamKind.NEIGHBOURHOOD, "areas": [str(area.uuid)]},
    )
    assert response.status_code == 302
    with schema_context(force_a.schema_name):
        team = Team.objects.get(name="Lincoln NPT")
        assert list(team.areas.all()) == [area]
    pc = make_user(force=force_a, roles=[ForceRole.VISITING_OFFICER])
    sergeant = make_user(force=force_a, roles=[ForceRole.VISITING_OFFICER])
    assert (
        client.post(f"/force-admin/teams/{team.uuid}/members/", {"person": str(pc.uuid)}).status_code == 302
    )
    response = client.post(
        f"/force-admin/teams/{team.uuid}/members/", {"person": str(sergeant.uuid), "is_lead": "on"}
    )
    assert response.status_code == 302
    with schema_context(force_a.schema_name):
        assert {(m.user_id, m.is_lead) for m in TeamMember.objects.filter(team=team)} == {
            (pc.pk, False),
            (sergeant.pk, True),
        }
        events = list(AuditEvent.objects.filter(object_type="team", object_ids__contains=[team.uuid]))
        assert len(events) == 3  # created, then two members added
        assert events[0].actor_force == force_a.slug
    page = client.get(f"/force-admin/teams/{team.uuid}/")
    assert page.status_code == 200 and sergeant.email.encode() in page.content
    with schema_context(force_b.schema_name):
        assert not Team.objects.filter(name="Lincoln NPT").exists()
        assert not Area.objects.filter(code="LIN").exists()


def test_a_person_can_be_in_several_teams(force_a, client_for):  # type: ignore[no-untyped-def]
    admin = _admin(force_a)
    client = client_for(admin, force_a)
    pc = make_user(force=force_a, roles=[ForceRole.VISITING_OFFICER])
    for name, kind in (("Response 1", TeamKind.RESPONSE), ("NPT 1", TeamKind.NEIGHBOURHOOD)):
        client.post("/force-admin/teams/", {"name": name, "kind": kind})
        with schema_context(force_a.schema_name):
            team = Team.objects.get(name=name)
        assert (
            client.post(f"/force-admin/teams/{team.uuid}/members/", {"person": str(pc.uuid)}).status_code
            == 302
        )
    with schema_context(force_a.schema_name):
        assert TeamMember.objects.filter(user=pc).count() == 2


def test_a_team_with_no_kind_saves_nothing(force_a, client_for):  # type: ignore[no-untyped-def]
    client = client_for(_admin(force_a), force_a)
    response = client.post("/force-admin/teams/", {"name": "Nameless kind", "kind": ""})
    assert response.status_code == 400
    assert b"Choose the kind of team" in response.content
    assert b"govuk-error-summary" in response.content
    response = client.post("/force-admin/teams/", {"name": "Bad kind", "kind": "cid"})
    assert response.status_code == 400
    with schema_context(force_a.schema_name):
        assert not Team.objects.filter(name__in=["Nameless kind", "Bad kind"]).exists()


def test_only_members_of_this_force_can_join_its_teams(force_a, force_b, client_for):  # type: ignore[no-untyped-def]
    client = client_for(_admin(force_a), force_a)
    outsider = make_user(force=force_b, roles=[ForceRole.VISITING_OFFICER])
    client.post("/force-admin/teams/", {"name": "Response 2", "kind": TeamKind.RESPONSE})
    with schema_context(force_a.schema_name):
        team = Team.objects.get(name="Response 2")
    response = client.post(f"/force-admin/teams/{team.uuid}/members/", {"person": str(outsider.uuid)})
    assert response.status_code == 400
    assert b"Only people of this force" in response.content
    with schema_context(force_a.schema_name):
        assert not TeamMember.objects.filter(team=team).exists()


def test_duplicate_area_code_is_a_field_error(force_a, client_for):  # type: ignore[no-untyped-def]
    client = client_for(_admin(force_a), force_a)
    assert client.post("/force-admin/areas/", {"name": "Boston", "code": "BOS"}).status_code == 302
    response = client.post("/force-admin/areas/", {"name": "Boston 2", "code": "bos"})
    assert response.status_code == 400 and b"already has this code" in response.content
    response = client.post("/force-admin/areas/", {"name": "", "code": ""})
    assert response.status_code == 400 and b"Enter the area" in response.content


def test_another_forces_team_is_404_and_coordinators_may_manage_teams(force_a, force_b, client_for):  # type: ignore[no-untyped-def]
    with schema_context(force_b.schema_name):
        notts_team = Team.objects.create(name="Notts response", kind=TeamKind.RESPONSE)
    coordinator = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    client = client_for(coordinator, force_a)
    assert client.get("/force-admin/teams/").status_code == 200
    assert client.get(f"/force-admin/teams/{notts_team.uuid}/").status_code == 404
    assert client.get("/force-admin/people/").status_code == 403
    viewer = make_user(force=force_a, roles=[ForceRole.VIEWER])
    assert client_for(viewer, force_a).get("/force-admin/teams/").status_code == 403


def test_team_list_query_count_is_flat(force_a, client_for, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = _admin(force_a)
    client = client_for(admin, force_a)
    client.get("/force-admin/teams/")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/force-admin/teams/").status_code == 200
        return len(ctx.captured_queries)

    def add(n: int) -> None:
        with schema_context(force_a.schema_name):
            for i in range(n):
                team = Team.objects.create(name=f"Bulk {Team.objects.count()} {i}", kind=TeamKind.RESPONSE)
                area = Area.objects.create(name=f"Bulk area {team.pk}", code=f"B{team.pk}")
                team.areas.add(area)
                TeamMember.objects.create(team=team, user=make_user(force=force_a, roles=[ForceRole.VIEWER]))

    add(2)
    small = count()
    add(20)
    assert count() <= small
