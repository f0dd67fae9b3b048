"""Compliance services in two forces: reviews, breaches, visits, routine visits, escalation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from audit.choices import AuditAction, RecordType
from audit.models import AuditEvent
from compliance import selectors, services
from compliance.choices import EscalationReason, VisitOutcome, VisitState
from compliance.errors import NotManagingTeam
from compliance.models import Breach, ComplianceReview, TermAssessment, Visit
from core.roles import ForceRole
from organisation.practice import get_practice_settings
from plans.choices import VersionStatus
from plans.models import Plan, PlanVersion
from subjects.models import Subject
from tests.api.base import events_since, last_event_id
from tests.factories import make_user

from .helpers import make_case, today

pytestmark = pytest.mark.django_db


def _codes(exc: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in exc.error_dict.items()}


def _assess(case: dict[str, Any], result: str = "complied") -> dict[str, Any]:
    return {
        str(case["term"].uuid): {"result": result, "evidence": "Seen at home; victim reports no contact."}
    }


def _in(force: Any, fn: Any) -> Any:
    with schema_context(force.schema_name):
        out = fn()
    connection.set_schema_to_public()
    return out


# -- reviews ---------------------------------------------------------------------------------------
def test_a_managing_team_member_completes_a_review_term_by_term(force_a, force_b) -> None:
    case, other = make_case(force_a), make_case(force_b)
    before_b = last_event_id(force_b)

    def run() -> None:
        review = services.complete_review(
            actor=case["coordinator"], subject=case["subject"], assessments=_assess(case), outcome="unchanged"
        )
        [assessment] = review.assessments.all()
        assert assessment.term == case["term"] and assessment.result == "complied"
        plan = Plan.objects.get(pk=case["plan"].pk)
        # High risk: the default interval is three months.
        expected = get_practice_settings().review_interval_for("high").next_after(today())
        assert plan.next_review_due == review.next_review_due == expected
        event = AuditEvent.objects.get(action=AuditAction.COLLECT, object_type=RecordType.COMPLIANCE_REVIEW)
        assert event.object_ids == [review.uuid] and "assessments" in event.changed_fields

    _in(force_a, run)
    assert events_since(force_b, before_b) == []
    assert _in(force_b, lambda: ComplianceReview.objects.count()) == 0
    assert other["plan"].uuid != case["plan"].uuid


def test_a_review_date_can_be_set_and_revise_starts_a_draft(force_a, force_b) -> None:
    case = make_case(force_a)
    make_case(force_b)
    chosen = today() + dt.timedelta(days=20)

    def run() -> None:
        services.complete_review(
            actor=case["coordinator"],
            subject=case["subject"],
            assessments=_assess(case, "breached"),
            outcome="revise",
            next_review_due=chosen.isoformat(),
        )
        assert Plan.objects.get(pk=case["plan"].pk).next_review_due == chosen
        assert PlanVersion.objects.filter(plan=case["plan"], status=VersionStatus.DRAFT).exists()

    _in(force_a, run)
    assert _in(force_b, lambda: PlanVersion.objects.filter(status=VersionStatus.DRAFT).count()) == 0


def test_a_review_missing_a_term_is_refused_with_codes_and_nothing_saved(force_a, force_b) -> None:
    case = make_case(force_a)
    make_case(force_b)

    def run() -> None:
        due = Plan.objects.get(pk=case["plan"].pk).next_review_due
        with pytest.raises(ValidationError) as caught:
            services.complete_review(
                actor=case["coordinator"],
                subject=case["subject"],
                assessments={},
                outcome="sideways",
                next_review_due="2001-01-01",
            )
        codes = _codes(caught.value)
        assert codes["assessments"] == ["missing_term"]
        assert codes["outcome"] == ["invalid_choice"]
        assert codes["next_review_due"] == ["past_date"]
        assert ComplianceReview.objects.count() == TermAssessment.objects.count() == 0
        assert Plan.objects.get(pk=case["plan"].pk).next_review_due == due

    _in(force_a, run)


def test_a_review_naming_another_forces_term_is_refused(force_a, force_b) -> None:
    case, other = make_case(force_a), make_case(force_b)

    def run() -> None:
        with pytest.raises(ValidationError) as caught:
            services.complete_review(
                actor=case["coordinator"],
                subject=case["subject"],
                assessments={**_assess(case), str(other["term"].uuid): {"result": "complied"}},
                outcome="unchanged",
            )
        assert _codes(caught.value) == {"assessments": ["unknown_term"]}
        assert ComplianceReview.objects.count() == 0

    _in(force_a, run)


def test_someone_outside_the_managing_team_is_refused_and_it_is_logged(force_a, force_b) -> None:
    case = make_case(force_a)
    outsider = make_user(force=force_a, roles=[ForceRole.COORDINATOR])

    def run() -> None:
        with pytest.raises(NotManagingTeam):
            services.complete_review(
                actor=outsider, subject=case["subject"], assessments=_assess(case), outcome="unchanged"
            )
        assert ComplianceReview.objects.count() == 0
        event = AuditEvent.objects.order_by("-id").first()
        assert event.action == AuditAction.PERMISSION_DENIED and event.actor_id == outsider.pk
        assert event.object_ids == [case["subject"].uuid]

    _in(force_a, run)


# -- breaches --------------------------------------------------------------------------------------
def test_a_breach_defaults_its_offence_code_and_brings_the_review_forward(force_a, force_b) -> None:
    case = make_case(force_a)
    make_case(force_b)

    def run() -> None:
        breach = services.record_breach(
            actor=case["coordinator"],
            subject=case["subject"],
            term=str(case["term"].uuid),
            occurred_on=today() - dt.timedelta(days=1),
            source="victim-report",
            niche_occurrence_ref="OCC-1",
        )
        assert breach.offence_code == "H20164" and breach.outcome == "under-investigation"
        assert Plan.objects.get(pk=case["plan"].pk).next_review_due == today() + dt.timedelta(days=7)
        breach = services.update_breach(actor=case["coordinator"], breach=breach, outcome="charged")
        assert breach.outcome == "charged"

    _in(force_a, run)
    assert _in(force_b, lambda: Breach.objects.count()) == 0


def test_a_breach_of_a_term_not_in_force_that_day_is_refused(force_a, force_b) -> None:
    case, other = make_case(force_a, made_days_ago=10), make_case(force_b)

    def run() -> None:
        due = Plan.objects.get(pk=case["plan"].pk).next_review_due
        for term, day, code in (
            (case["term"].uuid, today() - dt.timedelta(days=30), "term_not_in_force"),
            (other["term"].uuid, today(), "unknown_term"),
        ):
            with pytest.raises(ValidationError) as caught:
                services.record_breach(
                    actor=case["coordinator"],
                    subject=case["subject"],
                    term=term,
                    occurred_on=day,
                    source="visit",
                )
            assert _codes(caught.value) == {"term": [code]}
        with pytest.raises(ValidationError) as caught:
            services.record_breach(
                actor=case["coordinator"],
                subject=case["subject"],
                term=case["term"].uuid,
                occurred_on=today() + dt.timedelta(days=1),
                source="gossip",
            )
        assert _codes(caught.value) == {"occurred_on": ["future_date"], "source": ["invalid_choice"]}
        assert Breach.objects.count() == 0
        assert Plan.objects.get(pk=case["plan"].pk).next_review_due == due

    _in(force_a, run)


# -- visits ----------------------------------------------------------------------------------------
def _visit(case: dict[str, Any], *, start: int = 0, end: int = 3, **kw: Any) -> Visit:
    return services.schedule_visit(
        actor=case["coordinator"],
        subject=case["subject"],
        window_from=today() + dt.timedelta(days=start),
        window_to=today() + dt.timedelta(days=end),
        **{"assigned_team": case["npt"], **kw},
    )


def test_a_visit_assigned_to_another_forces_team_or_officer_is_refused(force_a, force_b) -> None:
    case, other = make_case(force_a), make_case(force_b)

    def run() -> None:
        for kw, field in (
            ({"assigned_team": str(other["npt"].uuid)}, "assigned_team"),
            ({"assigned_team": None, "assigned_officer": str(other["visitor"].uuid)}, "assigned_officer"),
        ):
            with pytest.raises(ValidationError) as caught:
                _visit(case, **kw)
            assert _codes(caught.value) == {field: ["other_force"]}
        with pytest.raises(ValidationError) as caught:
            _visit(case, start=3, end=1, assigned_team=None)
        assert _codes(caught.value) == {"window_to": ["window_order"], "assigned_team": ["assignee"]}
        assert Visit.objects.count() == 0
        assert (
            _visit(case, assigned_team=None, assigned_officer=case["visitor"].uuid).assigned_officer
            == case["visitor"]
        )

    _in(force_a, run)


def test_an_outcome_before_the_window_needs_a_reason(force_a, force_b) -> None:
    case = make_case(force_a)
    make_case(force_b)

    def run() -> None:
        visit = _visit(case, start=3, end=5)
        with pytest.raises(ValidationError) as caught:
            services.record_visit_outcome(actor=case["visitor"], visit=visit, outcome="no-reply")
        assert _codes(caught.value) == {"early_reason": ["window_not_open"]}
        assert Visit.objects.get(pk=visit.pk).outcome == ""
        visit = services.record_visit_outcome(
            actor=case["visitor"], visit=visit, outcome="no-reply", early_reason="Passing on another call"
        )
        assert visit.outcome == VisitOutcome.NO_REPLY and visit.state() == VisitState.DONE
        with pytest.raises(ValidationError) as caught:
            services.record_visit_outcome(actor=case["visitor"], visit=visit, outcome="no-reply")
        assert _codes(caught.value) == {"outcome": ["already_recorded"]}

    _in(force_a, run)


def test_visiting_officers_see_only_their_teams_and_their_own_visits(force_a, force_b) -> None:
    case = make_case(force_a)
    make_case(force_b)
    stranger = make_user(force=force_a, roles=[ForceRole.VISITING_OFFICER])

    def run() -> None:
        team_visit = _visit(case)
        own = _visit(case, assigned_team=None, assigned_officer=stranger)
        other = _visit(case, assigned_team=case["aou"])
        # The same call in a "job" (no request): the force is passed in.
        seen = lambda user: set(Visit.objects.restrict(user, "view", force=force_a))  # noqa: E731
        assert seen(case["visitor"]) == {team_visit}
        assert seen(stranger) == {own}
        assert seen(case["coordinator"]) == {team_visit, own, other}
        assert set(Visit.objects.restrict(case["visitor"], "view", force=force_b)) == set()

    _in(force_a, run)


def test_missed_means_the_window_passed_with_no_outcome(force_a) -> None:
    case = make_case(force_a)

    def run() -> None:
        missed = _visit(case, start=-5, end=-1)
        _visit(case, start=-1, end=1)
        assert list(Visit.objects.missed()) == [missed] and missed.state() == VisitState.MISSED

    _in(force_a, run)


# -- routine visits --------------------------------------------------------------------------------
def test_routine_visits_follow_the_plan_and_vary_weekday_and_band(force_a, force_b) -> None:
    case = make_case(force_a)  # the plan's tactical option: "Home visit (unannounced)", high risk

    def run() -> None:
        [first] = services.generate_routine_visits()
        assert first.routine and not first.announced and first.assigned_team == case["npt"]
        assert services.generate_routine_visits() == []  # one is already waiting
        previous = first
        for _ in range(6):
            # Time passes: the visit was done on its day (set directly; the service refuses future dates).
            Visit.objects.filter(pk=previous.pk).update(
                outcome="seen-compliant", visited_on=previous.window_from
            )
            day = previous.window_from
            [visit] = services.generate_routine_visits(today=day)
            assert visit.window_from.weekday() != previous.window_from.weekday()
            assert visit.time_band != previous.time_band
            assert 10 <= (visit.window_from - previous.window_from).days <= 17  # a fortnight, varied
            previous = visit

    _in(force_a, run)
    assert _in(force_b, lambda: Visit.objects.count()) == 0


def test_a_subject_no_one_can_visit_is_reported_not_fatal_to_the_force(force_a, force_b) -> None:
    """No team covers the area, no managing team, no lead officer: that subject is skipped and the
    nightly job says so; everyone else's visit is still tasked (it failed the whole force's run)."""
    from compliance.jobs import routine_visits

    covered, orphan = make_case(force_a), make_case(force_a)

    def run() -> None:
        orphan["npt"].areas.clear()
        Subject.objects.filter(pk=orphan["subject"].pk).update(managing_team=None, lead_officer=None)
        detail = routine_visits(force=force_a, day=dt.date.today())
        assert detail.startswith("1 routine visit(s) tasked; 1 subject(s)"), detail
        assert "no team or lead officer" in detail
        assert list(Visit.objects.values_list("subject_id", flat=True)) == [covered["subject"].pk]

    _in(force_a, run)
    assert _in(force_b, lambda: Visit.objects.count()) == 0


def test_reactive_management_gets_no_routine_visits(force_a) -> None:
    case = make_case(force_a)

    def run() -> None:
        case["version"].tactical_options.all().delete()
        assert services.generate_routine_visits() == []

    _in(force_a, run)


# -- escalation ------------------------------------------------------------------------------------
def test_escalation_rules_in_one_query_for_the_force(force_a, force_b) -> None:
    repeat, quiet, missed, calm = (make_case(force_a) for _ in range(4))
    elsewhere = make_case(force_b)

    def breach(case: dict[str, Any], days_ago: int) -> None:
        services.record_breach(
            actor=None,
            subject=case["subject"],
            term=case["term"],
            occurred_on=today() - dt.timedelta(days=days_ago),
            source="visit",
        )

    def run() -> None:
        breach(repeat, 3)
        breach(repeat, 20)
        breach(quiet, 2)  # nothing in the 180 days before, under an order for 400 days
        breach(calm, 100)
        for start in (-30, -10):
            _visit(missed, start=start, end=start + 2)
        settings_row = get_practice_settings()
        with CaptureQueriesContext(connection) as ctx:
            flagged = selectors.escalated_subjects(Subject.objects.all(), settings_row=settings_row)
        assert len(ctx.captured_queries) == 1
        reasons = {s.pk: r for s, r in flagged}
        assert EscalationReason.REPEATED_BREACHES in reasons[repeat["subject"].pk]
        assert reasons[quiet["subject"].pk] == [EscalationReason.BREACH_AFTER_QUIET]
        assert reasons[missed["subject"].pk] == [EscalationReason.MISSED_VISITS]
        assert calm["subject"].pk not in reasons
        assert selectors.escalation_of(calm["subject"], settings_row=settings_row) == []

    _in(force_a, run)
    assert (
        _in(
            force_b,
            lambda: selectors.escalated_subjects(Subject.objects.all(), settings_row=get_practice_settings()),
        )
        == []
    )
    assert elsewhere["subject"].pk


def test_a_further_offence_against_a_protected_person_names_them(force_a, force_b) -> None:
    from orders import services as order_services

    case, other, elsewhere = make_case(force_a), make_case(force_a), make_case(force_b)

    def run() -> None:
        victim = order_services.create_protected_person(
            actor=None, subject=case["subject"], name="Vicky Victim", orders=[case["order"]]
        )
        theirs = order_services.create_protected_person(
            actor=None, subject=other["subject"], name="Someone Else"
        )
        breach = services.record_breach(
            actor=case["coordinator"],
            subject=case["subject"],
            term=case["term"],
            occurred_on=today(),
            source="victim-report",
            protected_person=str(victim.uuid),
        )
        assert breach.protected_person == victim and list(victim.breaches.all()) == [breach]
        # The name never reaches the log: only the protected person's UUID, and that restricted.
        event = AuditEvent.objects.filter(object_ids__contains=[breach.uuid]).first()
        assert "protected_person" in event.changed_fields and "protected_person" not in event.changes
        for wrong in (theirs.uuid, elsewhere["subject"].uuid, "not-a-uuid"):
            with pytest.raises(ValidationError) as caught:
                services.record_breach(
                    actor=None,
                    subject=case["subject"],
                    term=case["term"],
                    occurred_on=today(),
                    source="visit",
                    protected_person=wrong,
                )
            assert _codes(caught.value) == {"protected_person": ["unknown_protected_person"]}
        assert Breach.objects.count() == 1

    _in(force_a, run)
