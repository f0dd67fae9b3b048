"""Order pages in the case file: the reason covers them, reads and changes are logged, bad input is a field error."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django_tenants.utils import schema_context

from audit.choices import AuditAction, RecordType
from core.roles import ForceRole
from orders.models import NotificationRequirement, OrderTerm, ProtectiveOrder
from tests.api.base import events_since, last_event_id
from tests.factories import make_subject, make_user
from tests.orders.helpers import make_order, today

REASON = "Preparing the compliance review"


def _date(prefix: str, day: dt.date) -> dict[str, str]:
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


def _open_case_file(client, subject):  # type: ignore[no-untyped-def]
    response = client.post(f"/subjects/{subject.uuid}/", {"reason": REASON})
    assert response.status_code == 302


def _coordinator_client(client_for, force):  # type: ignore[no-untyped-def]
    return client_for(make_user(force=force, roles=[ForceRole.COORDINATOR]), force)


def test_order_pages_ask_for_the_reason_first_and_come_back(client_for, force_a):
    subject = make_subject(force_a)
    client = _coordinator_client(client_for, force_a)
    url = f"/subjects/{subject.uuid}/orders/new/"
    response = client.get(url)
    assert response.status_code == 200 and b'data-testid="reason-form"' in response.content
    assert f'value="{url}"'.encode() in response.content
    response = client.post(f"/subjects/{subject.uuid}/", {"reason": REASON, "then": url})
    assert response.status_code == 302 and response["Location"] == url
    # Anything but a path inside this case file goes back to the case file.
    response = client.post(f"/subjects/{subject.uuid}/", {"reason": REASON, "then": "//evil.example/"})
    assert response["Location"] == f"/subjects/{subject.uuid}/"


def test_record_an_spo_served_today_with_terms_and_see_the_last_day(client_for, force_a, force_b):
    subject = make_subject(force_a)
    client = _coordinator_client(client_for, force_a)
    _open_case_file(client, subject)
    before_a, before_b = last_event_id(force_a), last_event_id(force_b)
    response = client.post(
        f"/subjects/{subject.uuid}/orders/new/",
        {
            "order_type": "SPO",
            "court": "Lincoln Magistrates' Court",
            **_date("made_on", today()),
            **_date("served_on", today()),
            "until_further_order": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with schema_context(force_a.schema_name):
        order = ProtectiveOrder.objects.get(subject__uuid=subject.uuid)
    connection.set_schema_to_public()
    for wording in ("No contact with the victim", "Not to enter Lincoln", "Attend a programme"):
        response = client.post(
            f"/subjects/{subject.uuid}/orders/{order.uuid}/terms/new/",
            {"kind": "prohibition", "wording": wording},
        )
        assert response.status_code == 302
    page = client.get(f"/subjects/{subject.uuid}/orders/{order.uuid}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f"{today() + dt.timedelta(days=2):%-d %B %Y}" in html
    assert "OFFICIAL-SENSITIVE" in html and html.count("Prohibition:") == 3
    case_file = client.get(f"/subjects/{subject.uuid}/").content.decode()
    assert "Stalking protection order" in case_file and 'data-testid="case-file-orders"' in case_file
    events = [(e.action, e.object_type, e.justification) for e in events_since(force_a, before_a)]
    assert (AuditAction.COLLECT, RecordType.ORDER, "") in events
    assert (AuditAction.COLLECT, RecordType.NOTIFICATION_REQUIREMENT, "") in events
    term_events = [e for e in events if e[1] == RecordType.ORDER_TERM]
    # Three collections, then the order page's one consultation of them, with the reason.
    assert term_events == [(AuditAction.COLLECT, RecordType.ORDER_TERM, "")] * 3 + [
        (AuditAction.CONSULT, RecordType.ORDER_TERM, REASON)
    ]
    assert (AuditAction.CONSULT, RecordType.ORDER, REASON) in events  # the order page and the case file
    assert (AuditAction.CONSULT, RecordType.NOTIFICATION_REQUIREMENT, REASON) in events
    assert events_since(force_b, before_b) == []


def test_bad_dates_show_field_errors_and_save_nothing(client_for, force_a):
    subject = make_subject(force_a)
    client = _coordinator_client(client_for, force_a)
    _open_case_file(client, subject)
    made = dt.date(2026, 1, 10)
    for extra, message in (
        (_date("expires_on", made - dt.timedelta(days=1)), "cannot expire before it was made"),
        (_date("served_on", made - dt.timedelta(days=1)), "cannot be served before it was made"),
        (_date("expires_on", dt.date(2027, 1, 10)), "at least 24 months by law"),
    ):
        response = client.post(
            f"/subjects/{subject.uuid}/orders/new/",
            {"order_type": "SPO", "court": "C", **_date("made_on", made), **extra},
        )
        assert response.status_code == 400
        assert message in response.content.decode() and "govuk-error-summary" in response.content.decode()
    with schema_context(force_a.schema_name):
        assert not ProtectiveOrder.objects.exists()


def test_a_term_outside_the_order_and_discharged_to_active_are_field_errors(client_for, force_a):
    order = make_order(force_a)
    with schema_context(force_a.schema_name):
        subject = order.subject
    connection.set_schema_to_public()
    client = _coordinator_client(client_for, force_a)
    _open_case_file(client, subject)
    base = f"/subjects/{subject.uuid}/orders/{order.uuid}/"
    response = client.post(
        f"{base}terms/new/",
        {"kind": "prohibition", "wording": "x", **_date("starts_on", dt.date(2020, 1, 1))},
    )
    assert response.status_code == 400 and "must fall within the order" in response.content.decode()
    assert client.post(f"{base}status/", {"status": "discharged", **_date("on", today())}).status_code == 302
    response = client.post(f"{base}status/", {"status": "active", **_date("on", today())})
    assert response.status_code == 400 and "cannot become in force" in response.content.decode()
    with schema_context(force_a.schema_name):
        assert not OrderTerm.objects.exists()
        assert ProtectiveOrder.objects.get(pk=order.pk).status == "discharged"


def test_record_a_notification_made(client_for, force_a):
    order = make_order(force_a)
    with schema_context(force_a.schema_name):
        subject = order.subject
        requirement = order.notification_requirements.get()
    connection.set_schema_to_public()
    client = _coordinator_client(client_for, force_a)
    _open_case_file(client, subject)
    url = f"/subjects/{subject.uuid}/orders/{order.uuid}/notifications/{requirement.uuid}/"
    page = client.get(url)
    assert page.status_code == 200 and "the last day to notify is" in page.content.decode()
    response = client.post(
        url,
        {**_date("notified_on", requirement.trigger_date - dt.timedelta(days=1)), "notified_what": "Names"},
    )
    assert response.status_code == 400 and "cannot be before the trigger day" in response.content.decode()
    before = last_event_id(force_a)
    response = client.post(
        url,
        {
            **_date("notified_on", today()),
            "notified_what": "Names and home address",
            "station": "Lincoln",
            "acknowledgement": "ACK-9",
            "fingerprints_taken": "on",
        },
    )
    assert response.status_code == 302
    with schema_context(force_a.schema_name):
        requirement = NotificationRequirement.objects.get(pk=requirement.pk)
        assert requirement.notified_on == today() and requirement.fingerprints_taken
    connection.set_schema_to_public()
    altered = [e for e in events_since(force_a, before) if e.action == AuditAction.ALTER]
    assert [e.object_ids for e in altered] == [[requirement.uuid]]


def test_other_force_and_roles_without_the_permission_are_refused(client_for, force_a, force_b):
    order = make_order(force_a)
    with schema_context(force_a.schema_name):
        subject = order.subject
    connection.set_schema_to_public()
    url = f"/subjects/{subject.uuid}/orders/{order.uuid}/"
    outsider = client_for(make_user(force=force_b, roles=[ForceRole.COORDINATOR]), force_a)
    assert outsider.get(url).status_code == 404
    # A coordinator of force B on force B's host: the subject and the order are not there.
    own_host = client_for(make_user(force=force_b, roles=[ForceRole.COORDINATOR]), force_b)
    assert own_host.get(url).status_code == 404
    viewer = client_for(make_user(force=force_a, roles=[ForceRole.VIEWER]), force_a)
    assert viewer.get(url).status_code == 403
    disclosure = client_for(make_user(force=force_a, roles=[ForceRole.DISCLOSURE_OFFICER]), force_a)
    _open_case_file(disclosure, subject)
    assert disclosure.get(url).status_code == 403  # sees the subject, not orders
    assert "case-file-orders" not in disclosure.get(f"/subjects/{subject.uuid}/").content.decode()
