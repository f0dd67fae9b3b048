"""Capacity on the team pages of /force-admin/ (issue 15, item 1): hours, visit share, absences."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from core.roles import ForceRole
from organisation.choices import TeamKind
from organisation.models import PlannedAbsence, Team, TeamMember
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _team(force, kind, *users):  # type: ignore[no-untyped-def]
    with schema_context(force.schema_name):
        team = Team.objects.create(name=f"Team {kind}", kind=kind)
        for u in users:
            TeamMember.objects.create(team=team, user=u)
    connection.set_schema_to_public()
    return team


def test_hours_and_share_are_saved_and_bad_values_are_field_errors(force_a, client_for):  # type: ignore[no-untyped-def]
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    officer = make_user(force=force_a, roles=[ForceRole.VISITING_OFFICER])
    team = _team(force_a, TeamKind.RESPONSE, officer)
    client = client_for(admin, force_a)
    page = client.get(f"/force-admin/teams/{team.uuid}/").content.decode()
    field = f"hours_{officer.uuid.hex}"
    assert f'name="{field}"' in page and 'name="visit_share"' in page
    url = f"/force-admin/teams/{team.uuid}/capacity/"
    bad = client.post(url, {field: "200", "visit_share": "101"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "govuk-error-summary" in html and "from 0 to 168" in html and "from 0 to 100" in html
    ok = client.post(url, {field: "12.5", "visit_share": "30"})
    assert ok.status_code == 302
    with schema_context(force_a.schema_name):
        assert TeamMember.objects.get(team=team).hours_per_week == Decimal("12.5")
        assert Team.objects.get(pk=team.pk).visit_share == 30
    connection.set_schema_to_public()


def test_absences_are_added_refused_when_backwards_and_removed(force_a, client_for):  # type: ignore[no-untyped-def]
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    team = _team(force_a, TeamKind.ANCILLARY_ORDER_UNIT, officer)
    client = client_for(admin, force_a)
    url = f"/force-admin/teams/{team.uuid}/absences/"
    start = dt.date.today() + dt.timedelta(days=10)
    end = start - dt.timedelta(days=2)

    def body(a: dt.date, b: dt.date) -> dict[str, str]:
        return {
            "person": str(officer.uuid),
            "starts_on_day": str(a.day),
            "starts_on_month": str(a.month),
            "starts_on_year": str(a.year),
            "ends_on_day": str(b.day),
            "ends_on_month": str(b.month),
            "ends_on_year": str(b.year),
        }

    bad = client.post(url, body(start, end))
    assert bad.status_code == 400
    assert "end on or after" in bad.content.decode()
    assert client.post(url, {"person": str(officer.uuid)}).status_code == 400
    assert client.post(url, body(start, start + dt.timedelta(days=4))).status_code == 302
    with schema_context(force_a.schema_name):
        absence = PlannedAbsence.objects.get()
    connection.set_schema_to_public()
    assert "No planned absences" not in client.get(f"/force-admin/teams/{team.uuid}/").content.decode()
    removed = client.post(f"/force-admin/teams/{team.uuid}/absences/{absence.uuid}/remove/")
    assert removed.status_code == 302
    with schema_context(force_a.schema_name):
        assert not PlannedAbsence.objects.exists()
    connection.set_schema_to_public()


def test_only_team_managers_change_capacity(force_a, force_b, client_for):  # type: ignore[no-untyped-def]
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    team = _team(force_a, TeamKind.ANCILLARY_ORDER_UNIT, officer)
    url = f"/force-admin/teams/{team.uuid}/capacity/"
    assert client_for(officer, force_a).post(url, {f"hours_{officer.uuid.hex}": "5"}).status_code == 403
    other = make_user(force=force_b, roles=[ForceRole.FORCE_ADMIN])
    assert client_for(other, force_a).post(url, {f"hours_{officer.uuid.hex}": "5"}).status_code == 404


def test_minutes_per_piece_of_work_on_the_settings_page(force_a, client_for):  # type: ignore[no-untyped-def]
    from organisation.models import PracticeSettings
    from tests.organisation.test_settings import _form

    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    client = client_for(admin, force_a)
    assert 'name="minutes_per_visit"' in client.get("/force-admin/settings/").content.decode()
    bad = client.post("/force-admin/settings/", _form(force_a, minutes_per_visit=0, minutes_per_review=30))
    assert bad.status_code == 400
    assert "from 1 to 1440" in bad.content.decode()
    with schema_context(force_a.schema_name):
        assert PracticeSettings.objects.get().minutes_per_review == 120
    connection.set_schema_to_public()
    assert client.post("/force-admin/settings/", _form(force_a, minutes_per_visit=45)).status_code == 302
    with schema_context(force_a.schema_name):
        assert PracticeSettings.objects.get().minutes_per_visit == 45
    connection.set_schema_to_public()
