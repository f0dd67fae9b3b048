"""The protected-person endpoints: the force-endpoint contract (with the managing team's row rule),
404 outside the team, 403 without the permission, coded 400s with nothing saved."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django_tenants.utils import schema_context

from api.protected_persons import ContactLogEntryViewSet, ProtectedPersonViewSet
from audit.choices import AuditAction
from core.roles import ForceRole
from orders.models import ContactLogEntry, ProtectedPerson
from organisation.models import Team
from tenants.models import Force
from tests.api.base import events_since, last_event_id, token_client
from tests.factories import make_subject, make_user
from tests.orders.helpers import join_team, make_contact, make_order, make_protected_person, make_team, today
from tests.orders.test_api import _DynamicPayloads

REASON = {"HTTP_X_ACCESS_REASON": "Safety check before the visit"}


def unit_of(force: Force) -> Team:
    """The force's unit every member made by the contract joins (so the row rule lets them in)."""
    with schema_context(force.schema_name):
        team = Team.objects.filter(name="Contract unit").first()
    connection.set_schema_to_public()
    return team or make_team(force, name="Contract unit")


class _InTheUnit(_DynamicPayloads):
    def member(self, force: Force, role: str) -> Any:
        user = make_user(force=force, roles=[role])
        join_team(force, unit_of(force), user)
        return user

    def managed_subject(self, force: Force) -> Any:
        return make_subject(force, managing_team=unit_of(force))


class TestProtectedPersonEndpoint(_InTheUnit):
    endpoint = "/api/v1/protected-persons/"
    viewset = ProtectedPersonViewSet

    def payloads_for(self, force):  # type: ignore[no-untyped-def]
        subject = self.managed_subject(force)
        order = make_order(force, subject=subject)
        return {
            "create": {
                "subject": str(subject.uuid),
                "orders": [str(order.uuid)],
                "name": "Ruth Penhallow",
                "relationship": "former-partner",
                "phone": "01632 960 777",
            },
            "update": {
                "name": "Ruth Penhallow-Grey",
                "relationship": "acquaintance",
                "address": "3 Foxglove Lane",
                "phone": "",
                "email": "ruth@example.com",
                "safe_contact": "Email first",
                "safety_measures": "",
                "notes": "",
            },
            "partial_update": {"safety_measures": "Panic alarm"},
        }

    def make_object(self, force):  # type: ignore[no-untyped-def]
        return make_protected_person(force, subject=self.managed_subject(force))


class TestContactLogEndpoint(_InTheUnit):
    endpoint = "/api/v1/protected-person-contacts/"
    viewset = ContactLogEntryViewSet

    def payloads_for(self, force):  # type: ignore[no-untyped-def]
        person = make_protected_person(force, subject=self.managed_subject(force))
        payload = {
            "protected_person": str(person.uuid),
            "contacted_on": str(today()),
            "method": "phone",
            "summary": "Weekly call; nothing new",
            "reassured": "yes",
        }
        return {"create": payload, "update": {}, "partial_update": {}}

    def make_object(self, force):  # type: ignore[no-untyped-def]
        person = make_protected_person(force, subject=self.managed_subject(force))
        officer = make_user(force=force, roles=[ForceRole.OFFICER])
        return make_contact(force, person, officer)


def test_contacts_are_never_changed_or_deleted(force_a):
    person = make_protected_person(force_a, subject=make_subject(force_a, managing_team=unit_of(force_a)))
    coordinator = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    join_team(force_a, unit_of(force_a), coordinator)
    entry = make_contact(force_a, person, coordinator)
    client = token_client(coordinator, force_a)
    url = f"/api/v1/protected-person-contacts/{entry.uuid}/"
    assert client.patch(url, {"summary": "x"}, content_type="application/json").status_code == 405
    assert client.delete(url).status_code == 405
    with schema_context(force_a.schema_name):
        assert ContactLogEntry.objects.get().summary.startswith("Said the subject")
    connection.set_schema_to_public()


def _setup(force: Force) -> dict[str, Any]:
    inside = make_user(force=force, roles=[ForceRole.COORDINATOR])
    outside = make_user(force=force, roles=[ForceRole.COORDINATOR])
    team = make_team(force, inside)
    make_team(force, outside)
    subject = make_subject(force, managing_team=team)
    return {
        "inside": inside,
        "outside": outside,
        "subject": subject,
        "person": make_protected_person(force, subject=subject),
    }


