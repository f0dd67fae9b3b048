"""The order services: the rules of issue 11 items 4-5, each bad input a coded field error and nothing saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from audit.choices import AuditAction, RecordType
from audit.models import AuditEvent
from orders import services
from orders.models import NotificationRequirement, OrderEvent, OrderStatus, OrderTerm, ProtectiveOrder
from orders.transitions import TRANSITIONS, can_move
from statute.models import NotificationTrigger, OrderType
from statute.order_types import ORDER_TYPES
from tests.factories import make_subject
from tests.orders.helpers import make_order, today

pytestmark = pytest.mark.django_db


def _codes(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in exc.value.error_dict.items()}


def _spo_days() -> int:
    return next(r for r in ORDER_TYPES if r["code"] == "SPO")["notification_days"]


def test_shipped_order_types_carry_the_structured_rules(force_a):
    spo, ispo, dapo = (OrderType.objects.get(code=c) for c in ("SPO", "ISPO", "DAPO"))
    assert ispo.interim_of == spo
    assert spo.suspended_while_registered and spo.none_when_replacing_notified_interim
    assert spo.notify_on_name_change and spo.notify_on_address_change and not spo.notify_on_no_home_address
    assert dapo.notify_on_no_home_address and dapo.notification_trigger == NotificationTrigger.MAKING
    assert spo.offence_codes["breach"] == "H20164"
    assert spo.offence_code_for(NotificationTrigger.SERVICE) == "H20165"
    assert spo.offence_code_for(NotificationTrigger.NAME_CHANGE) == "H20166"
    assert spo.offence_code_for(NotificationTrigger.ADDRESS_CHANGE) == "H20167"
    assert OrderType.objects.get(code="SCPO").maximum_duration_months == 60


def test_an_spo_served_today_needs_notifying_by_the_day_after_tomorrow(force_a):
    order = make_order(force_a, made_on=today(), served_on=today())
    with schema_context(force_a.schema_name):
        requirement = NotificationRequirement.objects.get(order=order)
        assert requirement.trigger == NotificationTrigger.SERVICE
        assert requirement.trigger_date == today()
        assert _spo_days() == 3
        assert requirement.last_day == today() + dt.timedelta(days=2)
        assert requirement.current_state == "due" and requirement.offence_code == ""
        assert order.status == OrderStatus.ACTIVE


def test_overdue_is_worked_out_on_read_with_its_offence_code(force_a):
    order = make_order(force_a)  # served ten days ago, never notified
    with schema_context(force_a.schema_name):
        requirement = NotificationRequirement.objects.select_related("order__order_type").get(order=order)
        assert requirement.is_overdue and requirement.offence_code == "H20165"
        assert requirement.state(today=requirement.last_day) == "due"
        services.record_notification(
            actor=None, requirement=requirement, notified_on=today(), notified_what="Names and address"
        )
        requirement.refresh_from_db()
        assert requirement.current_state == "met" and requirement.offence_code == ""


def test_a_dapo_counts_from_the_day_it_was_made(force_a):
    made = today() - dt.timedelta(days=4)
    order = make_order(force_a, code="DAPO", made_on=made, served_on=today())
    with schema_context(force_a.schema_name):
        requirement = order.notification_requirements.get()
        assert (
            requirement.trigger == NotificationTrigger.MAKING
            and requirement.last_day == made + dt.timedelta(2)
        )


def test_an_spo_replacing_a_notified_interim_needs_no_new_notification(force_a):
    subject = make_subject(force_a)
    interim = make_order(force_a, code="ISPO", subject=subject, until_further_order=False)
    spo = make_order(
        force_a,
        subject=subject,
        made_on=today(),
        served_on=today(),
        until_further_order=True,
        replaces=interim,
    )
    with schema_context(force_a.schema_name):
        interim.refresh_from_db()
        assert interim.status == OrderStatus.REPLACED
        assert OrderEvent.objects.filter(order=interim, kind="replaced").exists()
        assert not spo.notification_requirements.exists()


def test_a_change_of_address_starts_a_new_period_and_a_change_the_type_ignores_is_refused(force_a):
    order = make_order(force_a)
    fmpo = make_order(force_a, code="FMPO")
    with schema_context(force_a.schema_name):
        requirement = services.record_trigger(
            actor=None, order=order, trigger=NotificationTrigger.ADDRESS_CHANGE, trigger_date=today()
        )
        assert requirement.last_day == today() + dt.timedelta(days=2)
        with pytest.raises(ValidationError) as exc:
            services.record_trigger(
                actor=None, order=fmpo, trigger=NotificationTrigger.ADDRESS_CHANGE, trigger_date=today()
            )
        assert _codes(exc) == {"trigger": ["trigger_not_notifiable"]}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"made_on": dt.date(2026, 1, 10), "expires_on": dt.date(2026, 1, 9)},
            {"expires_on": ["expiry_before_made"]},
        ),
        (
            {"made_on": dt.date(2026, 1, 10), "served_on": dt.date(2026, 1, 9)},
            {"served_on": ["served_before_made"]},
        ),
        (
            {
                "made_on": dt.date(2026, 1, 10),
                "served_on": dt.date(2026, 1, 10),
                "expires_on": dt.date(2027, 1, 10),
            },
            {"expires_on": ["below_statutory_minimum"]},
        ),
        ({"made_on": today() + dt.timedelta(days=1)}, {"made_on": ["future_date"]}),
        (
            {
                "made_on": dt.date(2026, 1, 10),
                "expires_on": dt.date(2029, 1, 10),
                "until_further_order": True,
            },
            {"expires_on": ["expiry_and_until_further_order"]},
        ),
    ],
)
def test_bad_order_dates_are_field_errors_and_nothing_is_saved(force_a, fields, expected):
    subject = make_subject(force_a)
    with schema_context(force_a.schema_name):
        events = AuditEvent.objects.count()
        with pytest.raises(ValidationError) as exc:
            services.create_order(
                actor=None,
                subject=subject,
                order_type=OrderType.objects.get(code="SPO"),
                court="Court",
                **fields,
            )
        assert _codes(exc) == expected
        assert not ProtectiveOrder.objects.exists() and not NotificationRequirement.objects.exists()
        assert AuditEvent.objects.count() == events


def test_below_a_default_minimum_is_a_warning_that_can_be_confirmed(force_a):
    subject = make_subject(force_a)
    made = today() - dt.timedelta(days=1)
    short = {"court": "Court", "made_on": made, "expires_on": services.add_months(made, 12)}
    with schema_context(force_a.schema_name):
        stpo = OrderType.objects.get(code="STPO")
        assert not stpo.minimum_duration_is_statutory
        with pytest.raises(ValidationError) as exc:
            services.create_order(actor=None, subject=subject, order_type=stpo, **short)
        assert _codes(exc) == {"expires_on": ["below_default_minimum"]}
        order = services.create_order(
            actor=None, subject=subject, order_type=stpo, confirm_short_duration=True, **short
        )
        assert order.pk


def test_a_term_outside_its_order_is_refused(force_a):
    order = make_order(force_a, until_further_order=False, expires_on=services.add_months(today(), 30))
    with schema_context(force_a.schema_name):
        for dates, field in (
            ({"starts_on": order.made_on - dt.timedelta(days=1)}, "starts_on"),
            ({"ends_on": order.expires_on + dt.timedelta(days=1)}, "ends_on"),
        ):
            with pytest.raises(ValidationError) as exc:
                services.add_term(actor=None, order=order, kind="prohibition", wording="No contact", **dates)
            assert _codes(exc) == {field: ["term_outside_order"]}
        assert not OrderTerm.objects.exists()


def test_discharged_cannot_become_active_again(force_a):
    order = make_order(force_a)
    with schema_context(force_a.schema_name):
        services.change_status(
            actor=None, order=order, status=OrderStatus.DISCHARGED, notes="Discharged on appeal"
        )
        order.refresh_from_db()
        with pytest.raises(ValidationError) as exc:
            services.update_order(actor=None, order=order, status=OrderStatus.ACTIVE)
        assert _codes(exc) == {"status": ["illegal_status_transition"]}
        order.refresh_from_db()
        assert order.status == OrderStatus.DISCHARGED
        assert list(order.events.values_list("kind", flat=True)) == ["made", "served", "discharge"]


def test_the_transition_table_has_final_states_and_no_unknown_status():
    for source, targets in TRANSITIONS.items():
        assert source in OrderStatus.values and targets <= set(OrderStatus.values)
    for final in (OrderStatus.DISCHARGED, OrderStatus.EXPIRED, OrderStatus.REPLACED, OrderStatus.REFUSED):
        assert not TRANSITIONS[final]
    assert can_move(OrderStatus.ACTIVE, OrderStatus.UNDER_APPEAL) and can_move("under-appeal", "active")


def test_changes_are_audited_with_record_types_and_no_restricted_values(force_a):
    order = make_order(force_a, case_number="SECRET-CASE-9")
    with schema_context(force_a.schema_name):
        collected = AuditEvent.objects.get(action=AuditAction.COLLECT, object_ids=[order.uuid])
        assert collected.object_type == RecordType.ORDER
        assert "case_number" in collected.changed_fields and "SECRET-CASE-9" not in str(collected.changes)
        requirement = order.notification_requirements.get()
        assert AuditEvent.objects.filter(
            action=AuditAction.COLLECT,
            object_type=RecordType.NOTIFICATION_REQUIREMENT,
            object_ids=[requirement.uuid],
        ).exists()
        services.update_order(actor=None, order=order, court="Boston Magistrates' Court")
        altered = AuditEvent.objects.filter(action=AuditAction.ALTER, object_ids=[order.uuid]).get()
        assert altered.changed_fields == ["court"]


def test_nothing_of_force_a_is_in_force_b(force_a, force_b):
    order = make_order(force_a)
    with schema_context(force_b.schema_name):
        assert not ProtectiveOrder.objects.filter(uuid=order.uuid).exists()
        assert not NotificationRequirement.objects.exists()


def test_erasing_a_subject_logs_the_erasure_of_its_orders(force_a):
    from subjects.services import erase_subject

    order = make_order(force_a)
    with schema_context(force_a.schema_name):
        requirement = order.notification_requirements.get()
        term = services.add_term(actor=None, order=order, kind="prohibition", wording="No contact")
        erase_subject(actor=None, subject=order.subject, reason="Retention review: dispose")
        erased = {
            e.object_type: e.object_ids
            for e in AuditEvent.objects.filter(
                action=AuditAction.ERASE, justification="Retention review: dispose"
            )
        }
        assert erased == {
            RecordType.SUBJECT: [order.subject.uuid],
            RecordType.ORDER: [order.uuid],
            RecordType.ORDER_TERM: [term.uuid],
            RecordType.NOTIFICATION_REQUIREMENT: [requirement.uuid],
        }
        assert not ProtectiveOrder.objects.exists()


@pytest.mark.parametrize(
    ("status", "kind", "allowed"),
    [
        (OrderStatus.ACTIVE, "variation", True),
        (OrderStatus.ACTIVE, "renewal", True),
        (OrderStatus.UNDER_APPEAL, "variation", True),
        (OrderStatus.UNDER_APPEAL, "renewal", False),
        (OrderStatus.DISCHARGED, "variation", False),
        (OrderStatus.EXPIRED, "renewal", False),
    ],
)
def test_variations_and_renewals_only_while_the_order_is_in_force(force_a, status, kind, allowed):
    from orders.transitions import DECISIONS_WHILE

    assert (status in DECISIONS_WHILE[kind]) is allowed
    order = make_order(force_a)
    with schema_context(force_a.schema_name):
        if status != OrderStatus.ACTIVE:
            services.change_status(actor=None, order=order, status=status)
        events_before = OrderEvent.objects.filter(order=order).count()
        if allowed:
            services.record_order_event(actor=None, order=order, kind=kind, on=today())
            assert OrderEvent.objects.filter(order=order).count() == events_before + 1
        else:
            with pytest.raises(ValidationError) as exc:
                services.record_order_event(actor=None, order=order, kind=kind, on=today())
            assert _codes(exc) == {"kind": ["order_not_in_force"]}
            assert OrderEvent.objects.filter(order=order).count() == events_before
