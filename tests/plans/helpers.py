"""Factories for plan tests: plans in each state, in a force's schema, through the services."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django_tenants.utils import schema_context

from core.roles import ForceRole
from plans import services
from plans.choices import PlanPart
from plans.models import PlanVersion
from tests.factories import make_subject, make_user
from tests.orders.helpers import make_order, make_protected_person, make_team, make_term

PART_1 = {
    "offending_summary": "Followed the victim home daily for six weeks.",
    "safeguarding_options": "Panic alarm.",
}
PART_3 = {
    "risk_level": "high",
    "risk_rationale": "Escalating contact.",
    "on_contact": "Arrest for breach; inform the AOU.",
    "tactical_options": [
        {"pillar": "supervision", "option": "Home visit (unannounced)", "detail": "Fortnightly"}
    ],
}
VICTIM = "Vicky Victim"
VICTIM_RISK = "Serious harm if contact resumes."
PART_4 = {"disclosures": [{"partner": "Pat Partner", "decision": "disclosed", "recipient": "Pat Partner"}]}


def officer(force: Any) -> Any:
    return make_user(force=force, roles=[ForceRole.OFFICER])


def supervisor(force: Any) -> Any:
    return make_user(force=force, roles=[ForceRole.SUPERVISOR])


def in_managing_team(force: Any, subject: Any, user: Any) -> None:
    """Make ``user`` a member of the subject's managing team (a new unit if it has none)."""
    from organisation.models import TeamMember
    from subjects.models import Subject

    with schema_context(force.schema_name):
        team_id = Subject.objects.filter(pk=subject.pk).values_list("managing_team_id", flat=True).get()
    connection.set_schema_to_public()
    if team_id is None:
        team = make_team(force, user)
        with schema_context(force.schema_name):
            Subject.objects.filter(pk=subject.pk).update(managing_team=team)
        subject.managing_team_id = team.pk
    else:
        with schema_context(force.schema_name):
            TeamMember.objects.get_or_create(team_id=team_id, user=user)
    connection.set_schema_to_public()


def draft(force: Any, *, author: Any = None, subject: Any = None, with_order: bool = True) -> PlanVersion:
    """A draft with Parts 1, 3 and 4 written by ``author`` (an officer of the subject's managing
    team), for a subject with an SPO and a protected person (``VICTIM``) at risk."""
    author = author or officer(force)
    subject = subject or make_subject(force)
    in_managing_team(force, subject, author)
    order = make_order(force, subject=subject) if with_order else None
    if order is not None:
        make_term(force, order)
    person = make_protected_person(force, subject=subject, orders=[order] if order else [], name=VICTIM)
    part_3 = {**PART_3, "victim_risks": [{"protected_person": str(person.uuid), "risk": VICTIM_RISK}]}
    with schema_context(force.schema_name):
        version = services.start_draft(actor=author, subject=subject)
        for part, data in (
            (PlanPart.OFFENDING, PART_1),
            (PlanPart.RISK, part_3),
            (PlanPart.RELATIONSHIPS, PART_4),
        ):
            version = services.save_part(
                actor=author, version=version, part=part, data=data, revision=version.revision
            )
    connection.set_schema_to_public()
    return version


def submitted(force: Any, **kwargs: Any) -> PlanVersion:
    version = draft(force, **kwargs)
    with schema_context(force.schema_name):
        version = services.submit_version(actor=version.author, version=version, revision=version.revision)
    connection.set_schema_to_public()
    return version


def active(force: Any, *, approver: Any = None, **kwargs: Any) -> PlanVersion:
    version = submitted(force, **kwargs)
    approver = approver or supervisor(force)
    with schema_context(force.schema_name):
        version = services.approve_version(version=version, approver=approver)
    connection.set_schema_to_public()
    return version
