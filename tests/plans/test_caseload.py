"""The caseload with plans (issue 12 item 3): each subject's plan, risk level and review on the
page and over the API, "needs a plan, has none", the plan filters, the plan review among the key
dates; bad filter values as field errors and 400s; flat query counts. Two forces: nothing of
force B's plans is listed, counted or filtered in force A."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from audit.choices import AuditAction
from core.roles import ForceRole
from orders.models import NotificationRequirement, OrderStatus
from plans.caseload import PlanKeyDateKind
from plans.models import Plan, PlanVersion
from tests.api.base import events_since, last_event_id, token_client
from tests.factories import make_subject, make_user
from tests.orders.helpers import make_order, today
from tests.plans.helpers import active, draft

pytestmark = pytest.mark.django_db


def _in(force: Any, fn: Any) -> Any:
    with schema_context(force.schema_name):
        result = fn()
    connection.set_schema_to_public()
    return result


@dataclass
class Plans:
    adams: Any  # SPO, active plan (high risk), review in the future
    baker: Any  # SPO, no plan: needs one, has none
    clark: Any  # expired SHPO, draft plan (medium risk): ready to close
    dixon: Any  # DAPO, no plan: none needed (a new force's scope asks for SPO subjects only)
    evans_b: Any  # force B: SPO, active plan


@pytest.fixture
def plans(force_a, force_b) -> Plans:  # type: ignore[no-untyped-def]
    adams = make_subject(force_a, family_name="Adams")
    active(force_a, subject=adams)
    baker = make_subject(force_a, family_name="Baker")
    make_order(force_a, code="SPO", subject=baker)
    clark = make_subject(force_a, family_name="Clark")
    make_order(
        force_a,
        code="SHPO",
        subject=clark,
        made_on=today() - dt.timedelta(days=6 * 365),
        served_on=today() - dt.timedelta(days=6 * 365),
        until_further_order=False,
        expires_on=today() - dt.timedelta(days=300),
        status=OrderStatus.EXPIRED,
    )
    version = draft(force_a, subject=clark, with_order=False)
    _in(force_a, lambda: PlanVersion.objects.filter(pk=version.pk).update(risk_level="medium"))
    dixon = make_subject(force_a, family_name="Dixon")
    make_order(force_a, code="DAPO", subject=dixon)
    evans_b = make_subject(force_b, family_name="Evans")
    active(force_b, subject=evans_b)
    return Plans(adams, baker, clark, dixon, evans_b)


def _coordinator(force: Any) -> Any:
    return make_user(force=force, roles=[ForceRole.COORDINATOR])


def _names(response: Any) -> list[str]:
    assert response.status_code == 200, response.content[:3000]
    return re.findall(
        r'<tr class="govuk-table__row" data-subject="[^"]+">\s*<th[^>]*>\s*<a[^>]*>([A-Z]+),',
        response.content.decode(),
    )


def _api(client: Any, **params: Any) -> dict[str, dict[str, Any]]:
    response = client.get("/api/v1/subjects/", params)
    assert response.status_code == 200, response.content
    return {r["family_name"]: r for r in response.json()["results"]}


def test_each_row_shows_the_plan_its_risk_level_and_review_or_needs_a_plan_has_none(
    client_for, force_a, plans
):
    user = _coordinator(force_a)
    rows = _api(token_client(user, force_a))
    assert set(rows) == {"Adams", "Baker", "Clark", "Dixon"}
    adams_plan = _in(force_a, lambda: Plan.objects.get(subject=plans.adams))
    assert rows["Adams"]["plan"] == {
        "uuid": str(adams_plan.uuid),
        "status": "active",
        "risk_level": "high",
        "next_review_due": adams_plan.next_review_due.isoformat(),
        "review_overdue": False,
        "ready_to_close": False,
    }
    assert rows["Adams"]["needs_plan"] is True and rows["Adams"]["needs_plan_without_one"] is False
    assert rows["Baker"]["plan"] is None
    assert rows["Baker"]["needs_plan"] is True and rows["Baker"]["needs_plan_without_one"] is True
    assert rows["Clark"]["plan"]["status"] == "draft" and rows["Clark"]["plan"]["risk_level"] == "medium"
    assert rows["Clark"]["plan"]["ready_to_close"] is True  # its only order has ended
    assert rows["Clark"]["plan"]["next_review_due"] is None
    assert rows["Dixon"]["plan"] is None and rows["Dixon"]["needs_plan_without_one"] is False

    page = client_for(user, force_a).get("/subjects/")
    text = page.content.decode()
    assert _names(page) == ["ADAMS", "BAKER", "CLARK", "DIXON"]
    assert text.count("Needs a plan, has none") == 1 and "High risk" in text and "Medium risk" in text
    assert "Ready to close" in text and f"/subjects/{plans.adams.uuid}/plan/" in text
    assert "EVANS" not in text


def test_the_plan_review_is_a_key_date_and_review_filters_follow_it(client_for, force_a, plans):
    api = token_client(_coordinator(force_a), force_a)
    # Adams notified the police: the plan review is the next key date.
    _in(
        force_a,
        lambda: NotificationRequirement.objects.filter(order__subject=plans.adams).update(
            notified_on=today()
        ),
    )
    soon = today() + dt.timedelta(days=3)
    _in(force_a, lambda: Plan.objects.filter(subject=plans.adams).update(next_review_due=soon))
    adams = _api(api)["Adams"]
    assert adams["next_key_date"] == soon.isoformat()
    assert adams["next_key_date_kind"] == PlanKeyDateKind.PLAN_REVIEW
    assert list(_api(api, review="due_soon")) == ["Adams"]  # within the 14-day reminder lead time
    assert list(_api(api, review="overdue")) == []
    late = today() - dt.timedelta(days=1)
    _in(force_a, lambda: Plan.objects.filter(subject=plans.adams).update(next_review_due=late))
    assert list(_api(api, review="overdue")) == ["Adams"]
    assert _api(api, review="overdue")["Adams"]["plan"]["review_overdue"] is True
    assert list(_api(api, review=["overdue", "due_soon"])) == ["Adams"]
    assert next(iter(_api(api, ordering="plan_review"))) == "Adams"
    page = client_for(_coordinator(force_a), force_a).get("/subjects/", {"review": "overdue"})
    assert _names(page) == ["ADAMS"] and "Overdue" in page.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"risk_level": "high"}, ["ADAMS"]),
        ({"risk_level": ["high", "medium"]}, ["ADAMS", "CLARK"]),
        ({"risk_level": "very-high"}, []),
        ({"plan_status": "active"}, ["ADAMS"]),
        ({"plan_status": "draft"}, ["CLARK"]),
        ({"plan_status": "closed"}, []),
        ({"ready_to_close": "true"}, ["CLARK"]),
        ({"no_plan": "true"}, ["BAKER", "DIXON"]),
        ({"no_plan": "true", "order_type": "SPO"}, ["BAKER"]),
        ({"no_plan": "false"}, ["ADAMS", "BAKER", "CLARK", "DIXON"]),
    ],
)
def test_each_plan_filter_on_the_page_and_over_the_api(client_for, force_a, plans, params, expected):
    user = _coordinator(force_a)
    assert _names(client_for(user, force_a).get("/subjects/", params)) == expected
    assert [n.upper() for n in _api(token_client(user, force_a), **params)] == expected


def test_force_b_lists_and_filters_only_its_own_plans(client_for, force_b, plans):
    api = token_client(_coordinator(force_b), force_b)
    assert list(_api(api, plan_status="active")) == ["Evans"]
    assert list(_api(api, no_plan="true")) == []
    assert list(_api(api, risk_level="medium")) == []  # force A's Clark is not here


def test_a_high_risk_plan_makes_a_high_risk_rule_need_a_plan(force_a, plans):
    from organisation.practice import update_practice_settings

    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    _in(
        force_a,
        lambda: update_practice_settings(
            actor=admin, plan_scope={"SPO": "high-risk-or-above", "DAPO": "high-risk-or-above"}
        ),
    )
    rows = _api(token_client(_coordinator(force_a), force_a))
    assert rows["Adams"]["needs_plan"] is True  # its plan says high risk
    assert rows["Baker"]["needs_plan"] is False and rows["Baker"]["needs_plan_without_one"] is False


def test_a_reader_without_plans_gets_no_plan_facts_and_plan_filters_match_nobody(monkeypatch, force_a, plans):
    # Every role that reads subjects reads plans today: a reader of subjects only, as a later role
    # table might hold, must learn nothing of plans from the list.
    from core.roles import ROLE_PERMISSIONS, Perm

    monkeypatch.setitem(ROLE_PERMISSIONS, ForceRole.DISCLOSURE_OFFICER, frozenset({Perm.VIEW_SUBJECT}))
    api = token_client(make_user(force=force_a, roles=[ForceRole.DISCLOSURE_OFFICER]), force_a)
    rows = _api(api)
    assert len(rows) == 4 and {r["plan"] is None for r in rows.values()} == {True}
    assert {r["needs_plan_without_one"] for r in rows.values()} == {None}
    assert _api(api, no_plan="true") == {} and _api(api, plan_status="active") == {}
    assert _api(api, ready_to_close="true") == {}


def test_a_disclosure_officer_reads_plan_filters_but_no_order_columns(client_for, force_a, plans):
    reader = make_user(force=force_a, roles=[ForceRole.DISCLOSURE_OFFICER])
    text = client_for(reader, force_a).get("/subjects/").content.decode()
    assert "Plan status" in text and "Needs a plan" not in text
    rows = _api(token_client(reader, force_a))
    assert rows["Adams"]["plan"]["status"] == "active"
    assert rows["Adams"]["needs_plan_without_one"] is None  # needs a plan reads the orders
    assert list(_api(token_client(reader, force_a), plan_status="active")) == ["Adams"]


BAD = [
    ({"risk_level": "extreme"}, "risk_level", "invalid_choice", "Choose risk levels from the list"),
    ({"plan_status": "asleep"}, "plan_status", "invalid_choice", "Choose plan statuses from the list"),
    ({"review": "tomorrow"}, "review", "invalid_choice", "Choose plan reviews from the list"),
    ({"ready_to_close": "maybe"}, "ready_to_close", "invalid", "takes true or false"),
    ({"no_plan": "2"}, "no_plan", "invalid", "takes true or false"),
    ({"ordering": "risk"}, "ordering", "invalid_choice", "Choose how to sort the list"),
]


@pytest.mark.parametrize(("params", "field", "code", "message"), BAD)
def test_a_bad_plan_filter_is_a_field_error_on_the_page_and_a_400_over_the_api(
    client_for, force_a, plans, params, field, code, message
):
    user = _coordinator(force_a)
    before = last_event_id(force_a)
    page = client_for(user, force_a).get("/subjects/", params)
    assert page.status_code == 400
    text = page.content.decode()
    assert "There is a problem" in text and message in text
    assert f'href="#id_{field}"' in text and "ADAMS" not in text
    response = token_client(user, force_a).get("/api/v1/subjects/", params)
    assert response.status_code == 400, response.content
    assert response.json()["codes"] == {field: [code]}
    assert [e for e in events_since(force_a, before) if e.action == AuditAction.CONSULT] == []


@pytest.mark.parametrize(
    "params",
    [{"risk_level": "\x00"}, {"review": "x" * 5000}, {"no_plan": ""}, {"plan_status": ["active", "active"]}],
)
def test_odd_plan_filter_values_are_never_a_500(client_for, force_a, plans, params):
    user = _coordinator(force_a)
    assert client_for(user, force_a).get("/subjects/", params).status_code in (200, 400)
    assert token_client(user, force_a).get("/api/v1/subjects/", params).status_code in (200, 400)


def _page_queries(client: Any, path: str, params: dict[str, Any]) -> int:
    connection.set_schema_to_public()
    client.get(path, params)  # warm up
    connection.set_schema_to_public()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200, response.content[:2000]
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_plans_on_the_page(client_for, force_a, plans):
    user = _coordinator(force_a)
    page_client, api = client_for(user, force_a), token_client(user, force_a)
    filtered = {"risk_level": ["high", "medium"], "review": ["overdue", "due_soon"], "plan_status": "active"}
    small_page = _page_queries(page_client, "/subjects/", {"ordering": "plan_review"})
    small_filtered = _page_queries(page_client, "/subjects/", filtered)
    small_api = _page_queries(api, "/api/v1/subjects/", {"page_size": 5, "ordering": "next_key_date"})
    for n in range(12):
        subject = make_subject(force_a, family_name=f"Many{n:02d}")
        if n % 2:
            active(force_a, subject=subject)
        else:
            make_order(force_a, subject=subject)
    assert _page_queries(page_client, "/subjects/", {"ordering": "plan_review"}) == small_page
    assert _page_queries(page_client, "/subjects/", filtered) == small_filtered
    assert (
        _page_queries(api, "/api/v1/subjects/", {"page_size": 50, "ordering": "next_key_date"}) == small_api
    )