def test_outside_the_managing_team_404_and_an_empty_list(force_a):
    s = _setup(force_a)
    client = token_client(s["outside"], force_a)
    url = f"/api/v1/protected-persons/{s['person'].uuid}/"
    assert client.get("/api/v1/protected-persons/").json()["results"] == []
    for response in (
        client.get(url, **REASON),
        client.patch(url, {"name": "X"}, content_type="application/json"),
        client.delete(url, HTTP_X_ERASURE_REASON="mistake"),
    ):
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    # Nor can they record one for a subject their team does not manage, or log a contact.
    response = client.post(
        "/api/v1/protected-persons/",
        {"subject": str(s["subject"].uuid), "name": "Someone"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["codes"]["subject"] == ["does_not_exist"]
    response = client.post(
        "/api/v1/protected-person-contacts/",
        {
            "protected_person": str(s["person"].uuid),
            "contacted_on": str(today()),
            "method": "phone",
            "summary": "x",
            "reassured": "yes",
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["codes"]["protected_person"] == ["does_not_exist"]
    with schema_context(force_a.schema_name):
        assert ProtectedPerson.objects.get().name == "Harriet Quenby"
        assert not ContactLogEntry.objects.exists()
    connection.set_schema_to_public()


def test_supervisors_read_any_but_change_only_their_units(force_a):
    s = _setup(force_a)
    supervisor = make_user(force=force_a, roles=[ForceRole.SUPERVISOR])
    client = token_client(supervisor, force_a)
    url = f"/api/v1/protected-persons/{s['person'].uuid}/"
    listed = client.get("/api/v1/protected-persons/").json()["results"]
    assert [r["name"] for r in listed] == ["Harriet Quenby"]
    assert client.get(url, **REASON).json()["address"] == "7 Larkspur Close, Lincoln"
    assert client.patch(url, {"notes": "x"}, content_type="application/json").status_code == 404


def test_without_the_permission_403_logged(force_a):
    s = _setup(force_a)
    for role in (ForceRole.VIEWER, ForceRole.DISCLOSURE_OFFICER, ForceRole.ANALYST):
        user = make_user(force=force_a, roles=[role])
        before = last_event_id(force_a)
        response = token_client(user, force_a).get(f"/api/v1/protected-persons/{s['person'].uuid}/", **REASON)
        assert response.status_code == 403 and response.json()["code"] == "permission_denied"
        events = [e for e in events_since(force_a, before) if e.action != AuditAction.SIGN_IN]
        assert [e.action for e in events] == [AuditAction.PERMISSION_DENIED], role
        assert events[0].object_ids == [s["person"].uuid]


def test_bad_input_is_400_with_codes_and_nothing_saved(force_a, force_b):
    s = _setup(force_a)
    client = token_client(s["inside"], force_a)
    other_subjects_order = make_order(force_a)
    order_b = make_order(force_b)
    officer_b = make_user(force=force_b, roles=[ForceRole.OFFICER])
    before = last_event_id(force_a)
    cases = [
        ({"name": ""}, "name", "blank"),
        ({"name": "X", "email": "not-an-email"}, "email", "invalid"),
        ({"name": "X", "phone": "ring me"}, "phone", "invalid_phone"),
        ({"name": "X", "relationship": "nemesis"}, "relationship", "invalid_choice"),
        ({"name": "X" * 201}, "name", "max_length"),
        ({"name": "X", "orders": [str(other_subjects_order.uuid)]}, "orders", "order_of_another_subject"),
        ({"name": "X", "orders": [str(order_b.uuid)]}, "orders", "does_not_exist"),
        ({"name": "X", "ssn": "123"}, "ssn", "invalid"),
    ]
    for extra, field, code in cases:
        response = client.post(
            "/api/v1/protected-persons/",
            {"subject": str(s["subject"].uuid), **extra},
            content_type="application/json",
        )
        assert response.status_code == 400, (extra, response.content)
        body = response.json()
        assert body["code"] == "invalid" and field in body["fields"], (extra, body)
        assert code in body["codes"][field][0] or body["codes"][field] == [code], (extra, body)
    contact = {
        "protected_person": str(s["person"].uuid),
        "contacted_on": str(today()),
        "method": "phone",
        "summary": "Called",
        "reassured": "yes",
    }
    for extra, field, code in [
        ({"contacted_on": "2999-01-01"}, "contacted_on", "future_date"),
        ({"reassured": "maybe"}, "reassured", "invalid_choice"),
        ({"officer": str(officer_b.uuid)}, "officer", "not_force_member"),
        ({"summary": ""}, "summary", "blank"),
    ]:
        response = client.post(
            "/api/v1/protected-person-contacts/", {**contact, **extra}, content_type="application/json"
        )
        assert response.status_code == 400, (extra, response.content)
        assert response.json()["codes"][field] == [code], (extra, response.json())
    with schema_context(force_a.schema_name):
        assert ProtectedPerson.objects.count() == 1 and not ContactLogEntry.objects.exists()
    connection.set_schema_to_public()
    assert [
        e for e in events_since(force_a, before) if e.action in (AuditAction.COLLECT, AuditAction.ALTER)
    ] == []


def test_the_team_records_a_person_and_a_contact_over_the_api(force_a, force_b):
    s = _setup(force_a)
    client = token_client(s["inside"], force_a)
    order = make_order(force_a, subject=s["subject"])
    before_b = last_event_id(force_b)
    created = client.post(
        "/api/v1/protected-persons/",
        {"subject": str(s["subject"].uuid), "orders": [str(order.uuid)], "name": "Nell Arbuthnot"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    person = created.json()
    assert person["orders"] == [str(order.uuid)] and person["name"] == "Nell Arbuthnot"
    logged = client.post(
        "/api/v1/protected-person-contacts/",
        {
            "protected_person": person["uuid"],
            "contacted_on": str(today()),
            "method": "in-person",
            "summary": "Visited at home",
            "reassured": "partly",
        },
        content_type="application/json",
    )
    assert logged.status_code == 201, logged.content
    assert logged.json()["officer"] == str(s["inside"].uuid)  # the caller, by default
    listed = client.get("/api/v1/protected-person-contacts/", {"protected_person": person["uuid"]}).json()
    assert [r["summary"] for r in listed["results"]] == ["Visited at home"]
    by_order = client.get("/api/v1/protected-persons/", {"order": str(order.uuid)}).json()["results"]
    assert [r["uuid"] for r in by_order] == [person["uuid"]]
    assert events_since(force_b, before_b) == []
    with schema_context(force_b.schema_name):
        assert not ProtectedPerson.objects.exists()
    connection.set_schema_to_public()
