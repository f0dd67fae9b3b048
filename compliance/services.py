"""Compliance services: the only code that changes reviews, visits and breaches.

Every change goes through the audit service (a new record is a collection, a change an
alteration through ``audited_change``); bad input is a coded field error
(``compliance.errors.ComplianceError``) and nothing is saved (each service is one transaction).
A review by someone outside the subject's managing team is refused (``NotManagingTeam``, 403),
and the refusal is logged outside the transaction so the log keeps it.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid as uuid_module
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from audit.services import AuditAction, RecordType, audited_change, record_change, record_event
from core.forms import coded, field_error
from core.tenancy import active_force
from orders.models import NotificationRequirement, OrderStatus, OrderTerm, ProtectedPerson, RequirementState
from organisation.choices import TeamKind
from organisation.models import Team, TeamMember
from organisation.practice import get_practice_settings
from plans import services as plan_services
from plans.choices import PlanStatus
from plans.errors import PlanConflict
from plans.models import Plan
from subjects.models import Subject
from tenants.models import Membership, User

from .choices import AssessmentResult, BreachOutcome, BreachSource, ReviewOutcome, TimeBand, VisitOutcome
from .errors import ComplianceError, NotManagingTeam
from .models import Breach, ComplianceReview, TermAssessment, Visit

NOTES_MAX = 4000
TEXT_MAX = 2000
#: Orders whose terms may have been in force on a past day (an order refused or merely applied
#: for never was; one made and not yet served is not yet).
ORDER_STATES_ONCE_IN_FORCE = (
    OrderStatus.ACTIVE,
    OrderStatus.UNDER_APPEAL,
    OrderStatus.DISCHARGED,
    OrderStatus.EXPIRED,
    OrderStatus.REPLACED,
)
#: How long a routine visit's window stays open (days after the planned day).
ROUTINE_WINDOW_DAYS = 2


# -- reading helpers ------------------------------------------------------------------------------
def _in_force_on(day: dt.date, prefix: str = "") -> Q:
    """Terms (or, with ``prefix``, rows reaching terms by ``prefix``) in force on ``day``."""
    p = prefix
    return (
        Q(**{f"{p}order__status__in": ORDER_STATES_ONCE_IN_FORCE})
        & (
            Q(**{f"{p}order__made_on__lte": day})
            | Q(**{f"{p}order__made_on__isnull": True, f"{p}order__served_on__lte": day})
        )
        & (Q(**{f"{p}order__expires_on__isnull": True}) | Q(**{f"{p}order__expires_on__gte": day}))
        & (Q(**{f"{p}starts_on__isnull": True}) | Q(**{f"{p}starts_on__lte": day}))
        & (Q(**{f"{p}ends_on__isnull": True}) | Q(**{f"{p}ends_on__gte": day}))
    )


def terms_in_force(subject: Subject, day: dt.date | None = None) -> QuerySet[OrderTerm]:
    """The subject's terms in force on ``day`` (today: only of orders in force now)."""
    today = timezone.localdate()
    day = day or today
    terms = OrderTerm.objects.filter(order__subject=subject).filter(_in_force_on(day))
    if day == today:
        terms = terms.filter(order__status__in=(OrderStatus.ACTIVE, OrderStatus.UNDER_APPEAL))
    return terms.select_related("order", "order__order_type").order_by("order_id", "id")


def in_managing_team(user: Any, subject: Subject) -> bool:
    return bool(
        subject.managing_team_id
        and user is not None
        and TeamMember.objects.filter(team_id=subject.managing_team_id, user_id=user.pk).exists()
    )


def notification_status(subject: Subject, today: dt.date | None = None) -> str:
    """The subject's notification requirements in words, e.g. "1 overdue, 2 notified"."""
    counts: dict[str, int] = {}
    for req in NotificationRequirement.objects.filter(order__subject=subject):
        state = req.state(today)
        counts[state] = counts.get(state, 0) + 1
    if not counts:
        return "No notification requirements"
    return ", ".join(
        f"{counts[s]} {RequirementState(s).label.lower()}" for s in RequirementState if s in counts
    )


