"""Demo orders: several per demo subject, covering the cases the unit meets (issue 11, item 8).

An interim SPO replaced by a full SPO, a DAPO with an overdue notification, an expired order, a
notification suspended while the subject is registered, a change of address still to notify.
Dates are relative to today so the demo always shows something due, overdue and expired.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from statute.models import NotificationTrigger, OrderType
from subjects.models import Subject

from . import services
from .models import OrderStatus, ProtectiveOrder, TermKind


def _type(code: str) -> OrderType:
    return OrderType.objects.get(code=code)


def _terms(order: ProtectiveOrder, terms: list[tuple[str, str, str]]) -> None:
    for kind, wording, zone in terms:
        services.add_term(actor=None, order=order, kind=kind, wording=wording, exclusion_zone=zone)


def _ispo_then_spo(subject: Subject, today: dt.date, court: str) -> None:
    interim = services.create_order(
        actor=None,
        subject=subject,
        order_type=_type("ISPO"),
        court=court,
        case_number="DEMO-ISPO-1",
        applicant="Chief Constable (demo)",
        applied_on=today - dt.timedelta(days=130),
        made_on=today - dt.timedelta(days=128),
        served_on=today - dt.timedelta(days=127),
    )
    requirement = interim.notification_requirements.get()
    services.record_notification(
        actor=None,
        requirement=requirement,
        notified_on=today - dt.timedelta(days=126),
        notified_what="Names and home address",
        station="Central police station (demo)",
        officer="PC 1234 (demo)",
        acknowledgement="ACK-DEMO-1",
        fingerprints_taken=True,
        photograph_taken=True,
    )
    made = today - dt.timedelta(days=60)
    spo = services.create_order(
        actor=None,
        subject=subject,
        order_type=_type("SPO"),
        court=court,
        case_number="DEMO-SPO-1",
        applicant="Chief Constable (demo)",
        applied_on=today - dt.timedelta(days=130),
        made_on=made,
        served_on=made,
        expires_on=services.add_months(made, 24),
        replaces=interim,
    )
    _terms(
        spo,
        [
            (
                TermKind.PROHIBITION,
                "Not to contact the protected person by any means, directly or indirectly.",
                "",
            ),
            (
                TermKind.PROHIBITION,
                "Not to enter the exclusion zone shown on the map attached to the order.",
                "Zone A (demo)",
            ),
            (TermKind.REQUIREMENT, "To attend a perpetrator programme assessment.", ""),
        ],
    )
    services.record_trigger(
        actor=None,
        order=spo,
        trigger=NotificationTrigger.ADDRESS_CHANGE,
        trigger_date=today - dt.timedelta(days=1),
    )


def _dapo_overdue(subject: Subject, today: dt.date, court: str) -> None:
    dapo = services.create_order(
        actor=None,
        subject=subject,
        order_type=_type("DAPO"),
        court=court,
        case_number="DEMO-DAPO-1",
        made_on=today - dt.timedelta(days=6),
        served_on=today - dt.timedelta(days=5),
        until_further_order=True,
    )
    _terms(
        dapo,
        [(TermKind.PROHIBITION, "Not to attend the protected person's home address.", "The street (demo)")],
    )


def _expired(subject: Subject, today: dt.date, court: str) -> None:
    made = services.add_months(today, -62)
    services.create_order(
        actor=None,
        subject=subject,
        order_type=_type("SHPO"),
        court=court,
        case_number="DEMO-SHPO-1",
        made_on=made,
        served_on=made,
        expires_on=services.add_months(made, 60),
        status=OrderStatus.EXPIRED,
    )


def _suspended(subject: Subject, today: dt.date, court: str) -> None:
    made = today - dt.timedelta(days=20)
    spo = services.create_order(
        actor=None,
        subject=subject,
        order_type=_type("SPO"),
        court=court,
        case_number="DEMO-SPO-2",
        made_on=made,
        served_on=made,
        until_further_order=True,
        subject_on_register=True,
    )
    _terms(spo, [(TermKind.PROHIBITION, "Not to use social media to contact the protected person.", "")])


def seed_orders(force: Any) -> None:
    if ProtectiveOrder.objects.exists():
        return
    today = timezone.localdate()
    court = f"{force.name.replace(' Police', '')} Magistrates' Court (demo)"
    subjects = list(Subject.objects.order_by("id")[:4])
    plans = [
        (_ispo_then_spo, _expired),
        (_dapo_overdue, _suspended),
        (_suspended, _expired),
        (_dapo_overdue, _ispo_then_spo),
    ]
    for subject, steps in zip(subjects, plans, strict=False):
        for step in steps:
            step(subject, today, court)
