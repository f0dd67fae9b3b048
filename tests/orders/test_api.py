"""The order endpoints: the force-endpoint contract for each, bad input as coded 400s, the "done when" scenario."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import connection
from django_tenants.utils import schema_context

from api.orders import NotificationRequirementViewSet, OrderViewSet, TermViewSet
from audit.choices import AuditAction, RecordType
from core.roles import ForceRole
from orders.models import NotificationRequirement, OrderTerm, ProtectiveOrder
from statute.models import OrderType
from tenants.models import Force
from tests.api.base import (
    ExtraAction,
    ForceEndpointContract,
    events_since,
    last_event_id,
    token_client,
)
from tests.factories import make_subject, make_user
from tests.orders.helpers import make_order, make_requirement, make_term, today

REASON = {"HTTP_X_ACCESS_REASON": "Checking notification before a visit"}


class _DynamicPayloads(ForceEndpointContract):
    """Payloads naming records of force A (a subject, an order), made before any call is counted."""

    def payloads_for(self, force: Force) -> dict[str, dict[str, Any]]:
        raise NotImplementedError

    def _each_action(self, force_a: Force) -> list[tuple[str, Any]]:
        payloads = self.payloads_for(force_a)
        self.create_payload = payloads["create"]  # type: ignore[misc]
        self.put_payload = payloads["update"]  # type: ignore[misc]
        self.patch_payload = payloads["partial_update"]  # type: ignore[misc]
        return super()._each_action(force_a)


class TestOrderEndpoint(_DynamicPayloads):
    endpoint = "/api/v1/orders/"
    viewset = OrderViewSet
    # The court's decisions, as on the order's pages: each one alteration of the order, with history.
    extra_actions = (
        ExtraAction(
            "status_change",
            url_name="status",
            status=200,
            events=(AuditAction.ALTER,),
            body=lambda order: {
                "status": "discharged",
                "on": str(today()),
                "notes": "Discharged on application",
            },
        ),
        ExtraAction(
            "decision",
            url_name="decisions",
            status=201,
            events=(AuditAction.ALTER,),
            body=lambda order: {"kind": "variation", "on": str(today()), "notes": "Term 2 varied"},
        ),
    )

    def payloads_for(self, force):  # type: ignore[no-untyped-def]
        subject = make_subject(force)
        return {
            # Applied for, not yet made: one collection event, no notification requirement yet.
            "create": {
                "subject": str(subject.uuid),
                "order_type": "SPO",
                "court": "Lincoln Magistrates' Court",
                "case_number": "LN-2026-1",
                "applied_on": str(today()),
            },
            "update": {
                "court": "Boston Magistrates' Court",
                "case_number": "BN-2026-2",
                "until_further_order": True,
            },
            "partial_update": {"niche_occurrence_ref": "OCC-77"},
        }

    def make_object(self, force):  # type: ignore[no-untyped-def]
        return make_order(force)


class TestTermEndpoint(_DynamicPayloads):
    endpoint = "/api/v1/terms/"
    viewset = TermViewSet

    def payloads_for(self, force):  # type: ignore[no-untyped-def]
        order = make_order(force)
        return {
            "create": {"order": str(order.uuid), "kind": "requirement", "wording": "Attend a programme."},
            "update": {
                "kind": "prohibition",
                "wording": "Not to enter Lincoln.",
                "exclusion_zone": "Lincoln",
            },
            "partial_update": {"wording": "Not to contact X by any means."},
        }

    def make_object(self, force):  # type: ignore[no-untyped-def]
        return make_term(force)


class TestNotificationRequirementEndpoint(_DynamicPayloads):
    endpoint = "/api/v1/notification-requirements/"
    viewset = NotificationRequirementViewSet

    def payloads_for(self, force):  # type: ignore[no-untyped-def]
        order = make_order(force)
        return {
            "create": {"order": str(order.uuid), "trigger": "address-change", "trigger_date": str(today())},
            "update": {
                "trigger_date": str(today() - dt.timedelta(days=10)),
                "notified_on": str(today()),
                "notified_what": "Names and home address",
                "station": "Lincoln",
                "officer": "PC 4411",
                "acknowledgement": "ACK-1",
                "fingerprints_taken": True,
                "photograph_taken": False,
                "notes": "",
            },
            "partial_update": {"notified_on": str(today()), "notified_what": "Home address"},
        }

    def make_object(self, force):  # type: ignore[no-untyped-def]
        return make_requirement(force)


def _coordinator(force):  # type: ignore[no-untyped-def]
    return make_user(force=force, roles=[ForceRole.COORDINATOR])


def test_done_when_over_the_api_an_spo_served_today_with_three_terms(force_a, force_b):
    """A coordinator records a subject, an SPO served today and three terms; the requirement's last day
    is the day after tomorrow (SPO: 3 days, the day of service being day one). Changes are collections
    or alterations, reads consultations, all in force A's log only."""
    client = token_client(_coordinator(force_a), force_a)
    make_order(force_a)  # another subject's order, which the filter by order leaves out
    before_a, before_b = last_event_id(force_a), last_event_id(force_b)
    subject = client.post(
        "/api/v1/subjects/", {"family_name": "Cole", "given_names": "Ada"}, content_type="application/json"
    ).json()
    order = client.post(
        "/api/v1/orders/",
        {
            "subject": subject["uuid"],
            "order_type": "SPO",
            "court": "Lincoln Magistrates' Court",
            "made_on": str(today()),
            "served_on": str(today()),
            "until_further_order": True,
        },
        content_type="application/json",
    )
    assert order.status_code == 201, order.content
    order_uuid = order.json()["uuid"]
    for wording in ("No contact with the victim.", "Not to enter Lincoln.", "Attend a programme."):
        term = client.post(
            "/api/v1/terms/",
            {"order": order_uuid, "kind": "prohibition", "wording": wording},
            content_type="application/json",
        )
        assert term.status_code == 201, term.content
    listed = client.get("/api/v1/notification-requirements/", {"order": order_uuid}).json()["results"]
    mine = [r for r in listed if r["order"] == order_uuid]
    assert len(mine) == len(listed) == 1
    assert mine[0]["last_day"] == str(today() + dt.timedelta(days=2))
    assert mine[0]["state"] == "due" and mine[0]["overdue"] is False and mine[0]["trigger"] == "service"
    detail = client.get(f"/api/v1/orders/{order_uuid}/", **REASON).json()
    assert len(detail["terms"]) == 3 and detail["status"] == "active"
    assert detail["notification_requirements"][0]["last_day"] == str(today() + dt.timedelta(days=2))

    events = [(e.action, e.object_type) for e in events_since(force_a, before_a)]
    assert events == [
        (AuditAction.COLLECT, RecordType.SUBJECT),
        (AuditAction.COLLECT, RecordType.ORDER),
        (AuditAction.COLLECT, RecordType.NOTIFICATION_REQUIREMENT),
        (AuditAction.COLLECT, RecordType.ORDER_TERM),
        (AuditAction.COLLECT, RecordType.ORDER_TERM),
        (AuditAction.COLLECT, RecordType.ORDER_TERM),
        (AuditAction.CONSULT, RecordType.NOTIFICATION_REQUIREMENT),
        (AuditAction.CONSULT, RecordType.ORDER),
    ]
    assert events_since(force_b, before_b) == []


