"""Outcomes (issue 13, item 5): equal periods before and after each subject's first approved plan
version, counts under 10 shown as "fewer than 10" and never as rates, a CSV, for VIEW_TRENDS only;
two forces, nothing crosses."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from compliance import selectors
from compliance.models import Breach
from core.roles import ForceRole
from orders.models import ContactLogEntry
from plans.models import PlanVersion
from tests.api.base import session_client
from tests.factories import make_user
from tests.orders.helpers import make_protected_person

from .helpers import make_case, today

pytestmark = pytest.mark.django_db


def _approved_days_ago(force: Any, case: dict[str, Any], days: int) -> None:
    with schema_context(force.schema_name):
        PlanVersion.objects.filter(pk=case["version"].pk).update(
            approved_at=dt.datetime.combine(today() - dt.timedelta(days=days), dt.time(12), dt.UTC)
        )
    connection.set_schema_to_public()


def _breaches(force: Any, case: dict[str, Any], days_ago: list[int], person: Any = None) -> None:
    with schema_context(force.schema_name):
        Breach.objects.bulk_create(
            Breach(
                subject=case["subject"],
                term=case["term"],
                occurred_on=today() - dt.timedelta(days=d),
                source="visit",
                protected_person=person,
            )
            for d in days_ago
        )
    connection.set_schema_to_public()


def _figures(force: Any, **kwargs: Any) -> selectors.OutcomeFigures:
    with schema_context(force.schema_name):
        out = selectors.outcome_figures(**kwargs)
    connection.set_schema_to_public()
    return out


def test_equal_periods_either_side_of_the_first_approved_version(force_a, force_b) -> None:
    case = make_case(force_a, made_days_ago=400)
    # Approved 100 days ago: 100 days each side ([-200, -100) and [-100, today)).
    _approved_days_ago(force_a, case, 100)
    person = make_protected_person(force_a, subject=case["subject"], orders=[case["order"]])
    _breaches(force_a, case, [250, 199, 150, 101, 100, 50, 1])  # 250 is outside: before the window
    _breaches(force_a, case, list(range(110, 190, 5)), person=person)  # 16 offences, all before
    with schema_context(force_a.schema_name):
        for d in (150, 20, 10):
            ContactLogEntry.objects.create(
                protected_person=person,
                contacted_on=today() - dt.timedelta(days=d),
                method="phone",
                summary="Checked in",
                reassured="yes" if d < 100 else "no",
            )
    connection.set_schema_to_public()
    recent = make_case(force_a)  # approved today: too recent to compare
    assert recent["plan"]

    figures = _figures(force_a)
    assert figures.subjects == 1 and figures.too_recent == 1
    assert round(figures.subject_months, 2) == round(100 / selectors.DAYS_PER_MONTH, 2)
    by_key = {m.key: m for m in figures.measures}
    assert (by_key["breaches"].before, by_key["breaches"].after) == (3 + 16, 3)
    assert (by_key["offences"].before, by_key["offences"].after) == (16, 0)
    assert (by_key["contacts"].before, by_key["contacts"].after) == (1, 2)
    assert (by_key["reassured"].before, by_key["reassured"].after) == (0, 2)
    # Rates only over counts of 10 or more; the published numbers hide the small ones.
    assert figures.rate(by_key["breaches"], "before") == round(100 * 19 / figures.subject_months, 1)
    assert figures.rate(by_key["breaches"], "after") is None
    published = figures.published()
    assert published["subjects"] is None and published["measures"]["breaches"]["after"] is None
    assert published["measures"]["offences"]["before"] == 16
    assert selectors.suppressed(9) == "fewer than 10" and selectors.suppressed(10) == "10"
    # Force B counts none of it.
    assert _figures(force_b).subjects == 0


def test_outcome_figures_take_a_fixed_number_of_queries(force_a) -> None:
    few = make_case(force_a)
    _approved_days_ago(force_a, few, 60)
    with schema_context(force_a.schema_name), CaptureQueriesContext(connection) as one:
        selectors.outcome_figures()
    for _ in range(3):
        more = make_case(force_a)
        _approved_days_ago(force_a, more, 90)
        _breaches(force_a, more, [120, 30])
    with schema_context(force_a.schema_name), CaptureQueriesContext(connection) as four:
        assert selectors.outcome_figures().subjects == 4
    connection.set_schema_to_public()
    assert len(one.captured_queries) == len(four.captured_queries) <= 6


def test_an_analyst_reads_outcomes_chart_and_csv_but_others_do_not(force_a, force_b) -> None:
    case = make_case(force_a, made_days_ago=400)
    _approved_days_ago(force_a, case, 100)
    _breaches(force_a, case, list(range(101, 200, 8)) + list(range(1, 100, 9)))  # 13 before, 11 after
    analyst = make_user(force=force_a, roles=[ForceRole.ANALYST])
    client = session_client(analyst, force_a)
    page = client.get("/outcomes/")
    assert page.status_code == 200
    body = page.content.decode()
    assert case["subject"].family_name not in body
    assert 'data-testid="outcomes-chart-rates"' in body and "fewer than 10" in body
    assert 'data-testid="outcomes-chart-shares"' not in body  # no share with 10 or more either side
    assert [r["before"] for r in page.context["rows"]][:2] == ["13", "fewer than 10"]
    chart = client.get("/outcomes/chart.svg?kind=rates")
    assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml" and b"<svg" in chart.content
    assert b"Breaches" in chart.content and b"Further offences" not in chart.content
    assert b"Too few to chart" in client.get("/outcomes/chart.svg?kind=shares").content
    assert client.get("/outcomes/chart.svg?kind=pie").status_code == 404
    lines = client.get("/outcomes/outcomes.csv").content.decode().splitlines()
    assert lines[0] == "Measure,Before the plan,After the plan,Rate before,Rate after"
    assert lines[1] == "Subjects compared,fewer than 10,,,"
    assert lines[2].startswith("Breaches,13,11,") and "not shown" not in lines[2]
    assert lines[3] == (
        "Further offences against protected persons,fewer than 10,fewer than 10,not shown,not shown"
    )
    # An analyst of force B sees no breaches of force A; an officer without VIEW_TRENDS gets 403.
    other = session_client(make_user(force=force_b, roles=[ForceRole.ANALYST]), force_b)
    assert (
        other.get("/outcomes/outcomes.csv")
        .content.decode()
        .splitlines()[2]
        .startswith("Breaches,fewer than 10,fewer than 10,")
    )
    officer = session_client(make_user(force=force_a, roles=[ForceRole.OFFICER]), force_a)
    assert officer.get("/outcomes/").status_code == 403
    assert officer.get("/outcomes/outcomes.csv").status_code == 403
    assert client.get(f"/subjects/{case['subject'].uuid}/").status_code == 403
