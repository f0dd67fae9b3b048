"""Compliance pages in two forces: the queue and a review, my visits and an outcome, a breach on
the case file and the escalation, trends for an analyst (who gets 403 on a case file)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from audit.choices import AuditAction, RecordType
from compliance import services
from compliance.models import Breach, ComplianceReview, Visit
from core.reasons import SESSION_KEY
from core.roles import ForceRole
from plans.models import Plan
from tests.api.base import events_since, last_event_id, session_client
from tests.factories import make_user

from .helpers import make_case, today

pytestmark = pytest.mark.django_db
REASON = "Monthly compliance review"


def _client(user: Any, force: Any, subject: Any = None) -> Any:
    client = session_client(user, force)
    if subject is not None:
        session = client.session
        session[SESSION_KEY] = {f"{force.slug}:subject:{subject.uuid}": REASON}
        session.save()
    return client


def _date(prefix: str, day: dt.date) -> dict[str, str]:
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


def _overdue(force: Any, plan: Plan) -> None:
    with schema_context(force.schema_name):
        Plan.objects.filter(pk=plan.pk).update(next_review_due=today() - dt.timedelta(days=2))
    connection.set_schema_to_public()


def test_a_coordinator_works_the_queue_and_completes_a_review_term_by_term(force_a, force_b) -> None:
    case, other = make_case(force_a), make_case(force_b)
    _overdue(force_a, case["plan"])
    _overdue(force_b, other["plan"])
    client = _client(case["coordinator"], force_a, case["subject"])
    before = last_event_id(force_a)
    queue = client.get("/reviews/")
    assert queue.status_code == 200 and b"OFFICIAL-SENSITIVE" in queue.content
    assert [p.uuid for p in queue.context["queue"].overdue] == [case["plan"].uuid]
    assert other["subject"].family_name.encode() not in queue.content
    [event] = events_since(force_a, before)
    assert event.action == AuditAction.CONSULT and event.object_ids == [case["plan"].uuid]

    url = f"/subjects/{case['subject'].uuid}/compliance/review/"
    page = client.get(url)
    assert page.status_code == 200 and case["term"].wording.encode() in page.content
    field = f"term_{case['term'].uuid.hex}"
    # Bad input: the term left unassessed and an unknown outcome: field errors, nothing saved.
    bad = client.post(url, {"outcome": "sideways"})
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {field, "outcome"}
    done = client.post(
        url, {field: "complied", f"evidence_{case['term'].uuid.hex}": "Seen at home", "outcome": "unchanged"}
    )
    assert done.status_code == 302 and done["Location"] == "/reviews/"
    with schema_context(force_a.schema_name):
        review = ComplianceReview.objects.get()
        assert review.reviewer == case["coordinator"] and review.due_on < review.reviewed_on
        assert Plan.objects.get(pk=case["plan"].pk).next_review_due > today()
    connection.set_schema_to_public()
    with schema_context(force_b.schema_name):
        assert ComplianceReview.objects.count() == 0
    connection.set_schema_to_public()


def test_a_review_by_someone_outside_the_managing_team_is_403_and_logged(force_a, force_b) -> None:
    case = make_case(force_a)
    outsider = make_user(force=force_a, roles=[ForceRole.OFFICER])
    client = _client(outsider, force_a, case["subject"])
    url = f"/subjects/{case['subject'].uuid}/compliance/review/"
    for method in (client.get, client.post):
        before = last_event_id(force_a)
        response = method(url, {f"term_{case['term'].uuid.hex}": "complied", "outcome": "unchanged"})
        assert response.status_code == 403
        assert AuditAction.PERMISSION_DENIED in [e.action for e in events_since(force_a, before)]
    with schema_context(force_a.schema_name):
        assert ComplianceReview.objects.count() == 0
    connection.set_schema_to_public()
    # Another force's member: 404, not 403.
    assert (
        _client(make_user(force=force_b, roles=[ForceRole.COORDINATOR]), force_a).get(url).status_code == 404
    )


def test_a_neighbourhood_officer_sees_their_teams_visit_and_records_no_reply(force_a, force_b) -> None:
    case, other = make_case(force_a), make_case(force_b)
    with schema_context(force_a.schema_name):
        visit = services.schedule_visit(
            actor=case["coordinator"],
            subject=case["subject"],
            window_from=today() - dt.timedelta(days=1),
            window_to=today() + dt.timedelta(days=2),
            assigned_team=case["npt"],
        )
        elsewhere = services.schedule_visit(
            actor=case["coordinator"],
            subject=case["subject"],
            window_from=today(),
            window_to=today(),
            assigned_team=case["aou"],
        )
    connection.set_schema_to_public()
    client = _client(case["visitor"], force_a)
    before = last_event_id(force_a)
    mine = client.get("/visits/mine/")
    assert mine.status_code == 200
    assert [v.uuid for v in mine.context["visits"]] == [visit.uuid]
    assert f"/briefings/{case['plan'].uuid}/".encode() in mine.content
    [event] = events_since(force_a, before)
    assert event.object_type == RecordType.VISIT and event.object_ids == [visit.uuid]
    # Another team's visit is not theirs to record.
    assert client.get(f"/visits/{elsewhere.uuid}/outcome/").status_code == 404
    url = f"/visits/{visit.uuid}/outcome/"
    bad = client.post(url, {"outcome": "no-reply", **_date("visited_on", today() + dt.timedelta(days=1))})
    assert bad.status_code == 400 and "visited_on" in bad.context["form"].errors
    saved = client.post(url, {"outcome": "no-reply"})
    assert saved.status_code == 302
    with schema_context(force_a.schema_name):
        assert Visit.objects.get(pk=visit.pk).outcome == "no-reply"
    connection.set_schema_to_public()
    # Their case file is not theirs: a visiting officer has no VIEW_SUBJECT.
    assert client.get(f"/subjects/{case['subject'].uuid}/").status_code == 403
    assert other["visitor"] != case["visitor"]


def test_breaches_show_on_the_timeline_and_a_second_within_30_days_escalates(force_a, force_b) -> None:
    case, other = make_case(force_a), make_case(force_b)
    client = _client(case["coordinator"], force_a, case["subject"])
    url = f"/subjects/{case['subject'].uuid}/compliance/breaches/new/"
    assert client.get(url).status_code == 200
    # A term of force B, an unknown source: field errors, nothing saved.
    bad = client.post(
        url,
        {
            "term": str(other["term"].uuid),
            "source": "rumour",
            **_date("occurred_on", today()),
            "outcome": "charged",
        },
    )
    assert bad.status_code == 400 and {"term", "source"} <= set(bad.context["form"].errors)
    good = {"term": str(case["term"].uuid), "source": "victim-report", "outcome": "under-investigation"}
    assert (
        client.post(url, {**good, **_date("occurred_on", today() - dt.timedelta(days=40))}).status_code == 302
    )
    page = client.get(f"/subjects/{case['subject'].uuid}/")
    assert b'data-kind="breach"' in page.content and b'data-testid="escalation"' not in page.content
    assert (
        client.post(url, {**good, **_date("occurred_on", today() - dt.timedelta(days=5))}).status_code == 302
    )
    assert (
        client.post(url, {**good, **_date("occurred_on", today() - dt.timedelta(days=1))}).status_code == 302
    )
    page = client.get(f"/subjects/{case['subject'].uuid}/")
    assert b'data-testid="escalation"' in page.content and b"repeated breaches" in page.content
    home = client.get("/")
    assert b'data-testid="home-escalations"' in home.content and b"OFFICIAL-SENSITIVE" in home.content
    assert case["subject"].display_name.encode() in home.content
    with schema_context(force_b.schema_name):
        assert Breach.objects.count() == 0
    connection.set_schema_to_public()


def test_an_analyst_reads_trends_charts_and_csv_but_not_a_case_file(force_a, force_b) -> None:
    case = make_case(force_a)
    with schema_context(force_a.schema_name):
        services.record_breach(
            actor=None, subject=case["subject"], term=case["term"], occurred_on=today(), source="visit"
        )
    connection.set_schema_to_public()
    analyst = make_user(force=force_a, roles=[ForceRole.ANALYST])
    client = _client(analyst, force_a)
    page = client.get("/trends/")
    assert page.status_code == 200
    assert case["subject"].family_name.encode() not in page.content
    chart = client.get("/trends/breaches.svg")
    assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml" and b"<svg" in chart.content
    csv = client.get("/trends/breaches.csv").content.decode()
    assert csv.splitlines()[0] == "Month,SPO prohibition,Total" and csv.splitlines()[-1].endswith(",1,1")
    assert client.get("/trends/nothing.svg").status_code == 404
    assert client.get(f"/subjects/{case['subject'].uuid}/").status_code == 403
    # Force B's analyst counts none of force A's breaches.
    other = _client(make_user(force=force_b, roles=[ForceRole.ANALYST]), force_b)
    assert other.get("/trends/breaches.csv").content.decode().splitlines()[-1].endswith(",0")


def test_a_breach_names_the_protected_person_it_was_a_further_offence_against(force_a, force_b) -> None:
    from tests.orders.helpers import make_protected_person

    case, other = make_case(force_a), make_case(force_b)
    person = make_protected_person(force_a, subject=case["subject"], orders=[case["order"]])
    stranger = make_protected_person(force_b, subject=other["subject"], orders=[other["order"]])
    client = _client(case["coordinator"], force_a, case["subject"])
    url = f"/subjects/{case['subject'].uuid}/compliance/breaches/new/"
    form = client.get(url)
    assert form.status_code == 200 and str(person.uuid).encode() in form.content
    good = {
        "term": str(case["term"].uuid),
        "source": "victim-report",
        "outcome": "under-investigation",
        **_date("occurred_on", today()),
    }
    bad = client.post(url, {**good, "protected_person": str(stranger.uuid)})
    assert bad.status_code == 400 and "protected_person" in bad.context["form"].errors
    assert client.post(url, {**good, "protected_person": str(person.uuid)}).status_code == 302
    with schema_context(force_a.schema_name):
        assert Breach.objects.get().protected_person_id == person.pk
    connection.set_schema_to_public()
    # Someone who may record a breach but not read this subject's protected persons gets no field.
    supervisor = make_user(force=force_a, roles=[ForceRole.OFFICER])
    page = _client(supervisor, force_a, case["subject"]).get(url)
    assert page.status_code == 200 and str(person.uuid).encode() not in page.content


def test_my_visits_pages_show_a_window_of_page_links_keeping_the_page_size(force_a, force_b) -> None:
    case = make_case(force_a)
    with schema_context(force_a.schema_name):
        Visit.objects.bulk_create(
            Visit(
                subject=case["subject"],
                window_from=today() + dt.timedelta(days=n),
                window_to=today() + dt.timedelta(days=n + 2),
                assigned_team=case["npt"],
            )
            for n in range(60)
        )
    connection.set_schema_to_public()
    client = _client(case["visitor"], force_a)
    page = client.get("/visits/mine/?page_size=5&page=6")
    assert page.status_code == 200 and len(page.context["visits"]) == 5
    assert page.context["page_links"] == [1, None, 5, 6, 7, None, 12]
    body = page.content.decode()
    assert 'href="?page_size=5&amp;page=7" rel="next"' in body and "page=8" not in body
    assert client.get("/visits/mine/?page_size=5&page=12").status_code == 200
