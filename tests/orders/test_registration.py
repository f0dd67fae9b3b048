"""Sex offender registration (on the subject) suspends an SPO's notification; its end restarts it.

DOMAIN.md: "suspended while the subject is on the sex offender register, starting when registration
ends". The subject's own registration dates decide it (not a flag typed with each order); ending the
registration, by its page, its API route or the subject's edit, restarts every suspended requirement
of the subject's orders from that day (the day counts as day one), audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from audit.choices import AuditAction, RecordType
from core.roles import ForceRole
from orders.models import NotificationRequirement
from statute.models import NotificationTrigger
from subjects import services as subject_services
from subjects.models import Subject
from tests.api.base import events_since, last_event_id, token_client
from tests.factories import make_subject, make_user
from tests.orders.helpers import make_order, today

pytestmark = pytest.mark.django_db

REASON = "Checking the notification after registration"


def registered_subject(force: Any, *, since_days: int = 400, until: dt.date | None = None) -> Subject:
    return make_subject(
        force,
        registered_sex_offender=True,
        registered_from=today() - dt.timedelta(days=since_days),
        registered_until=until,
    )


def requirement_of(force: Any, order: Any) -> NotificationRequirement:
    with schema_context(force.schema_name):
        found = NotificationRequirement.objects.get(order=order)
    connection.set_schema_to_public()
    return found


def _codes(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in exc.value.error_dict.items()}


# -- the services ----------------------------------------------------------------------------------
def test_the_subjects_registration_suspends_and_its_end_restarts_in_this_force_only(force_a, force_b):
    subject = registered_subject(force_a)
    order = make_order(force_a, subject=subject)  # served ten days ago
    other = make_order(force_b, subject=registered_subject(force_b))
    assert requirement_of(force_a, order).suspended
    assert requirement_of(force_b, other).suspended
    before_a, before_b = last_event_id(force_a), last_event_id(force_b)
    ended = today() - dt.timedelta(days=1)
    with schema_context(force_a.schema_name):
        subject_services.end_registration(actor=None, subject=subject, ended_on=ended)
        subject.refresh_from_db()
        assert subject.registered_until == ended and subject.registered_sex_offender
    requirement = requirement_of(force_a, order)
    assert not requirement.suspended
    assert requirement.trigger == NotificationTrigger.REGISTRATION_END
    assert requirement.trigger_date == ended and requirement.last_day == ended + dt.timedelta(days=2)
    events = events_since(force_a, before_a)
    assert [(e.action, e.object_type, e.object_ids) for e in events] == [
        (AuditAction.ALTER, RecordType.SUBJECT, [subject.uuid]),
        (AuditAction.ALTER, RecordType.NOTIFICATION_REQUIREMENT, [requirement.uuid]),
    ]
    assert events[0].changed_fields == ["registered_until"]
    assert events[1].justification == "Sex offender registration ended"
    assert events[1].changes["last_day"]["after"] == str(ended + dt.timedelta(days=2))
    assert events_since(force_b, before_b) == []
    assert requirement_of(force_b, other).suspended


def test_an_order_recorded_after_registration_ended_counts_from_its_end(force_a):
    ended = today() - dt.timedelta(days=3)
    subject = registered_subject(force_a, until=ended)
    order = make_order(force_a, subject=subject, made_on=ended - dt.timedelta(days=30))
    requirement = requirement_of(force_a, order)
    assert not requirement.suspended and requirement.trigger == NotificationTrigger.REGISTRATION_END
    assert requirement.trigger_date == ended and requirement.current_state == "overdue"


@pytest.mark.parametrize(
    ("code", "registered", "suspended"),
    [("SPO", True, True), ("SPO", False, False), ("DAPO", True, False)],
)
def test_only_a_registered_subject_under_a_suspending_order_type_is_suspended(
    force_a, code, registered, suspended
):
    subject = registered_subject(force_a) if registered else make_subject(force_a)
    order = make_order(force_a, code=code, subject=subject)
    assert requirement_of(force_a, order).suspended is suspended


def test_registration_that_began_after_the_trigger_does_not_suspend(force_a):
    subject = registered_subject(force_a, since_days=5)
    order = make_order(force_a, subject=subject)  # served ten days ago, before registration
    assert not requirement_of(force_a, order).suspended


def test_a_change_to_notify_during_registration_is_suspended_too(force_a):
    from orders import services

    order = make_order(force_a, subject=registered_subject(force_a))
    with schema_context(force_a.schema_name):
        change = services.record_trigger(
            actor=None, order=order, trigger=NotificationTrigger.ADDRESS_CHANGE, trigger_date=today()
        )
        assert change.suspended


@pytest.mark.parametrize(
    ("setup", "ended_on", "code"),
    [
        ({"registered_sex_offender": False}, -1, "not_registered"),
        ({}, +1, "future_date"),
        ({}, -500, "dates_out_of_order"),
        ({"registered_until": -20}, -1, "registration_already_ended"),
    ],
    ids=["not-registered", "future", "before-it-began", "already-ended"],
)
def test_ending_registration_refuses_bad_dates_with_codes_and_changes_nothing(force_a, setup, ended_on, code):
    fields: dict[str, Any] = {"registered_sex_offender": True, "registered_from": today() - dt.timedelta(400)}
    if setup.get("registered_sex_offender") is False:
        fields = {}
    if "registered_until" in setup:
        fields["registered_until"] = today() + dt.timedelta(days=setup["registered_until"])
    subject = make_subject(force_a, **fields)
    order = make_order(force_a, subject=subject)
    before = last_event_id(force_a)
    with schema_context(force_a.schema_name), pytest.raises(ValidationError) as exc:
        subject_services.end_registration(
            actor=None, subject=subject, ended_on=today() + dt.timedelta(days=ended_on)
        )
    assert _codes(exc) == {"ended_on": [code]}
    assert events_since(force_a, before) == []
    assert requirement_of(force_a, order).suspended is bool(fields and "registered_until" not in fields)


def test_an_end_typed_on_the_edit_restarts_too_and_a_future_end_waits_for_its_day(force_a):
    from jobs.registry import get_job

    past, future = registered_subject(force_a), registered_subject(force_a)
    past_order, future_order = make_order(force_a, subject=past), make_order(force_a, subject=future)
    ended, ends = today() - dt.timedelta(days=2), today() + dt.timedelta(days=5)
    with schema_context(force_a.schema_name):
        subject_services.update_subject(actor=None, subject=past, registered_until=ended)
        subject_services.update_subject(actor=None, subject=future, registered_until=ends)
    assert requirement_of(force_a, past_order).trigger_date == ended
    assert requirement_of(force_a, future_order).suspended
    job = get_job("restart_notification_after_registration")
    with schema_context(force_a.schema_name):
        job.func(force=force_a, day=ends - dt.timedelta(days=1))
    waiting = requirement_of(force_a, future_order)
    assert waiting.suspended
    before = last_event_id(force_a)
    with schema_context(force_a.schema_name):
        Subject.objects.filter(pk=future.pk).update(registered_until=today())  # the day has come
        assert job.func(force=force_a, day=today()) == "1 notification requirement(s) restarted"
    events = events_since(force_a, before)
    assert [(e.action, e.object_ids) for e in events] == [(AuditAction.ALTER, [waiting.uuid])]
    restarted = requirement_of(force_a, future_order)
    assert not restarted.suspended and restarted.trigger_date == today()


# -- the page --------------------------------------------------------------------------------------
def _date(prefix: str, day: dt.date) -> dict[str, str]:
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


def test_the_case_file_offers_ending_registration_and_the_page_restarts_notification(
    client_for, force_a, force_b
):
    subject = registered_subject(force_a)
    order = make_order(force_a, subject=subject)
    client = client_for(make_user(force=force_a, roles=[ForceRole.COORDINATOR]), force_a)
    assert client.post(f"/subjects/{subject.uuid}/", {"reason": REASON}).status_code == 302
    page = client.get(f"/subjects/{subject.uuid}/").content.decode()
    url = f"/subjects/{subject.uuid}/registration/end/"
    assert f'href="{url}"' in page and 'data-testid="end-registration"' in page
    form = client.get(url)
    assert form.status_code == 200 and b"Date registration ended" in form.content
    bad = client.post(url, _date("ended_on", today() + dt.timedelta(days=3)))
    assert bad.status_code == 400 and b"must be today or in the past" in bad.content
    assert requirement_of(force_a, order).suspended
    before = last_event_id(force_a)
    done = client.post(url, _date("ended_on", today()))
    assert done.status_code == 302 and done["Location"] == f"/subjects/{subject.uuid}/"
    assert requirement_of(force_a, order).trigger_date == today()
    assert [e.action for e in events_since(force_a, before)] == [AuditAction.ALTER, AuditAction.ALTER]
    # Ended: the link is gone. Another force's coordinator cannot reach the page.
    assert 'data-testid="end-registration"' not in client.get(f"/subjects/{subject.uuid}/").content.decode()
    outsider = client_for(make_user(force=force_b, roles=[ForceRole.COORDINATOR]), force_b)
    assert outsider.get(f"/subjects/{subject.uuid}/registration/end/").status_code == 404


def test_the_page_needs_the_change_permission(client_for, force_a):
    subject = registered_subject(force_a)
    viewer = client_for(make_user(force=force_a, roles=[ForceRole.VIEWER]), force_a)
    assert viewer.get(f"/subjects/{subject.uuid}/registration/end/").status_code in (403, 404)


# -- the API ---------------------------------------------------------------------------------------
def test_the_api_route_restarts_the_requirement_and_refuses_bad_input_with_codes(force_a):
    subject = registered_subject(force_a)
    order = make_order(force_a, subject=subject)
    client = token_client(make_user(force=force_a, roles=[ForceRole.COORDINATOR]), force_a)
    url = f"/api/v1/subjects/{subject.uuid}/end-registration/"
    for payload, field, code in [
        ({"ended_on": str(today() + dt.timedelta(days=1))}, "ended_on", "future_date"),
        ({}, "ended_on", "required"),
        ({"ended_on": "not a date"}, "ended_on", "invalid"),
        ({"ended_on": str(today()), "registered_until": "2020-01-01"}, "registered_until", None),
    ]:
        response = client.post(url, payload, content_type="application/json")
        assert response.status_code == 400, (payload, response.content)
        body = response.json()
        assert body["code"] == "invalid" and field in body["fields"]
        if code:
            assert body["codes"][field] == [code]
    assert requirement_of(force_a, order).suspended
    response = client.post(url, {"ended_on": str(today())}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["registered_until"] == str(today())
    assert requirement_of(force_a, order).trigger == NotificationTrigger.REGISTRATION_END
    again = client.post(url, {"ended_on": str(today())}, content_type="application/json")
    assert again.status_code == 400 and again.json()["codes"]["ended_on"] == ["registration_already_ended"]
