"""Demo plans: one per demo subject, in every state, some with two or three versions (issue 12, item 7).

Written by nobody in particular (``actor=None``), so the demo's supervisors can approve what is
waiting. Safe to run again: a force that has plans gets no more.
"""

from __future__ import annotations

from typing import Any

from orders.models import ProtectedPerson
from subjects.models import Subject

from . import services
from .choices import PlanPart
from .models import Plan

_PART_1 = {
    "offending_summary": "Repeated unwanted contact with a former partner after the relationship ended: "
    "messages, calls and waiting outside her workplace (demo).",
    "safeguarding_options": "Panic alarm, target hardening of the home, a Claire's Law review (demo).",
}
_PART_3 = {
    "risk_rationale": "Contact has escalated from messages to loitering; no violence recorded (demo).",
    "risk_factors": "Fixation, recent job loss (demo).",
    "protective_factors": "Engaging with probation (demo).",
    "on_contact": "Check for breach of the exclusion zone; arrest if in breach; inform the AOU (demo).",
    "tactical_options": [
        {"pillar": "supervision", "option": "Home visit (unannounced)", "detail": "Monthly"},
        {"pillar": "monitoring-and-control", "option": "ANPR marker", "detail": ""},
        {"pillar": "victim-safety-planning", "option": "Victim safety measures", "detail": ""},
    ],
}
_VICTIM_RISK = "Serious harm if contact resumes (demo)."


def _draft(subject: Subject, risk: str, summary: str = "") -> Any:
    version = services.start_draft(actor=None, subject=subject)
    version = services.save_part(
        actor=None,
        version=version,
        part=PlanPart.OFFENDING,
        data={**_PART_1, **({"offending_summary": summary} if summary else {})},
        revision=version.revision,
    )
    return services.save_part(
        actor=None,
        version=version,
        part=PlanPart.RISK,
        data={
            **_PART_3,
            "risk_level": risk,
            # The risk to the person the subject's orders protect (orders' demo step), linked, never named.
            "victim_risks": [
                {"protected_person": str(p.uuid), "risk": _VICTIM_RISK}
                for p in ProtectedPerson.objects.filter(subject=subject).order_by("id")[:1]
            ],
        },
        revision=version.revision,
    )


def approved_plan(subject: Subject, risk: str, summary: str = "") -> Any:
    version = services.submit_version(actor=None, version=_draft(subject, risk, summary))
    return services.approve_version(version=version, approver=None)


def seed_plans(force: Any) -> None:
    if Plan.objects.exists():
        return
    subjects = list(Subject.objects.order_by("id")[:4])
    if len(subjects) < 4:
        return
    a, b, c, d = subjects
    # Three versions: two approved (the first superseded), a revision in draft.
    approved_plan(a, "medium")
    approved_plan(a, "high", "Contact escalated after the order was served (demo).")
    _draft(a, "very-high")
    # Waiting for a supervisor.
    services.submit_version(actor=None, version=_draft(b, "high"))
    # A first draft.
    _draft(c, "low")
    # Active; closed if every order of the subject has ended.
    version = approved_plan(d, "low")
    if services.ready_to_close(version.plan):
        services.close_plan(actor=None, plan=version.plan, reason="Every order has ended (demo)")


#: Issue 16, "done when": in the demo a review due within 14 days reaches its lead officer.
REMINDER_DEMO_DAYS = 10


def seed_review_reminder(force: Any) -> None:
    """Give the first active plan's subject the force's coordinator as lead officer (audited) and,
    unless its review already falls within the lead time, bring the review to ``REMINDER_DEMO_DAYS``
    ahead (audited), so ``run_job review_reminders`` sends one reminder, once."""
    import datetime as dt

    from django.utils import timezone

    from audit.services import audited_change
    from core.roles import ForceRole
    from subjects import services as subject_services
    from tenants.models import Membership

    from .choices import PlanStatus

    plan = Plan.objects.filter(status=PlanStatus.ACTIVE).select_related("subject").order_by("id").first()
    coordinator = (
        Membership.objects.filter(
            force_id=force.pk, status=Membership.Status.ACTIVE, roles__contains=[ForceRole.COORDINATOR]
        )
        .order_by("id")
        .values_list("user__uuid", flat=True)
        .first()
    )
    if plan is None or coordinator is None or plan.subject.lead_officer_id is not None:
        return
    subject_services.update_subject(actor=None, subject=plan.subject, lead_officer=coordinator)
    today = timezone.localdate()
    due = plan.next_review_due
    if due is None or not today <= due <= today + dt.timedelta(days=14):
        with audited_change(plan, services.plan_snapshot, justification="Demo: a review due soon"):
            plan.next_review_due = today + dt.timedelta(days=REMINDER_DEMO_DAYS)
            plan.save(update_fields=["next_review_due", "updated_at"])