def _post(client, url, payload):  # type: ignore[no-untyped-def]
    return client.post(url, payload, content_type="application/json")


def test_bad_input_is_a_400_with_codes_and_nothing_saved(force_a):
    client = token_client(_coordinator(force_a), force_a)
    subject = make_subject(force_a)
    base = {"subject": str(subject.uuid), "order_type": "SPO", "court": "Court"}
    cases = [
        ({"made_on": "2026-01-10", "expires_on": "2026-01-09"}, "expires_on", "expiry_before_made"),
        ({"made_on": "2026-01-10", "served_on": "2026-01-09"}, "served_on", "served_before_made"),
        ({"made_on": "2026-01-10", "expires_on": "2027-01-10"}, "expires_on", "below_statutory_minimum"),
    ]
    before = last_event_id(force_a)
    for extra, field, code in cases:
        response = _post(client, "/api/v1/orders/", {**base, **extra})
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["code"] == "invalid" and field in body["fields"]
        assert body["codes"][field] == [code]
    with schema_context(force_a.schema_name):
        assert not ProtectiveOrder.objects.exists()
    connection.set_schema_to_public()
    assert events_since(force_a, before) == []


def test_a_term_outside_its_order_and_discharged_to_active_are_400s(force_a):
    client = token_client(_coordinator(force_a), force_a)
    order = make_order(force_a)
    response = _post(
        client,
        "/api/v1/terms/",
        {"order": str(order.uuid), "kind": "prohibition", "wording": "x", "starts_on": "2020-01-01"},
    )
    assert response.status_code == 400 and response.json()["codes"]["starts_on"] == ["term_outside_order"]
    with schema_context(force_a.schema_name):
        assert not OrderTerm.objects.exists()
    connection.set_schema_to_public()
    url = f"/api/v1/orders/{order.uuid}/"
    assert client.patch(url, {"status": "discharged"}, content_type="application/json").status_code == 200
    response = client.patch(url, {"status": "active"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["codes"]["status"] == ["illegal_status_transition"]
    with schema_context(force_a.schema_name):
        assert ProtectiveOrder.objects.get(uuid=order.uuid).status == "discharged"


def test_fixed_fields_are_read_only_on_update_and_notifications_only_on_update(force_a):
    client = token_client(_coordinator(force_a), force_a)
    order = make_order(force_a)
    other = make_subject(force_a)
    response = client.patch(
        f"/api/v1/orders/{order.uuid}/", {"subject": str(other.uuid)}, content_type="application/json"
    )
    assert response.status_code == 400 and "subject" in response.json()["fields"]
    response = _post(
        client,
        "/api/v1/notification-requirements/",
        {
            "order": str(order.uuid),
            "trigger": "name-change",
            "trigger_date": str(today()),
            "notified_on": str(today()),
        },
    )
    assert response.status_code == 400 and "notified_on" in response.json()["fields"]
    with schema_context(force_a.schema_name):
        assert NotificationRequirement.objects.filter(order__uuid=order.uuid).count() == 1


def test_an_order_of_another_force_cannot_be_named(force_a, force_b):
    order_b = make_order(force_b)
    client = token_client(_coordinator(force_a), force_a)
    response = _post(
        client, "/api/v1/terms/", {"order": str(order_b.uuid), "kind": "prohibition", "wording": "x"}
    )
    assert response.status_code == 400 and response.json()["codes"]["order"] == ["does_not_exist"]
    subject_b = make_subject(force_b)
    response = _post(
        client, "/api/v1/orders/", {"subject": str(subject_b.uuid), "order_type": "SPO", "court": "C"}
    )
    assert response.status_code == 400 and response.json()["codes"]["subject"] == ["does_not_exist"]
    with schema_context(force_b.schema_name):
        assert not OrderTerm.objects.exists()


def test_an_unknown_order_type_is_a_field_error(force_a):
    client = token_client(_coordinator(force_a), force_a)
    subject = make_subject(force_a)
    response = _post(
        client, "/api/v1/orders/", {"subject": str(subject.uuid), "order_type": "NOPE", "court": "C"}
    )
    assert response.status_code == 400 and "order_type" in response.json()["codes"]
    assert OrderType.objects.filter(code="NOPE").count() == 0
    assert uuid.UUID(str(subject.uuid))


def _order_state(force, order):  # type: ignore[no-untyped-def]
    with schema_context(force.schema_name):
        found = ProtectiveOrder.objects.get(uuid=order.uuid)
        state = (found.status, found.expires_on, list(found.events.values_list("kind", flat=True)))
    connection.set_schema_to_public()
    return state


def test_court_decisions_over_the_api_keep_the_history_and_appear_on_the_order(force_a, force_b):
    client = token_client(_coordinator(force_a), force_a)
    order = make_order(force_a, until_further_order=False, expires_on=today() + dt.timedelta(days=800))
    url = f"/api/v1/orders/{order.uuid}/"
    before_b = last_event_id(force_b)
    renewal = _post(
        client,
        f"{url}decisions/",
        {"kind": "renewal", "on": str(today()), "expires_on": str(today() + dt.timedelta(days=1200))},
    )
    assert renewal.status_code == 201, renewal.content
    assert renewal.json()["kind"] == "renewal" and renewal.json()["status_to"] == "active"
    appeal = _post(client, f"{url}status/", {"status": "under-appeal", "notes": "Appeal lodged"})
    assert appeal.status_code == 200, appeal.content
    assert appeal.json()["status"] == "under-appeal"
    varied = _post(client, f"{url}decisions/", {"kind": "variation", "on": str(today())})
    assert varied.status_code == 201, varied.content
    decided = _post(client, f"{url}status/", {"status": "discharged", "on": str(today())})
    assert decided.status_code == 200 and decided.json()["status"] == "discharged"
    kinds = [e["kind"] for e in decided.json()["events"]]
    assert kinds[-4:] == ["renewal", "appeal", "variation", "appeal-decided"]
    status, expires_on, _kinds = _order_state(force_a, order)
    assert status == "discharged" and expires_on == today() + dt.timedelta(days=1200)
    assert events_since(force_b, before_b) == []


def test_court_decisions_refused_by_the_transitions_table_are_coded_400s_and_change_nothing(force_a):
    client = token_client(_coordinator(force_a), force_a)
    order = make_order(force_a)
    url = f"/api/v1/orders/{order.uuid}/"
    assert _post(client, f"{url}status/", {"status": "discharged"}).status_code == 200
    state = _order_state(force_a, order)
    before = last_event_id(force_a)
    cases = [
        (f"{url}status/", {"status": "active"}, "status", "illegal_status_transition"),
        (f"{url}status/", {"status": "nonsense"}, "status", "invalid_choice"),
        (f"{url}decisions/", {"kind": "variation", "on": str(today())}, "kind", "order_not_in_force"),
        (f"{url}decisions/", {"kind": "renewal", "on": str(today())}, "kind", "order_not_in_force"),
        (f"{url}decisions/", {"kind": "discharge", "on": str(today())}, "kind", "invalid_choice"),
        (f"{url}decisions/", {"kind": "variation"}, "on", "required"),
        (f"{url}decisions/", {"kind": "variation", "on": "2026-01-01", "uuid": "x"}, "uuid", "invalid"),
    ]
    for path, payload, field, code in cases:
        response = _post(client, path, payload)
        assert response.status_code == 400, (payload, response.content)
        body = response.json()
        assert body["code"] == "invalid" and field in body["fields"], (payload, body)
        if field != "uuid":
            assert body["codes"][field] == [code], (payload, body)
    assert _order_state(force_a, order) == state
    assert events_since(force_a, before) == []


def test_a_future_decision_or_a_renewal_expiring_before_the_order_began_changes_nothing(force_a):
    client = token_client(_coordinator(force_a), force_a)
    order = make_order(force_a, until_further_order=False, expires_on=today() + dt.timedelta(days=800))
    url = f"/api/v1/orders/{order.uuid}/"
    state = _order_state(force_a, order)
    tomorrow = str(today() + dt.timedelta(days=1))
    for path, payload, field, code in [
        (f"{url}status/", {"status": "discharged", "on": tomorrow}, "on", "future_date"),
        (f"{url}decisions/", {"kind": "variation", "on": tomorrow}, "on", "future_date"),
        (
            f"{url}decisions/",
            {"kind": "renewal", "on": str(today()), "expires_on": "2020-01-01"},
            "expires_on",
            "expiry_before_made",
        ),
    ]:
        response = _post(client, path, payload)
        assert response.status_code == 400 and response.json()["codes"][field] == [code], response.content
    assert _order_state(force_a, order) == state


def test_the_court_decision_routes_are_in_the_schema(force_a):
    import yaml

    from tests.conftest import HostClient, host_of

    schema = yaml.safe_load(HostClient(host_of(force_a)).get("/api/v1/schema/").content)
    status = schema["paths"]["/api/v1/orders/{uuid}/status/"]["post"]
    decisions = schema["paths"]["/api/v1/orders/{uuid}/decisions/"]["post"]
    assert {"200", "400", "401", "403", "404"} <= set(status["responses"])
    assert {"201", "400"} <= set(decisions["responses"])
    components = schema["components"]["schemas"]
    status_body = components[
        status["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    ]
    assert set(status_body["properties"]) == {"status", "on", "notes"}
    assert status_body["additionalProperties"] is False
    decision_body = components[
        decisions["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    ]
    assert set(decision_body["properties"]) == {"kind", "on", "expires_on", "notes"}
