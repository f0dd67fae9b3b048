"""The compliance endpoints: the force-endpoint contract for reviews, visits and breaches, and the
bad input of the issue over the API (400 ``invalid`` with each field's code, nothing saved)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from api.compliance import BreachViewSet, ComplianceReviewViewSet, VisitViewSet
from audit.choices import AuditAction
from compliance import services
from compliance.models import Breach, ComplianceReview, Visit
from core.roles import ForceRole
from organisation.models import TeamMember
from tests.api.base import ForceEndpointContract, events_since, last_event_id, token_client
from tests.factories import make_subject, make_user
from tests.orders.helpers import make_order, make_term

from .helpers import make_case, today

pytestmark = pytest.mark.django_db


def _in(force: Any, fn: Any) -> Any:
    with schema_context(force.schema_name):
        out = fn()
    connection.set_schema_to_public()
    return out


class _CaseCache:
    """One managed case per force per test, reused by every record the contract makes."""

    _cases: dict[int, dict[str, Any]]

    def case(self, force: Any) -> dict[str, Any]:
        if not hasattr(self, "_cases"):
            self._cases = {}
        if force.pk not in self._cases:
            self._cases[force.pk] = make_case(force)
        return self._cases[force.pk]


class TestComplianceReviewEndpoint(_CaseCache, ForceEndpointContract):
    endpoint = "/api/v1/compliance-reviews/"
    viewset = ComplianceReviewViewSet
    # The plan was approved today: the review's default next date is the one it has, so the
    # plan is not altered and the review's collection is the one event.

    def member(self, force: Any, role: str) -> Any:
        user = super().member(force, role)
        # Reviewers are of the subject's managing team.
        team = self.case(force)["aou"]
        _in(force, lambda: TeamMember.objects.create(team=team, user=user))
        return user

    def _each_action(self, force_a: Any) -> list[tuple[str, Any]]:
        case = self.case(force_a)
        self.create_payload = {  # type: ignore[misc]
            "subject": str(case["subject"].uuid),
            "assessments": [
                {"term": str(case["term"].uuid), "result": "complied", "evidence": "Seen at home"}
            ],
            "outcome": "unchanged",
        }
        return super()._each_action(force_a)

    def make_object(self, force: Any) -> Any:
        case = self.case(force)
        return _in(
            force,
            lambda: services.complete_review(
                actor=case["coordinator"],
                subject=case["subject"],
                assessments={str(case["term"].uuid): {"result": "complied"}},
                outcome="unchanged",
            ),
        )


class TestVisitEndpoint(_CaseCache, ForceEndpointContract):
    endpoint = "/api/v1/visits/"
    viewset = VisitViewSet
    patch_payload = {"outcome": "no-reply", "notes": "Curtains drawn, no answer."}

    def _each_action(self, force_a: Any) -> list[tuple[str, Any]]:
        case = self.case(force_a)
        self.create_payload = {  # type: ignore[misc]
            "subject": str(case["subject"].uuid),
            "window_from": today().isoformat(),
            "window_to": (today() + dt.timedelta(days=3)).isoformat(),
            "assigned_team": str(case["npt"].uuid),
            "announced": False,
            "time_band": "evening",
        }
        return super()._each_action(force_a)

    def make_object(self, force: Any) -> Any:
        case = self.case(force)
        return _in(
            force,
            lambda: services.schedule_visit(
                actor=None,
                subject=case["subject"],
                window_from=today() - dt.timedelta(days=1),
                window_to=today() + dt.timedelta(days=1),
                assigned_team=case["npt"],
            ),
        )


class TestBreachEndpoint(ForceEndpointContract):
    endpoint = "/api/v1/breaches/"
    viewset = BreachViewSet
    patch_payload = {"outcome": "charged"}

    def _term(self, force: Any) -> Any:
        # A subject without a plan: recording a breach writes the breach's event only.
        if not hasattr(self, "_terms"):
            self._terms: dict[int, Any] = {}
        if force.pk not in self._terms:
            self._terms[force.pk] = make_term(force, make_order(force, subject=make_subject(force)))
        return self._terms[force.pk]

    def _each_action(self, force_a: Any) -> list[tuple[str, Any]]:
        term = self._term(force_a)
        self.create_payload = {  # type: ignore[misc]
            "subject": str(_in(force_a, lambda: term.order.subject.uuid)),
            "term": str(term.uuid),
            "occurred_on": today().isoformat(),
            "source": "victim-report",
            "niche_occurrence_ref": "OCC-42",
        }
        return super()._each_action(force_a)

    def make_object(self, force: Any) -> Any:
        term = self._term(force)
        return _in(
            force,
            lambda: services.record_breach(
                actor=None, subject=term.order.subject, term=term, occurred_on=today(), source="visit"
            ),
        )


# -- bad input over the API ------------------------------------------------------------------------
def _codes(response: Any) -> dict[str, list[str]]:
    body = response.json()
    assert response.status_code == 400 and body["code"] == "invalid", body
    return body["codes"]


def test_bad_input_is_400_with_each_fields_code_and_nothing_saved(force_a, force_b) -> None:
    case, other = make_case(force_a), make_case(force_b)
    client = token_client(case["coordinator"], force_a)
    missing = client.post(
        "/api/v1/compliance-reviews/",
        {"subject": str(case["subject"].uuid), "assessments": [], "outcome": "unchanged"},
        content_type="application/json",
    )
    assert _codes(missing) == {"assessments": ["missing_term"]}
    visit = client.post(
        "/api/v1/visits/",
        {
            "subject": str(case["subject"].uuid),
            "window_from": today().isoformat(),
            "window_to": today().isoformat(),
            "assigned_team": str(other["npt"].uuid),
        },
        content_type="application/json",
    )
    assert _codes(visit) == {"assigned_team": ["other_force"]}
    officer = client.post(
        "/api/v1/visits/",
        {
            "subject": str(case["subject"].uuid),
            "window_from": today().isoformat(),
            "window_to": today().isoformat(),
            "assigned_officer": str(other["visitor"].uuid),
        },
        content_type="application/json",
    )
    assert _codes(officer) == {"assigned_officer": ["other_force"]}
    breach = client.post(
        "/api/v1/breaches/",
        {
            "subject": str(case["subject"].uuid),
            "term": str(case["term"].uuid),
            "occurred_on": (today() - dt.timedelta(days=1000)).isoformat(),
            "source": "visit",
        },
        content_type="application/json",
    )
    assert _codes(breach) == {"term": ["term_not_in_force"]}
    early = _in(
        force_a,
        lambda: services.schedule_visit(
            actor=None,
            subject=case["subject"],
            window_from=today() + dt.timedelta(days=2),
            window_to=today() + dt.timedelta(days=4),
            assigned_team=case["npt"],
        ),
    )
    patched = client.patch(
        f"/api/v1/visits/{early.uuid}/", {"outcome": "no-reply"}, content_type="application/json"
    )
    assert _codes(patched) == {"early_reason": ["window_not_open"]}
    assert _in(
        force_a, lambda: (ComplianceReview.objects.count(), Breach.objects.count(), Visit.objects.count())
    ) == (
        0,
        0,
        1,
    )
    assert _in(force_a, lambda: Visit.objects.get().outcome) == ""


def test_a_review_by_someone_outside_the_managing_team_is_403_and_logged(force_a, force_b) -> None:
    case = make_case(force_a)
    outsider = make_user(force=force_a, roles=[ForceRole.OFFICER])
    before = last_event_id(force_a)
    response = token_client(outsider, force_a).post(
        "/api/v1/compliance-reviews/",
        {
            "subject": str(case["subject"].uuid),
            "assessments": [{"term": str(case["term"].uuid), "result": "complied"}],
            "outcome": "unchanged",
        },
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["code"] == "not_managing_team"
    actions = [e.action for e in events_since(force_a, before) if e.action != AuditAction.SIGN_IN]
    assert AuditAction.PERMISSION_DENIED in actions and AuditAction.COLLECT not in actions
    assert _in(force_a, lambda: ComplianceReview.objects.count()) == 0


def test_a_visiting_officer_lists_only_their_teams_visits(force_a, force_b) -> None:
    case = make_case(force_a)
    mine = _in(
        force_a,
        lambda: services.schedule_visit(
            actor=None,
            subject=case["subject"],
            window_from=today(),
            window_to=today(),
            assigned_team=case["npt"],
        ),
    )
    _in(
        force_a,
        lambda: services.schedule_visit(
            actor=None,
            subject=case["subject"],
            window_from=today(),
            window_to=today(),
            assigned_team=case["aou"],
        ),
    )
    listed = token_client(case["visitor"], force_a).get("/api/v1/visits/").json()["results"]
    assert [r["uuid"] for r in listed] == [str(mine.uuid)]


def test_a_breach_over_the_api_names_the_subjects_protected_person(force_a, force_b) -> None:
    from tests.orders.helpers import make_protected_person

    case, other = make_case(force_a), make_case(force_b)
    person = make_protected_person(force_a, subject=case["subject"], orders=[case["order"]])
    stranger = make_protected_person(force_b, subject=other["subject"], orders=[other["order"]])
    client = token_client(case["coordinator"], force_a)
    body = {
        "subject": str(case["subject"].uuid),
        "term": str(case["term"].uuid),
        "occurred_on": today().isoformat(),
        "source": "victim-report",
    }
    refused = client.post(
        "/api/v1/breaches/", {**body, "protected_person": str(stranger.uuid)}, content_type="application/json"
    )
    assert _codes(refused) == {"protected_person": ["unknown_protected_person"]}
    made = client.post(
        "/api/v1/breaches/", {**body, "protected_person": str(person.uuid)}, content_type="application/json"
    )
    assert made.status_code == 201, made.json()
    assert made.json()["protected_person"] == str(person.uuid)
    plain = client.post(
        "/api/v1/breaches/", {**body, "protected_person": None}, content_type="application/json"
    )
    assert plain.status_code == 201 and plain.json()["protected_person"] is None
    assert _in(force_a, lambda: sorted(str(b.protected_person_id) for b in Breach.objects.all())) == sorted(
        [str(person.pk), "None"]
    )
