"""Snapshots (issue 15, item 3): the job writes numbers only, once a day, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from jobs.models import JobRun
from jobs.registry import run_for_force
from resourcing.models import ForceSnapshot
from resourcing.selectors import force_figures
from tests.compliance.helpers import make_case
from tests.resourcing.helpers import staffed_case

pytestmark = pytest.mark.django_db


def _numbers_only(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, dict):
        return all(isinstance(k, str) and _numbers_only(v) for k, v in value.items())
    return False


def test_snapshots_hold_only_numbers(force_a):  # type: ignore[no-untyped-def]
    case = staffed_case(force_a)
    today = timezone.localdate()
    assert run_for_force("capacity_snapshot", force_a, today) == "ran"
    snapshot = ForceSnapshot.objects.get(force=force_a, day=today)
    case_texts = {str(case["subject"].uuid), case["subject"].family_name, case["aou"].name, case["area"].name}
    for field in ForceSnapshot._meta.concrete_fields:
        value = getattr(snapshot, field.attname)
        if field.name == "id" or field.name == "force":
            assert isinstance(value, int)
            continue
        if field.name == "day":
            assert isinstance(value, dt.date)
            continue
        assert not isinstance(field, models.UUIDField | models.CharField | models.TextField), field.name
        assert _numbers_only(value), (field.name, value)
        keys = set(value) if isinstance(value, dict) else set()
        for key in keys:
            assert key not in case_texts
            with pytest.raises(ValueError):
                uuid.UUID(key)
    assert snapshot.caseload == 1
    assert snapshot.planned == 1
    assert snapshot.capacity_hours == pytest.approx(10.0)
    assert snapshot.demand_hours > 0
    assert snapshot.caseload_by_order_type == {"SPO": 1}


def test_a_rerun_for_the_same_day_does_nothing_and_history_is_kept(force_a):  # type: ignore[no-untyped-def]
    staffed_case(force_a)
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    assert run_for_force("capacity_snapshot", force_a, yesterday) == "ran"
    assert run_for_force("capacity_snapshot", force_a, today) == "ran"
    assert run_for_force("capacity_snapshot", force_a, today) == "skipped"
    from resourcing.jobs import take_snapshot

    with schema_context(force_a.schema_name):
        assert take_snapshot(force_a, today) is None
    connection.set_schema_to_public()
    assert ForceSnapshot.objects.filter(force=force_a).count() == 2
    assert JobRun.objects.filter(job="capacity_snapshot", force=force_a).count() == 2


def test_each_force_snapshot_counts_only_its_own_caseload(force_a, force_b):  # type: ignore[no-untyped-def]
    staffed_case(force_a)
    staffed_case(force_b)
    staffed_case(force_b)
    today = timezone.localdate()
    run_for_force("capacity_snapshot", force_a, today)
    run_for_force("capacity_snapshot", force_b, today)
    assert ForceSnapshot.objects.get(force=force_a).caseload == 1
    assert ForceSnapshot.objects.get(force=force_b).caseload == 2


def test_figures_take_a_fixed_number_of_queries_whatever_the_caseload(force_a):  # type: ignore[no-untyped-def]
    staffed_case(force_a)
    today = timezone.localdate()
    with schema_context(force_a.schema_name), CaptureQueriesContext(connection) as one:
        force_figures(today)
    for _ in range(3):
        make_case(force_a)
    with schema_context(force_a.schema_name), CaptureQueriesContext(connection) as four:
        figures = force_figures(today)
    connection.set_schema_to_public()
    assert figures.caseload == 4
    assert len(four) == len(one)


def test_demand_counts_the_larger_of_required_and_scheduled_visits(force_a):  # type: ignore[no-untyped-def]
    from compliance.models import Visit

    case = staffed_case(force_a)
    today = timezone.localdate()
    with schema_context(force_a.schema_name):
        base = force_figures(today).demand_by_work["visits"]
        for i in range(8):
            Visit.objects.create(
                subject=case["subject"],
                window_from=today + dt.timedelta(days=i),
                window_to=today + dt.timedelta(days=i + 1),
            )
        more = force_figures(today)
    connection.set_schema_to_public()
    # 8 visits over four weeks: 2 a week at the default 90 minutes, instead of what the plan asks.
    assert more.demand_by_work["visits"] == pytest.approx(max(base, 2 * 90 / 60))


def test_caseload_by_order_type_counts_subjects_not_terms_and_each_type_once(force_a, force_b):  # type: ignore[no-untyped-def]
    """Issue 15: a subject under a live order counts once under its type whether the order has no
    term or several, and a subject under live orders of two types counts once under each."""
    from tests.factories import make_subject
    from tests.orders.helpers import make_order, make_term

    no_terms = make_order(force_a, code="SPO")
    many_terms = make_order(force_a, code="SPO")
    make_term(force_a, many_terms)
    make_term(force_a, many_terms)
    make_term(force_a, many_terms)
    both = make_subject(force_a)
    spo = make_order(force_a, code="SPO", subject=both)
    make_term(force_a, spo)
    make_term(force_a, spo)
    make_order(force_a, code="SPO", subject=both)  # a second live SPO: still one subject
    dapo = make_order(force_a, code="DAPO", subject=both)
    make_term(force_a, dapo)
    make_order(force_b, code="DAPO")  # the other force's caseload stays out
    today = timezone.localdate()
    with schema_context(force_a.schema_name):
        figures = force_figures(today)
    connection.set_schema_to_public()
    assert no_terms.subject_id != many_terms.subject_id
    assert figures.caseload_by_order_type == {"DAPO": 1, "SPO": 3}
    assert figures.caseload == 3
