"""Demo orders: several per demo subject, covering the cases the unit meets (issue 11, item 8).

An interim SPO replaced by a full SPO, a DAPO with an overdue notification, an expired order, a
notification suspended while the subject is registered, a change of address still to notify.
Dates are relative to today so the demo always shows something due, overdue and expired.
Each subject's orders protect one fictional person, with a few contacts logged (item 3).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from core.roles import ForceRole
from organisation.choices import TeamKind
from organisation.models import Team
from statute.models import NotificationTrigger, OrderType
from subjects.models import Subject
from subjects.services import update_subject
from tenants.models import Membership

from . import services
from .models import (
    ContactMethod,
    OrderStatus,
    ProtectedPerson,
    ProtectiveOrder,
    Reassurance,
    Relationship,
    TermKind,
)


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
    if not subject.registered_on(made):  # the notification is suspended by the subject's registration
        subject = update_subject(
            actor=None,
            subject=subject,
            registered_sex_offender=True,
            registered_from=today - dt.timedelta(days=3 * 365),
            registered_until=None,
        )
    spo = services.create_order(
        actor=None,
        subject=subject,
        order_type=_type("SPO"),
        court=court,
        case_number="DEMO-SPO-2",
        made_on=made,
        served_on=made,
        until_further_order=True,
    )
    _terms(spo, [(TermKind.PROHIBITION, "Not to use social media to contact the protected person.", "")])


def seed_orders(force: Any) -> None:
    if not ProtectiveOrder.objects.exists():
        _seed_orders(force)
    if not ProtectedPerson.objects.exists():
        seed_protected_persons(force)


# Fictional people; telephone numbers from Ofcom's ranges kept for drama (never in service).
DEMO_PROTECTED = [
    ("Alex Rowan", Relationship.FORMER_PARTNER, "01632 960 118"),
    ("Jordan Ellery", Relationship.ACQUAINTANCE, "07700 900 245"),
    ("Morgan Tate", Relationship.FORMER_PARTNER, "07700 900 731"),
    ("Casey Whitlow", Relationship.COLLEAGUE, "01632 960 402"),
]
DEMO_CONTACTS = [
    (
        40,
        ContactMethod.IN_PERSON,
        "Home visit after service; explained the order and how to report a breach.",
        Reassurance.PARTLY,
    ),
    (
        12,
        ContactMethod.PHONE,
        "Weekly call; no contact from the subject since the order was served.",
        Reassurance.YES,
    ),
    (
        2,
        ContactMethod.TEXT,
        "Reported seeing the subject's car nearby; advised to call 999 if it happens again.",
        Reassurance.NO,
    ),
]


def _demo_user(force: Any, role: str) -> Any:
    membership = (
        Membership.objects.filter(force=force, roles__contains=[role], user__is_demo=True)
        .select_related("user")
        .order_by("user__email")
        .first()
    )
    return membership.user if membership else None


def seed_protected_persons(force: Any) -> None:
    """One protected person per demo subject, protected by the subject's live orders, with contacts.

    Only a subject's managing team sees its protected persons, so a demo subject without one is
    given the force's ancillary order unit first (the demo's coordinator, officer and supervisor).
    """
    today = timezone.localdate()
    unit = Team.objects.filter(kind=TeamKind.ANCILLARY_ORDER_UNIT).order_by("id").first()
    officer = _demo_user(force, ForceRole.OFFICER) or _demo_user(force, ForceRole.COORDINATOR)
    subjects = list(Subject.objects.order_by("id")[:4])
    for index, subject in enumerate(subjects):
        if subject.managing_team_id is None and unit is not None:
            subject = update_subject(actor=None, subject=subject, managing_team=unit)
        name, relationship, phone = DEMO_PROTECTED[index % len(DEMO_PROTECTED)]
        live = ProtectiveOrder.objects.filter(subject=subject).exclude(
            status__in=[OrderStatus.EXPIRED, OrderStatus.REPLACED, OrderStatus.DISCHARGED]
        )
        person = services.create_protected_person(
            actor=None,
            subject=subject,
            name=name,
            relationship=relationship,
            orders=live,
            address=f"{10 + index} Example Street (demo)",
            phone=phone,
            safe_contact="Text first; never leave a voicemail.",
            safety_measures="Panic alarm fitted; marker on the address.",
        )
        if officer is None:
            continue
        for days_ago, method, summary, reassured in DEMO_CONTACTS[: 1 + index % len(DEMO_CONTACTS)]:
            services.add_contact(
                actor=None,
                protected_person=person,
                contacted_on=today - dt.timedelta(days=days_ago),
                method=method,
                officer=officer,
                summary=summary,
                reassured=reassured,
            )


def _seed_orders(force: Any) -> None:
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
