"""Protected persons (issue 11, item 3): ciphertext at rest, no value in the log, key rotation, the
managing team's row rule, existence only for everyone else, pages, and nothing across forces."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django_tenants.utils import schema_context

from audit.choices import AuditAction, RecordType
from audit.models import AuditEvent
from core.encryption import TOKEN_PREFIX
from core.roles import ForceRole
from orders import services
from orders.models import ContactLogEntry, ProtectedPerson
from tests.api.base import events_since, last_event_id, token_client
from tests.factories import make_subject, make_user
from tests.orders.helpers import (
    PERSON_DETAILS,
    make_contact,
    make_order,
    make_protected_person,
    make_team,
    today,
)
from tests.subjects.test_views import open_case_file

pytestmark = pytest.mark.django_db

#: Words of the details that must never appear in clear in the database or in any audit row.
SECRETS = ("harriet", "quenby", "larkspur", "01632 960 555", "panic alarm", "second incident", "drove past")
ENCRYPTED_COLUMNS = ", ".join(ProtectedPerson.ENCRYPTED_FIELDS)


def _raw(force: Any, sql: str) -> list[tuple[Any, ...]]:
    with schema_context(force.schema_name), connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    connection.set_schema_to_public()
    return rows


def _all_audit_text(*forces: Any) -> str:
    parts = []
    for schema in ("public", *(f.schema_name for f in forces)):
        with schema_context(schema):
            for event in AuditEvent.objects.all():
                parts.append(
                    " ".join(
                        str(v)
                        for v in (
                            event.object_type,
                            event.justification,
                            event.recipient,
                            event.changed_fields,
                            event.changes,
                            event.actor_name,
                        )
                    )
                )
    connection.set_schema_to_public()
    return "\n".join(parts).lower()


@pytest.fixture
def unit(force_a):  # type: ignore[no-untyped-def]
    """Force A's people: a coordinator and an officer in the unit managing the subject, the same roles
    in another unit, a supervisor in no unit, a viewer and a disclosure officer."""
    people = {
        name: make_user(force=force_a, roles=[role])
        for name, role in (
            ("coordinator_in", ForceRole.COORDINATOR),
            ("officer_in", ForceRole.OFFICER),
            ("coordinator_out", ForceRole.COORDINATOR),
            ("officer_out", ForceRole.OFFICER),
            ("supervisor", ForceRole.SUPERVISOR),
            ("viewer", ForceRole.VIEWER),
            ("disclosure", ForceRole.DISCLOSURE_OFFICER),
        )
    }
    team = make_team(force_a, people["coordinator_in"], people["officer_in"])
    make_team(force_a, people["coordinator_out"], people["officer_out"])
    subject = make_subject(force_a, managing_team=team)
    order = make_order(force_a, subject=subject)
    person = make_protected_person(force_a, subject=subject, orders=[order])
    return {"team": team, "subject": subject, "order": order, "person": person, **people}


# -- storage -----------------------------------------------------------------------------------
def test_the_stored_columns_hold_ciphertext_only(force_a, unit):
    make_contact(force_a, unit["person"], unit["officer_in"])
    rows = _raw(force_a, f"SELECT {ENCRYPTED_COLUMNS} FROM orders_protectedperson")
    assert len(rows) == 1
    assert all(value.startswith(TOKEN_PREFIX) for value in rows[0])
    # The whole row as PostgreSQL prints it (as psql or a dump would show it): no detail in clear.
    for table in ("orders_protectedperson", "orders_contactlogentry"):
        text = " ".join(r[0] for r in _raw(force_a, f"SELECT t::text FROM {table} t")).lower()
        assert text and not [s for s in SECRETS if s in text], table
    with schema_context(force_a.schema_name):
        person = ProtectedPerson.objects.get()
        assert (person.name, person.address) == (PERSON_DETAILS["name"], PERSON_DETAILS["address"])
        assert ContactLogEntry.objects.get().summary.startswith("Said the subject drove past")
    connection.set_schema_to_public()


def test_key_rotation_rewrites_every_row_so_the_old_key_can_go(force_a, unit, settings):
    make_contact(force_a, unit["person"], unit["officer_in"])
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    before = _raw(force_a, "SELECT name FROM orders_protectedperson")[0][0]
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, *old_keys]
    with schema_context(force_a.schema_name):
        assert ProtectedPerson.objects.get().name == PERSON_DETAILS["name"]  # old rows still read
        assert services.reencrypt_protected_data() == {
            "orders.ProtectedPerson": 1,
            "orders.ContactLogEntry": 1,
        }
    connection.set_schema_to_public()
    after = _raw(force_a, "SELECT name FROM orders_protectedperson")[0][0]
    assert after != before and after.startswith(TOKEN_PREFIX)
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key removed
    with schema_context(force_a.schema_name):
        person = ProtectedPerson.objects.get()
        assert (person.name, person.safety_measures) == (
            PERSON_DETAILS["name"],
            PERSON_DETAILS["safety_measures"],
        )
        assert "drove past" in ContactLogEntry.objects.get().summary
    connection.set_schema_to_public()


def test_the_command_rotates_one_force_or_all(force_a, force_b, unit, settings):
    from io import StringIO

    from django.core.management import call_command

    make_protected_person(force_b)
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, *settings.FIELD_ENCRYPTION_KEYS]
    out = StringIO()
    call_command("reencrypt_protected_data", stdout=out)
    assert f"{force_a.slug}: rewrote 1 orders.ProtectedPerson" in out.getvalue()
    assert f"{force_b.slug}: rewrote 1 orders.ProtectedPerson" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = [new]
    for force in (force_a, force_b):
        with schema_context(force.schema_name):
            assert ProtectedPerson.objects.get().name == PERSON_DETAILS["name"]
    connection.set_schema_to_public()


# -- the audit log -----------------------------------------------------------------------------
def test_no_protected_person_value_reaches_any_audit_row(force_a, force_b, unit, client_for):
    coordinator = unit["coordinator_in"]
    person, subject = unit["person"], unit["subject"]
    make_contact(force_a, person, unit["officer_in"])
    with schema_context(force_a.schema_name):
        services.update_protected_person(
            actor=coordinator,
            person=person,
            address="12 Meadowsweet Row, Boston",
            safe_contact="Email only",
            relationship="acquaintance",
        )
    connection.set_schema_to_public()
    client = client_for(coordinator, force_a)
    open_case_file(client, subject)
    assert (
        b"Harriet Quenby"
        in client.get(f"/subjects/{subject.uuid}/orders/protected-persons/{person.uuid}/").content
    )
    token_client(coordinator, force_a).get(
        f"/api/v1/protected-persons/{person.uuid}/", HTTP_X_ACCESS_REASON="Safety check"
    )
    with schema_context(force_a.schema_name):
        services.remove_protected_person(actor=coordinator, person=person, reason="Recorded twice")
        events = list(
            AuditEvent.objects.filter(
                object_type__in=[RecordType.PROTECTED_PERSON, RecordType.CONTACT_LOG_ENTRY]
            ).order_by("id")
        )
    connection.set_schema_to_public()
    text = _all_audit_text(force_a, force_b)
    assert not [
        s for s in (*SECRETS, "meadowsweet", "email only", "acquaintance", "former-partner") if s in text
    ]
    kinds = [(e.action, e.object_type) for e in events]
    assert (AuditAction.COLLECT, RecordType.PROTECTED_PERSON) in kinds
    assert (AuditAction.ALTER, RecordType.PROTECTED_PERSON) in kinds
    assert (AuditAction.COLLECT, RecordType.CONTACT_LOG_ENTRY) in kinds
    assert (AuditAction.ERASE, RecordType.PROTECTED_PERSON) in kinds
    assert (AuditAction.ERASE, RecordType.CONTACT_LOG_ENTRY) in kinds
    alter = next(e for e in events if e.action == AuditAction.ALTER)
    assert alter.changed_fields == ["address", "relationship", "safe_contact"] and alter.changes == {}
    # A collection keeps no value but the subject's UUID.
    collect = next(e for e in events if e.object_type == RecordType.PROTECTED_PERSON)
    assert set(collect.changes) == {"subject"}
    assert collect.changes["subject"]["after"] == str(subject.uuid)
    consults = [
        e for e in events if e.action == AuditAction.CONSULT and e.object_type == RecordType.PROTECTED_PERSON
    ]
    assert consults and all(e.object_ids == [person.uuid] for e in consults)


# -- who sees what -----------------------------------------------------------------------------
def _visible(force: Any, user: Any, action: str) -> list[Any]:
    with schema_context(force.schema_name):
        found = list(
            ProtectedPerson.objects.restrict(user, action, force=force).values_list("uuid", flat=True)
        )
    connection.set_schema_to_public()
    return found


def test_the_permission_matrix(force_a, force_b, unit):
    uuid = unit["person"].uuid
    expected = {
        # who: (view, change, know_of)
        "coordinator_in": ([uuid], [uuid], [uuid]),
        "officer_in": ([uuid], [uuid], [uuid]),
        "coordinator_out": ([], [], [uuid]),
        "officer_out": ([], [], [uuid]),
        "supervisor": ([uuid], [], [uuid]),  # VIEW_ANY lifts reading, not changing
        "viewer": ([], [], [uuid]),  # the wider workforce may know one exists (a briefing), no more
        "disclosure": ([], [], [uuid]),
    }
    for who, (view, change, know_of) in expected.items():
        user = unit[who]
        got = (
            _visible(force_a, user, "view"),
            _visible(force_a, user, "change"),
            _visible(force_a, user, "know_of"),
        )
        assert got == (view, change, know_of), who
    # Nothing crosses: force B's supervisor and unit members see none of force A's, in either schema.
    supervisor_b = make_user(force=force_b, roles=[ForceRole.SUPERVISOR])
    make_protected_person(force_b, team=make_team(force_b, supervisor_b))
    assert uuid not in _visible(force_b, supervisor_b, "view")
    assert _visible(force_a, supervisor_b, "view") == [] and _visible(force_a, supervisor_b, "know_of") == []
    assert len(_visible(force_b, supervisor_b, "view")) == 1
    assert unit["coordinator_in"] and _visible(force_b, unit["coordinator_in"], "know_of") == []


def _person_url(unit: Any, tail: str = "") -> str:
    return f"/subjects/{unit['subject'].uuid}/orders/protected-persons/{unit['person'].uuid}/{tail}"


def test_pages_the_team_reads_others_get_404_or_only_a_count(force_a, unit, client_for):
    for who in ("coordinator_in", "officer_in", "supervisor"):
        client = client_for(unit[who], force_a)
        open_case_file(client, unit["subject"])
        page = client.get(_person_url(unit))
        assert page.status_code == 200, who
        assert b"Harriet Quenby" in page.content and b"Larkspur Close" in page.content
        case_file = client.get(f"/subjects/{unit['subject'].uuid}/").content
        assert b"Harriet Quenby" in case_file
    for who in ("coordinator_out", "officer_out"):
        client = client_for(unit[who], force_a)
        case_file = open_case_file(client, unit["subject"]).content
        assert b"Harriet" not in case_file
        assert b"1 protected person recorded" in case_file
        order_page = client.get(f"/subjects/{unit['subject'].uuid}/orders/{unit['order'].uuid}/")
        assert order_page.status_code == 200
        assert b"1 protected person." in order_page.content and b"Harriet" not in order_page.content
        assert client.get(_person_url(unit)).status_code == 404, who  # scoped out, as if it did not exist
        assert client.get(_person_url(unit, "edit/")).status_code == 404
        assert client.post(_person_url(unit, "remove/"), {"reason": "x"}).status_code == 404
    # The supervisor reads any, but changes only in their own unit.
    supervisor = client_for(unit["supervisor"], force_a)
    open_case_file(supervisor, unit["subject"])
    assert supervisor.get(_person_url(unit, "edit/")).status_code == 404
    disclosure = client_for(unit["disclosure"], force_a)
    case_file = open_case_file(disclosure, unit["subject"]).content
    assert b"1 protected person recorded" in case_file and b"Harriet" not in case_file
    with schema_context(force_a.schema_name):
        assert ProtectedPerson.objects.count() == 1


def test_without_the_permission_403_and_the_refusal_is_logged(force_a, unit, client_for):
    for who in ("viewer", "disclosure"):
        before = last_event_id(force_a)
        response = client_for(unit[who], force_a).get(_person_url(unit))
        assert response.status_code == 403, who
        events = events_since(force_a, before)
        assert [e.action for e in events] == [AuditAction.PERMISSION_DENIED]
        assert unit["person"].uuid in events[0].object_ids
        assert "view_protected_person" in events[0].justification


def test_the_team_records_changes_logs_and_removes_through_the_pages(force_a, force_b, unit, client_for):
    client = client_for(unit["officer_in"], force_a)
    subject = unit["subject"]
    open_case_file(client, subject)
    base = f"/subjects/{subject.uuid}/orders/protected-persons/"
    form = client.get(f"{base}new/")
    assert form.status_code == 200 and str(unit["order"].uuid).encode() in form.content
    response = client.post(
        f"{base}new/",
        {
            "name": "Imogen Vale",
            "relationship": "family",
            "orders": [str(unit["order"].uuid)],
            "phone": "07700 900 123",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    with schema_context(force_a.schema_name):
        created = next(p for p in ProtectedPerson.objects.all() if p.name == "Imogen Vale")
        assert [o.uuid for o in created.orders.all()] == [unit["order"].uuid]
    connection.set_schema_to_public()
    detail = client.get(response["Location"])
    assert detail.status_code == 200 and b"Imogen Vale" in detail.content
    url = f"{base}{created.uuid}/"
    response = client.post(
        f"{url}contacts/new/",
        {
            "contacted_on_day": str(today().day),
            "contacted_on_month": str(today().month),
            "contacted_on_year": str(today().year),
            "method": "in-person",
            "officer": str(unit["officer_in"].uuid),
            "summary": "Visited; feels safer since the order",
            "reassured": "yes",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    assert b"feels safer since the order" in client.get(url).content
    response = client.post(
        f"{url}edit/", {"name": "Imogen Vale-Hart", "relationship": "family", "orders": []}
    )
    assert response.status_code == 302, response.content[:3000]
    with schema_context(force_a.schema_name):
        created.refresh_from_db()
        assert created.name == "Imogen Vale-Hart" and created.phone == "" and not created.orders.exists()
    connection.set_schema_to_public()
    response = client.post(f"{url}remove/", {"reason": "No longer protected by any order"})
    assert response.status_code == 302
    with schema_context(force_a.schema_name):
        assert not ProtectedPerson.objects.filter(uuid=created.uuid).exists()
        assert not ContactLogEntry.objects.filter(protected_person_id=created.pk).exists()
        assert ProtectedPerson.objects.count() == 1
    with schema_context(force_b.schema_name):
        assert not ProtectedPerson.objects.exists()
    connection.set_schema_to_public()


def test_bad_input_is_a_field_error_and_nothing_is_half_saved(force_a, unit, client_for):
    client = client_for(unit["coordinator_in"], force_a)
    subject = unit["subject"]
    open_case_file(client, subject)
    base = f"/subjects/{subject.uuid}/orders/protected-persons/"
    before = last_event_id(force_a)
    response = client.post(f"{base}new/", {"name": "", "email": "not-an-email", "phone": "call me"})
    assert response.status_code == 400
    for message in (b"Enter full name", b"Enter an email address", b"Enter a telephone number"):
        assert message in response.content
    future = today() + dt.timedelta(days=3)
    response = client.post(
        _person_url(unit, "contacts/new/"),
        {
            "contacted_on_day": str(future.day),
            "contacted_on_month": str(future.month),
            "contacted_on_year": str(future.year),
            "method": "phone",
            "officer": str(unit["coordinator_in"].uuid),
            "summary": "x",
            "reassured": "yes",
        },
    )
    assert response.status_code == 400
    assert b"The date of contact must be today or in the past" in response.content
    with schema_context(force_a.schema_name):
        assert ProtectedPerson.objects.count() == 1 and not ContactLogEntry.objects.exists()
    connection.set_schema_to_public()
    assert not [
        e for e in events_since(force_a, before) if e.action in (AuditAction.COLLECT, AuditAction.ALTER)
    ]


def test_services_refuse_an_order_of_another_subject_and_an_officer_of_another_force(force_a, force_b, unit):
    from django.core.exceptions import ValidationError

    other_order = make_order(force_a)
    officer_b = make_user(force=force_b, roles=[ForceRole.OFFICER])
    with schema_context(force_a.schema_name):
        with pytest.raises(ValidationError) as caught:
            services.create_protected_person(
                actor=None, subject=unit["subject"], name="Someone", orders=[other_order]
            )
        assert caught.value.error_dict["orders"][0].code == "order_of_another_subject"
        with pytest.raises(ValidationError) as caught:
            services.add_contact(
                actor=None,
                protected_person=unit["person"],
                contacted_on=today(),
                method="phone",
                officer=officer_b,
                summary="x",
                reassured="yes",
            )
        assert caught.value.error_dict["officer"][0].code == "not_force_member"
        assert ProtectedPerson.objects.count() == 1 and not ContactLogEntry.objects.exists()
    connection.set_schema_to_public()


def test_erasing_the_subject_erases_and_logs_its_protected_persons(force_a, unit):
    from subjects.services import erase_subject

    make_contact(force_a, unit["person"], unit["officer_in"])
    before = last_event_id(force_a)
    with schema_context(force_a.schema_name):
        erase_subject(actor=unit["coordinator_in"], subject=unit["subject"], reason="Duplicate record")
        assert not ProtectedPerson.objects.exists() and not ContactLogEntry.objects.exists()
    connection.set_schema_to_public()
    erased = {e.object_type for e in events_since(force_a, before) if e.action == AuditAction.ERASE}
    assert {RecordType.PROTECTED_PERSON, RecordType.CONTACT_LOG_ENTRY} <= erased


# -- where the details are decrypted ------------------------------------------------------------
def test_details_are_decrypted_only_for_people_who_may_see_them(force_a, force_b, unit, client_for):
    """Issue 17 item 5: a value is decrypted as its row leaves the database, and ``restrict()``
    lets out only the managing team's rows, so an officer outside the team, a viewer or another
    force's member opening the case file, the person's page or the API decrypts nothing."""
    from unittest import mock

    import core.encryption

    subject, person = unit["subject"], unit["person"]
    make_contact(force_a, person, unit["officer_in"])
    pages = (
        f"/subjects/{subject.uuid}/",
        f"/subjects/{subject.uuid}/orders/protected-persons/{person.uuid}/",
    )
    api = (f"/api/v1/protected-persons/?subject={subject.uuid}", f"/api/v1/protected-persons/{person.uuid}/")

    def decrypts(user: Any, force: Any) -> int:
        with mock.patch.object(core.encryption, "decrypt", wraps=core.encryption.decrypt) as spy:
            page_client = client_for(user, force)
            for url in pages:
                page_client.get(url, {"reason": "Safety check"})
            api_client = token_client(user, force)
            for url in api:
                api_client.get(url, HTTP_X_ACCESS_REASON="Safety check")
        connection.set_schema_to_public()
        return spy.call_count

    other_force = make_user(force=force_b, roles=[ForceRole.COORDINATOR])
    for who, user, force in (
        ("officer outside the team", unit["officer_out"], force_a),
        ("viewer", unit["viewer"], force_a),
        ("another force's coordinator", other_force, force_b),
    ):
        assert decrypts(user, force) == 0, who
    # The managing team's coordinator reads them: the same requests decrypt.
    assert decrypts(unit["coordinator_in"], force_a) > 0