def _text(value: Any) -> str:
    return str(value or "").strip()


def parse_uuid(value: Any) -> uuid_module.UUID | None:
    """``value`` as a UUID, or None when it is not one."""
    return _uuid(value)


def _uuid(value: Any) -> uuid_module.UUID | None:
    if isinstance(value, uuid_module.UUID):
        return value
    try:
        return uuid_module.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _date(value: Any, field: str, errors: dict[str, list[ValidationError]]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.setdefault(field, []).append(coded("Enter a real date.", ComplianceError.REQUIRED))
        return None


def _choice(
    value: Any, choices: Any, field: str, label: str, errors: dict[str, list[ValidationError]]
) -> str:
    value = _text(value)
    if value not in choices.values:
        errors.setdefault(field, []).append(
            coded(f"Choose {label} from the list.", ComplianceError.INVALID_CHOICE)
        )
    return value


def _bounded(value: Any, field: str, label: str, limit: int, errors: dict[str, list[ValidationError]]) -> str:
    text = _text(value)
    if len(text) > limit:
        errors.setdefault(field, []).append(
            coded(f"{label} must be {limit} characters or fewer", ComplianceError.MAX_LENGTH)
        )
    return text


def _raise(errors: dict[str, list[ValidationError]]) -> None:
    if errors:
        raise ValidationError(errors)


def _is_user(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


# -- snapshots for the audit log -------------------------------------------------------------------
def review_snapshot(review: ComplianceReview) -> dict[str, Any]:
    return {
        "subject": review.subject.uuid,
        "reviewed_on": review.reviewed_on,
        "due_on": review.due_on,
        "outcome": review.outcome,
        "next_review_due": review.next_review_due,
        "visits_since_last": review.visits_since_last,
        "notification_status": review.notification_status,
        "notes": review.notes,
    }


def visit_snapshot(visit: Visit) -> dict[str, Any]:
    return {
        "subject": visit.subject.uuid,
        "window_from": visit.window_from,
        "window_to": visit.window_to,
        "time_band": visit.time_band,
        "announced": visit.announced,
        "assigned_team": visit.assigned_team.uuid if visit.assigned_team_id else None,  # type: ignore[union-attr]
        "assigned_officer": visit.assigned_officer.uuid if visit.assigned_officer_id else None,  # type: ignore[union-attr]
        "routine": visit.routine,
        "outcome": visit.outcome,
        "visited_on": visit.visited_on,
        "early_reason": visit.early_reason,
        "notes": visit.notes,
    }


def breach_snapshot(breach: Breach) -> dict[str, Any]:
    return {
        "subject": breach.subject.uuid,
        "term": breach.term.uuid,
        "occurred_on": breach.occurred_on,
        "source": breach.source,
        "niche_occurrence_ref": breach.niche_occurrence_ref,
        "offence_code": breach.offence_code,
        "outcome": breach.outcome,
        "protected_person": breach.protected_person.uuid if breach.protected_person_id else None,  # type: ignore[union-attr]
        "notes": breach.notes,
    }


# -- reviews ---------------------------------------------------------------------------------------
def check_reviewer(*, actor: Any, subject: Subject) -> None:
    """Only members of the subject's managing team review: anyone else is refused, and logged."""
    if in_managing_team(actor, subject):
        return
    record_event(
        action=AuditAction.PERMISSION_DENIED,
        object_type=RecordType.SUBJECT,
        object_ids=[subject.uuid],
        justification="Tried to review a subject outside their managing team (not_managing_team)",
        actor=actor,
    )
    raise NotManagingTeam()


def complete_review(
    *,
    actor: Any,
    subject: Subject,
    assessments: Mapping[Any, Mapping[str, Any]],
    outcome: str,
    next_review_due: Any = None,
    notes: str = "",
    reviewed_on: Any = None,
) -> ComplianceReview:
    """A managing-team member's review of the subject's plan: every term in force assessed
    (``assessments`` maps each term's UUID to ``{"result", "evidence", "notes"}``), an outcome,
    and the plan's next review (default: the force's interval for the plan's risk level).

    ``revise`` starts the plan's next draft (``plans.services.start_draft``); ``escalate`` is
    recorded for the escalation list. Anyone outside the managing team: ``NotManagingTeam``, logged.
    """
    check_reviewer(actor=actor, subject=subject)
    return _complete_review(
        actor=actor,
        subject=subject,
        assessments=assessments,
        outcome=outcome,
        next_review_due=next_review_due,
        notes=notes,
        reviewed_on=reviewed_on,
    )


@transaction.atomic
def _complete_review(
    *,
    actor: Any,
    subject: Subject,
    assessments: Mapping[Any, Mapping[str, Any]],
    outcome: str,
    next_review_due: Any,
    notes: str,
    reviewed_on: Any,
) -> ComplianceReview:
    errors: dict[str, list[ValidationError]] = {}
    # A review recorded the day after it was done says so; never a future day.
    today = _date(reviewed_on, "reviewed_on", errors) or timezone.localdate()
    if today > timezone.localdate():
        errors.setdefault("reviewed_on", []).append(
            coded("The review date must be today or in the past.", ComplianceError.FUTURE_DATE)
        )
    plan = Plan.objects.select_for_update().filter(subject=subject).first()
    if plan is None or plan.status != PlanStatus.ACTIVE:
        errors.setdefault("subject", []).append(
            coded(
                "The subject has no active plan to review; approve a plan first.",
                ComplianceError.NO_ACTIVE_PLAN,
            )
        )
    outcome = _choice(outcome, ReviewOutcome, "outcome", "an outcome", errors)
    notes = _bounded(notes, "notes", "Notes", NOTES_MAX, errors)
    due = _date(next_review_due, "next_review_due", errors)
    if due is not None and due <= max(today, timezone.localdate()):
        errors.setdefault("next_review_due", []).append(
            coded("The next review must be after today.", ComplianceError.PAST_DATE)
        )

    terms = {t.uuid: t for t in terms_in_force(subject, today)}
    given: dict[uuid_module.UUID, Mapping[str, Any]] = {}
    for key, value in (assessments or {}).items():
        term_uuid = _uuid(key)
        if term_uuid is None or term_uuid not in terms:
            errors.setdefault("assessments", []).append(
                coded(f"{key} is not a term in force of this subject.", ComplianceError.UNKNOWN_TERM)
            )
            continue
        given[term_uuid] = value if isinstance(value, Mapping) else {"result": value}
    for term_uuid, term in terms.items():
        if term_uuid not in given:
            errors.setdefault("assessments", []).append(
                coded(
                    f"Assess the {term.order.order_type.code} term “{term.wording[:60]}” "
                    "(complied, breached or not assessed).",
                    ComplianceError.MISSING_TERM,
                )
            )
    rows = []
    for term_uuid, value in given.items():
        where = f"term_{term_uuid}"
        result = _choice(
            value.get("result"), AssessmentResult, "assessments", "a result for each term", errors
        )
        rows.append(
            TermAssessment(
                term=terms[term_uuid],
                result=result,
                evidence=_bounded(
                    value.get("evidence"), "assessments", f"Evidence ({where})", TEXT_MAX, errors
                ),
                notes=_bounded(value.get("notes"), "assessments", f"Notes ({where})", TEXT_MAX, errors),
            )
        )
    _raise(errors)
    assert plan is not None

    last = ComplianceReview.objects.filter(subject=subject).order_by("-reviewed_on", "-id").first()
    visits = Visit.objects.filter(subject=subject).exclude(outcome="")
    if last is not None:
        visits = visits.filter(visited_on__gt=last.reviewed_on)
    visits = visits.filter(visited_on__lte=today)
    if due is None:
        version = plan_services.current_version(plan)
        risk = (version.risk_level if version else "") or "medium"
        due = get_practice_settings().review_interval_for(risk).next_after(today)
    review = ComplianceReview.objects.create(
        subject=subject,
        plan=plan,
        reviewer=actor if _is_user(actor) else None,
        reviewed_on=today,
        due_on=plan.next_review_due,
        notification_status=notification_status(subject, today)[:200],
        visits_since_last=visits.count(),
        outcome=outcome,
        next_review_due=due,
        notes=notes,
    )
    for row in rows:
        row.review = review
    TermAssessment.objects.bulk_create(rows)
    # The assessments are part of the review: its collection event names each term's finding.
    record_change(
        action=AuditAction.COLLECT,
        instance=review,
        before=None,
        after={**review_snapshot(review), "assessments": sorted(f"{r.term.uuid}:{r.result}" for r in rows)},
        restricted=ComplianceReview.RESTRICTED_FIELDS,
        actor=actor,
    )
    with audited_change(plan, plan_services.plan_snapshot, actor=actor) as change:
        change.justification = f"Compliance review {review.uuid}"
        plan.next_review_due = due
        plan.save()
    if outcome == ReviewOutcome.REVISE:
        try:
            plan_services.start_draft(actor=actor, subject=subject)
        except PlanConflict as exc:
            raise field_error("outcome", exc.message, ComplianceError.INVALID_CHOICE) from None
    return review


# -- breaches --------------------------------------------------------------------------------------
def _move_review_forward(*, actor: Any, subject: Subject, why: str) -> None:
    """A breach brings the plan's next review to at most ``breach_review_days`` away."""
    plan = Plan.objects.select_for_update().filter(subject=subject, status=PlanStatus.ACTIVE).first()
    if plan is None:
        return
    latest = timezone.localdate() + dt.timedelta(days=get_practice_settings().breach_review_days)
    if plan.next_review_due is not None and plan.next_review_due <= latest:
        return
    with audited_change(plan, plan_services.plan_snapshot, actor=actor) as change:
        change.justification = why
        plan.next_review_due = latest
        plan.save()


@transaction.atomic
def record_breach(
    *,
    actor: Any,
    subject: Subject,
    term: Any,
    occurred_on: Any,
    source: str,
    niche_occurrence_ref: str = "",
    offence_code: str | None = None,
    outcome: str = BreachOutcome.UNDER_INVESTIGATION,
    protected_person: Any = None,
    notes: str = "",
) -> Breach:
    """Record a breach of one term (in force that day); the plan's next review comes forward."""
    errors: dict[str, list[ValidationError]] = {}
    today = timezone.localdate()
    day = _date(occurred_on, "occurred_on", errors)
    if day is None and "occurred_on" not in errors:
        errors["occurred_on"] = [coded("Enter the date of the breach.", ComplianceError.REQUIRED)]
    elif day is not None and day > today:
        errors.setdefault("occurred_on", []).append(
            coded("The date of the breach must be today or in the past.", ComplianceError.FUTURE_DATE)
        )
        day = None
    term_row = term if isinstance(term, OrderTerm) else None
    if term_row is None:
        term_uuid = _uuid(term)
        term_row = (
            OrderTerm.objects.select_related("order__order_type").filter(uuid=term_uuid).first()
            if term_uuid
            else None
        )
    if term_row is None or term_row.order.subject_id != subject.pk:
        errors.setdefault("term", []).append(
            coded("Choose a term of one of this subject's orders.", ComplianceError.UNKNOWN_TERM)
        )
    elif day is not None and not OrderTerm.objects.filter(pk=term_row.pk).filter(_in_force_on(day)).exists():
        errors.setdefault("term", []).append(
            coded(
                f"This term was not in force on {day:%-d %B %Y}; choose the term that was.",
                ComplianceError.TERM_NOT_IN_FORCE,
            )
        )
    source = _choice(source, BreachSource, "source", "how it came to light", errors)
    outcome = _choice(
        outcome or BreachOutcome.UNDER_INVESTIGATION, BreachOutcome, "outcome", "an outcome", errors
    )
    ref = _bounded(niche_occurrence_ref, "niche_occurrence_ref", "Niche occurrence number", 30, errors)
    code = _bounded(offence_code, "offence_code", "Offence code", 16, errors) if offence_code else ""
    person = None
    if protected_person not in (None, ""):
        if isinstance(protected_person, ProtectedPerson):
            person = protected_person if protected_person.subject_id == subject.pk else None
        else:
            person_uuid = _uuid(protected_person)
            person = (
                ProtectedPerson.objects.filter(uuid=person_uuid, subject=subject).first()
                if person_uuid
                else None
            )
        if person is None:
            errors.setdefault("protected_person", []).append(
                coded(
                    "Choose one of this subject's protected persons.",
                    ComplianceError.UNKNOWN_PROTECTED_PERSON,
                )
            )
    notes = _bounded(notes, "notes", "Notes", NOTES_MAX, errors)
    _raise(errors)
    assert term_row is not None and day is not None
    breach = Breach.objects.create(
        subject=subject,
        term=term_row,
        occurred_on=day,
        source=source,
        niche_occurrence_ref=ref,
        offence_code=code or str((term_row.order.order_type.offence_codes or {}).get("breach") or ""),
        outcome=outcome,
        protected_person=person,
        notes=notes,
        recorded_by=actor if _is_user(actor) else None,
    )
    record_change(
        action=AuditAction.COLLECT,
        instance=breach,
        before=None,
        after=breach_snapshot(breach),
        restricted=Breach.RESTRICTED_FIELDS,
        actor=actor,
    )
    _move_review_forward(actor=actor, subject=subject, why=f"Breach {breach.uuid} recorded")
    return breach


BREACH_CHANGEABLE = ("outcome", "niche_occurrence_ref", "offence_code", "notes", "source")


@transaction.atomic
def update_breach(*, actor: Any, breach: Breach, **changes: Any) -> Breach:
    """The breach as it develops: its outcome, reference, offence code, notes."""
    errors: dict[str, list[ValidationError]] = {}
    for key in sorted(set(changes) - set(BREACH_CHANGEABLE)):
        errors.setdefault(key, []).append(
            coded("This cannot be changed here.", ComplianceError.INVALID_CHOICE)
        )
    clean: dict[str, Any] = {}
    if "outcome" in changes:
        clean["outcome"] = _choice(changes["outcome"], BreachOutcome, "outcome", "an outcome", errors)
    if "source" in changes:
        clean["source"] = _choice(changes["source"], BreachSource, "source", "how it came to light", errors)
    if "niche_occurrence_ref" in changes:
        clean["niche_occurrence_ref"] = _bounded(
            changes["niche_occurrence_ref"], "niche_occurrence_ref", "Niche occurrence number", 30, errors
        )
    if "offence_code" in changes:
        clean["offence_code"] = _bounded(changes["offence_code"], "offence_code", "Offence code", 16, errors)
    if "notes" in changes:
        clean["notes"] = _bounded(changes["notes"], "notes", "Notes", NOTES_MAX, errors)
    _raise(errors)
    breach = (
        Breach.objects.select_for_update(of=("self",)).select_related("subject", "term").get(pk=breach.pk)
    )
    with audited_change(breach, breach_snapshot, restricted=Breach.RESTRICTED_FIELDS, actor=actor):
        for key, value in clean.items():
            setattr(breach, key, value)
        breach.save()
    return breach


# -- visits ----------------------------------------------------------------------------------------
def _assignees(
    team: Any, officer: Any, errors: dict[str, list[ValidationError]]
) -> tuple[Team | None, User | None]:
    team_row = team if isinstance(team, Team) else None
    if team_row is None and team not in (None, ""):
        team_uuid = _uuid(team)
        team_row = Team.objects.filter(uuid=team_uuid).first() if team_uuid else None
        if team_row is None:
            errors.setdefault("assigned_team", []).append(
                coded("Choose a team of this force.", ComplianceError.OTHER_FORCE)
            )
    officer_row = officer if isinstance(officer, User) else None
    if officer not in (None, ""):
        officer_uuid = officer_row.uuid if officer_row is not None else _uuid(officer)
        member = (
            Membership.objects.filter(
                user__uuid=officer_uuid, force_id=active_force().pk, status=Membership.Status.ACTIVE
            )
            .select_related("user")
            .first()
            if officer_uuid
            else None
        )
        officer_row = member.user if member is not None else None
        if officer_row is None:
            errors.setdefault("assigned_officer", []).append(
                coded("Choose an officer of this force.", ComplianceError.OTHER_FORCE)
            )
    if team in (None, "") and officer in (None, ""):
        errors.setdefault("assigned_team", []).append(
            coded("Assign the visit to a team or an officer.", ComplianceError.ASSIGNEE)
        )
    return team_row, officer_row


@transaction.atomic
def schedule_visit(
    *,
    actor: Any,
    subject: Subject,
    window_from: Any,
    window_to: Any,
    announced: bool = False,
    assigned_team: Any = None,
    assigned_officer: Any = None,
    time_band: str = "",
    notes: str = "",
    routine: bool = False,
) -> Visit:
    """Task a visit to a team or an officer of this force, in a window of days."""
    errors: dict[str, list[ValidationError]] = {}
    start = _date(window_from, "window_from", errors)
    end = _date(window_to, "window_to", errors)
    for field, value in (("window_from", start), ("window_to", end)):
        if value is None and field not in errors:
            errors[field] = [coded("Enter the date.", ComplianceError.REQUIRED)]
    if start and end and end < start:
        errors.setdefault("window_to", []).append(
            coded("The window must close on or after the day it opens.", ComplianceError.WINDOW_ORDER)
        )
    if time_band:
        _choice(time_band, TimeBand, "time_band", "a time of day", errors)
    team, officer = _assignees(assigned_team, assigned_officer, errors)
    notes = _bounded(notes, "notes", "Notes", NOTES_MAX, errors)
    _raise(errors)
    assert start is not None and end is not None
    visit = Visit.objects.create(
        subject=subject,
        window_from=start,
        window_to=end,
        time_band=time_band or "",
        announced=bool(announced),
        assigned_team=team,
        assigned_officer=officer,
        routine=routine,
        notes=notes,
    )
    record_change(
        action=AuditAction.COLLECT,
        instance=visit,
        before=None,
        after=visit_snapshot(visit),
        restricted=Visit.RESTRICTED_FIELDS,
        actor=actor,
        justification="Routine visit from the plan" if routine else "",
    )
    return visit


@transaction.atomic
def record_visit_outcome(
    *,
    actor: Any,
    visit: Visit,
    outcome: str,
    visited_on: Any = None,
    notes: str = "",
    early_reason: str = "",
) -> Visit:
    """What happened on the visit. Before its window opens only with a reason."""
    errors: dict[str, list[ValidationError]] = {}
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("subject", "assigned_team", "assigned_officer")
        .get(pk=visit.pk)
    )
    today = timezone.localdate()
    if visit.outcome:
        raise field_error(
            "outcome", "The outcome of this visit is already recorded.", ComplianceError.ALREADY_RECORDED
        )
    outcome = _choice(outcome, VisitOutcome, "outcome", "what happened", errors)
    day = _date(visited_on, "visited_on", errors) or (today if "visited_on" not in errors else None)
    if day is not None and day > today:
        errors.setdefault("visited_on", []).append(
            coded("The visit date must be today or in the past.", ComplianceError.FUTURE_DATE)
        )
    early_reason = _bounded(early_reason, "early_reason", "The reason", 1000, errors)
    if day is not None and day < visit.window_from and not early_reason:
        errors.setdefault("early_reason", []).append(
            coded(
                f"The window opens on {visit.window_from:%-d %B %Y}: say why the visit came before it.",
                ComplianceError.WINDOW_NOT_OPEN,
            )
        )
    notes = _bounded(notes, "notes", "Notes", NOTES_MAX, errors)
    _raise(errors)
    with audited_change(visit, visit_snapshot, restricted=Visit.RESTRICTED_FIELDS, actor=actor) as change:
        change.justification = "Visit outcome recorded"
        visit.outcome = outcome
        visit.visited_on = day
        visit.notes = notes or visit.notes
        visit.early_reason = early_reason
        visit.recorded_by = actor if _is_user(actor) else None
        visit.save()
    return visit


# -- routine visits from the plans -----------------------------------------------------------------
def _visit_options(options: Iterable[Any]) -> list[str]:
    return [o.option for o in options if "visit" in o.option.casefold()]


def _visiting_team(subject: Subject, teams: list[Team]) -> Team | None:
    """A neighbourhood (then response) team covering the subject's area; else the managing team."""
    for kind in (TeamKind.NEIGHBOURHOOD, TeamKind.RESPONSE):
        for team in teams:
            if team.kind == kind and subject.area_id in {a.pk for a in team.areas.all()}:
                return team
    return subject.managing_team


def next_routine_slot(*, today: dt.date, every: Any, last: Visit | None, seed: str) -> tuple[dt.date, str]:
    """The day and time band of the next routine visit: one interval after the last (the first
    within three days), never on the same weekday nor in the same band as the visit before
    (varied, but reproducibly from ``seed``)."""
    rng = random.Random(seed)  # noqa: S311 - varying visit days, not a secret
    if last is None:
        return today + dt.timedelta(days=rng.randint(0, 2)), rng.choice(TimeBand.values)
    day = max(every.next_after(last.window_from) + dt.timedelta(days=rng.randint(-1, 1)), today)
    if day.weekday() == last.window_from.weekday():
        day += dt.timedelta(days=1)
    bands = [b for b in TimeBand.values if b != last.time_band]
    return day, rng.choice(bands)


@transaction.atomic
def generate_routine_visits(
    *, actor: Any = None, today: dt.date | None = None, unassigned: list[Subject] | None = None
) -> list[Visit]:
    """The next routine visit of every subject whose active plan chooses visits and whose risk
    level has a visit interval, unless one is already waiting. Plans on reactive management (no
    visit among their tactical options) get none. Safe to run daily (the ``routine_visits`` job).

    A subject with no team covering their area, no managing team and no lead officer has no one
    to task: they are skipped and added to ``unassigned`` (the job reports how many), rather than
    failing the whole force's run for everyone else.
    """
    from plans.choices import VersionStatus
    from plans.models import PlanTacticalOption, PlanVersion

    today = today or timezone.localdate()
    settings_row = get_practice_settings()
    intervals = {i.risk_level: i for i in settings_row.visit_intervals.all()}
    versions = (
        PlanVersion.objects.filter(status=VersionStatus.ACTIVE, plan__status=PlanStatus.ACTIVE)
        .select_related("plan__subject", "plan__subject__managing_team")
        .prefetch_related(
            # Only the options that could be visits are read.
            Prefetch(
                "tactical_options", queryset=PlanTacticalOption.objects.filter(option__icontains="visit")
            )
        )
    )
    subject_ids = [v.plan.subject_id for v in versions]
    waiting = set(
        Visit.objects.filter(subject_id__in=subject_ids, outcome="", window_to__gte=today).values_list(
            "subject_id", flat=True
        )
    )
    last_routine: dict[int, Visit] = {}
    for visit in Visit.objects.filter(subject_id__in=subject_ids, routine=True).order_by(
        "subject_id", "window_from"
    ):
        last_routine[visit.subject_id] = visit
    teams = list(Team.objects.prefetch_related("areas"))
    made = []
    for version in versions:
        subject = version.plan.subject
        options = _visit_options(version.tactical_options.all())
        interval = intervals.get(version.risk_level)
        if not options or interval is None or subject.pk in waiting:
            continue
        last = last_routine.get(subject.pk)
        seed = f"{subject.uuid}:{last.window_from if last else today}"
        day, band = next_routine_slot(today=today, every=interval, last=last, seed=seed)
        team = _visiting_team(subject, teams)
        if team is None and subject.lead_officer_id is None:
            if unassigned is not None:
                unassigned.append(subject)
            continue
        made.append(
            schedule_visit(
                actor=actor,
                subject=subject,
                window_from=day,
                window_to=day + dt.timedelta(days=ROUTINE_WINDOW_DAYS),
                announced=not any("unannounced" in o.casefold() for o in options),
                assigned_team=team,
                assigned_officer=subject.lead_officer if team is None else None,
                time_band=band,
                routine=True,
            )
        )
    return made
