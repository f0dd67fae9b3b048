"""Capacity inputs (issue 15, items 1-2): hours, visit shares, absences, demand minutes; bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from audit.models import AuditEvent
from core.roles import ForceRole
from organisation import services
from organisation.choices import TeamKind
from organisation.models import PlannedAbsence, PracticeSettings, Team, TeamMember
from organisation.practice import update_practice_settings
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _codes(exc: ValidationError) -> dict[str, list[str]]:
    return {f: [e.code for e in errs] for f, errs in exc.error_dict.items()}  # type: ignore[misc]


def _unit(force, *users):  # type: ignore[no-untyped-def]
    with schema_context(force.schema_name):
        team = Team.objects.create(name=f"Unit {len(users)}", kind=TeamKind.ANCILLARY_ORDER_UNIT)
        for u in users:
            TeamMember.objects.create(team=team, user=u)
    connection.set_schema_to_public()
    return team


def test_hours_shares_and_absences_are_audited_and_bad_values_refused(force_a):  # type: ignore[no-untyped-def]
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    unit = _unit(force_a, officer)
    with schema_context(force_a.schema_name):
        response = Team.objects.create(name="Response", kind=TeamKind.RESPONSE)
        services.set_team_capacity(actor=admin, team=unit, hours={officer.pk: "37.5"})
        services.set_team_capacity(actor=admin, team=response, visit_share=30)
        assert TeamMember.objects.get(team=unit).hours_per_week == Decimal("37.5")
        assert AuditEvent.objects.filter(object_type="team", changed_fields__contains=["hours"]).exists()
        for hours in (-1, 168.5, "lots", True):
            with pytest.raises(ValidationError) as exc:
                services.set_team_capacity(actor=admin, team=unit, hours={officer.pk: hours})
            assert _codes(exc.value) == {"hours_per_week": ["hours_out_of_range"]}
        with pytest.raises(ValidationError) as exc:
            services.set_team_capacity(actor=admin, team=response, visit_share=101)
        assert _codes(exc.value) == {"visit_share": ["share_out_of_range"]}
        with pytest.raises(ValidationError) as exc:
            services.set_team_capacity(actor=admin, team=unit, visit_share=10)
        assert _codes(exc.value) == {"visit_share": ["share_not_visiting_team"]}
        other = Team.objects.create(name="Neighbourhood", kind=TeamKind.NEIGHBOURHOOD)
        with pytest.raises(ValidationError) as exc:
            services.set_team_capacity(actor=admin, team=other, visit_share=71)
        assert _codes(exc.value) == {"visit_share": ["shares_over_100"]}
        assert TeamMember.objects.get(team=unit).hours_per_week == Decimal("37.5")

        day = dt.date(2026, 5, 1)
        with pytest.raises(ValidationError) as exc:
            services.add_planned_absence(
                actor=admin, user=officer, starts_on=day, ends_on=day - dt.timedelta(days=1)
            )
        assert _codes(exc.value) == {"ends_on": ["ends_before_start"]}
        assert not PlannedAbsence.objects.exists()
        services.add_planned_absence(actor=admin, user=officer, starts_on=day, ends_on=day)
        assert AuditEvent.objects.filter(object_type="plannedabsence").count() == 1
    connection.set_schema_to_public()


def test_an_absence_for_someone_of_another_force_is_refused(force_a, force_b):  # type: ignore[no-untyped-def]
    stranger = make_user(force=force_b, roles=[ForceRole.OFFICER])
    with schema_context(force_a.schema_name):
        with pytest.raises(ValidationError) as exc:
            services.add_planned_absence(
                actor=None, user=stranger, starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 1, 2)
            )
        assert _codes(exc.value) == {"user": ["not_force_member"]}
    connection.set_schema_to_public()


def test_demand_minutes_through_the_settings_service_and_the_api(force_a, client_for):  # type: ignore[no-untyped-def]
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    with schema_context(force_a.schema_name):
        with pytest.raises(ValidationError) as exc:
            update_practice_settings(actor=admin, demand_minutes={"minutes_per_visit": 0})
        assert _codes(exc.value) == {"minutes_per_visit": ["minutes_out_of_range"]}
        update_practice_settings(actor=admin, demand_minutes={"minutes_per_visit": 45})
        assert PracticeSettings.objects.get().minutes_per_visit == 45
        uuid = PracticeSettings.objects.get().uuid
    connection.set_schema_to_public()
    client = client_for(admin, force_a)
    url = f"/api/v1/practice-settings/{uuid}/"
    bad = client.patch(
        url, {"minutes_per_visit": 0, "minutes_per_review": 30}, content_type="application/json"
    )
    assert bad.status_code == 400, bad.content
    assert bad.json()["code"] == "invalid"
    assert bad.json()["codes"]["minutes_per_visit"] == ["min_value"]
    good = client.patch(url, {"minutes_per_review": 30}, content_type="application/json")
    assert good.status_code == 200, good.content
    assert good.json()["minutes_per_review"] == 30
    assert good.json()["minutes_per_visit"] == 45
    with schema_context(force_a.schema_name):
        assert PracticeSettings.objects.get().minutes_per_review == 30
    connection.set_schema_to_public()


def test_team_api_takes_hours_and_visit_share(force_a, client_for):  # type: ignore[no-untyped-def]
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    client = client_for(admin, force_a)
    made = client.post(
        "/api/v1/teams/",
        {
            "name": "Response east",
            "kind": "response",
            "visit_share": 20,
            "members": [{"user": str(officer.uuid), "hours_per_week": "10.5"}],
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["visit_share"] == 20
    assert body["members"][0]["hours_per_week"] == "10.5"
    url = f"/api/v1/teams/{body['uuid']}/"
    bad = client.patch(
        url,
        {"visit_share": 120, "members": [{"user": str(officer.uuid), "hours_per_week": "-2"}]},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert set(bad.json()["codes"]) == {"visit_share", "members.0.hours_per_week"}
    with schema_context(force_a.schema_name):
        team = Team.objects.get(name="Response east")
        assert team.visit_share == 20
        assert TeamMember.objects.get(team=team).hours_per_week == Decimal("10.5")
    connection.set_schema_to_public()


def test_planned_absences_over_the_api(force_a, force_b, client_for):  # type: ignore[no-untyped-def]
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    stranger = make_user(force=force_b, roles=[ForceRole.OFFICER])
    client = client_for(admin, force_a)
    url = "/api/v1/planned-absences/"
    backwards = client.post(
        url,
        {"user": str(officer.uuid), "starts_on": "2026-05-02", "ends_on": "2026-05-01"},
        content_type="application/json",
    )
    assert backwards.status_code == 400
    assert backwards.json()["codes"] == {"ends_on": ["ends_before_start"]}
    other = client.post(
        url,
        {"user": str(stranger.uuid), "starts_on": "2026-05-01", "ends_on": "2026-05-01"},
        content_type="application/json",
    )
    assert other.status_code == 400
    assert other.json()["codes"] == {"user": ["not_force_member"]}
    made = client.post(
        url,
        {"user": str(officer.uuid), "starts_on": "2026-05-01", "ends_on": "2026-05-03"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["user"] == str(officer.uuid)
    assert client.get(url).json()["count"] == 1
    assert client_for(officer, force_a).get(url).status_code == 403
    assert (
        client_for(make_user(force=force_b, roles=[ForceRole.FORCE_ADMIN]), force_b).get(url).json()["count"]
        == 0
    )
    assert client.delete(f"{url}{made.json()['uuid']}/").status_code == 204
    with schema_context(force_a.schema_name):
        assert not PlannedAbsence.objects.exists()
    connection.set_schema_to_public()
