"""Grants ending within a week (issue 16): the receiving force's askers and coordinators are reminded
once per grant; the other force hears nothing of it; the title names no one; preferences offer the kind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from core.roles import ForceRole
from jobs.registry import run_for_force
from reminders.choices import ReminderKind
from reminders.models import InboxItem, Reminder
from sharing.jobs import grant_ending_reminders
from sharing.models import Grant
from tests.api.base import token_client
from tests.factories import make_user
from tests.sharing.helpers import asker, granted, same_person

pytestmark = pytest.mark.django_db


def _ends_in(grant, days: int) -> None:
    Grant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() + dt.timedelta(days=days))


def _recipients(force) -> list[int]:
    with schema_context(force.schema_name):
        return sorted(
            InboxItem.objects.filter(kind=ReminderKind.GRANT_ENDING).values_list("recipient_id", flat=True)
        )


def test_askers_and_coordinators_of_the_receiving_force_only_once(force_a, force_b):
    coordinator_a = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    coordinator_b = make_user(force=force_b, roles=[ForceRole.COORDINATOR])
    officer_a = make_user(force=force_a, roles=[ForceRole.OFFICER])  # asked for nothing
    # b shares with a (a asked), ending in 3 days; a shares with b (b asked), ending in 5 days.
    ours, _theirs = same_person(force_a, force_b)
    asker_a = asker(force_a)
    to_a = granted(force_a, force_b, ours, user=asker_a)
    theirs_b, _ours_a = same_person(force_b, force_a)
    asker_b = asker(force_b)
    to_b = granted(force_b, force_a, theirs_b, user=asker_b)
    _ends_in(to_a, 3)
    _ends_in(to_b, 5)
    # Not due: one ending in 20 days, one revoked.
    later, _ = same_person(force_a, force_b)
    _ends_in(granted(force_a, force_b, later, user=asker_a), 20)
    gone_subject, _ = same_person(force_a, force_b)
    gone = granted(force_a, force_b, gone_subject, user=asker_a)
    _ends_in(gone, 2)
    Grant.objects.filter(pk=gone.pk).update(revoked_at=timezone.now())

    today = timezone.localdate()
    assert run_for_force("grant_ending_reminders", force_a, today) == "ran"
    assert _recipients(force_a) == sorted({asker_a.pk, coordinator_a.pk})
    assert officer_a.pk not in _recipients(force_a)
    assert _recipients(force_b) == []  # nothing about a's grants reaches b
    with schema_context(force_a.schema_name):
        reminders = list(Reminder.objects.filter(kind=ReminderKind.GRANT_ENDING))
        assert {r.object_uuid for r in reminders} == {to_a.uuid}
        for r in reminders:
            assert ours.family_name not in r.title and "Sam" not in r.title
            assert force_b.name not in r.title
            assert r.link == f"/shared/{to_a.uuid}/"
    connection.set_schema_to_public()

    assert run_for_force("grant_ending_reminders", force_b, today) == "ran"
    assert _recipients(force_b) == sorted({asker_b.pk, coordinator_b.pk})
    assert coordinator_a.pk not in _recipients(force_b) and asker_a.pk not in _recipients(force_b)

    # A second run (the job itself, bypassing JobRun) adds nothing.
    with schema_context(force_a.schema_name):
        assert "0 new reminder(s)" in grant_ending_reminders(force=force_a, day=today)
    connection.set_schema_to_public()
    assert len(_recipients(force_a)) == 2 and len(_recipients(force_b)) == 2


def test_the_preferences_offer_the_kind(force_a, client_for):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    body = token_client(user, force_a).get("/api/v1/notification-preferences/").json()
    assert {r["kind"]: r["mode"] for r in body["results"]}["grant-ending"] == "immediate"
    changed = token_client(user, force_a).put(
        "/api/v1/notification-preferences/", {"grant-ending": "digest"}, content_type="application/json"
    )
    assert changed.status_code == 200
    page = client_for(user, force_a).get("/inbox/preferences/")
    assert page.status_code == 200 and "Shared record access ending" in page.content.decode()
