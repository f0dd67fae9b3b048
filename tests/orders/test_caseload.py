"""The caseload (issue 11 item 6): the subject list page and the API's subject list with orders,
statuses, the next key date and the need of a plan; filters, sorting and counts; bad filter values
as field errors (page) and 400 ``invalid`` with codes (API); one consult event a page; flat query
counts. Always two forces: nothing of force B is ever listed, counted or filtered in force A."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from audit.choices import AuditAction
from core.roles import ForceRole
from orders.caseload import EXPIRING_WITHIN_DAYS, CaseloadFilter, KeyDateKind
from orders.models import NotificationRequirement, OrderStatus, ProtectiveOrder, RequirementState
from organisation.models import Area, Team
from tests.api.base import events_since, last_event_id, token_client
from tests.factories import make_subject, make_user
from tests.orders.helpers import make_order, today

pytestmark = pytest.mark.django_db


def _in(force: Any, fn: Any) -> Any:
    with schema_context(force.schema_name):
        result = fn()
    connection.set_schema_to_public()
    return result


def _set_order(force: Any, order: ProtectiveOrder, **fields: Any) -> None:
    """Arrange an order's dates or status directly (the services' own rules are tested elsewhere)."""
    _in(force, lambda: ProtectiveOrder.objects.filter(pk=order.pk).update(**fields))


def _notified(force: Any, order: ProtectiveOrder) -> None:
    _in(force, lambda: NotificationRequirement.objects.filter(order=order).update(notified_on=today()))


@dataclass
class Caseload:
    north: Team
    south: Team
    lincoln: Area
    boston: Area
    adams: Any  # SPO in force, served 10 days ago: its notification is overdue; North, Lincoln
    baker: Any  # DAPO in force ending in 30 days, notified; South, Boston
    clark: Any  # SHPO expired; MoPI review in 200 days
    dixon: Any  # no order; MoPI review in 10 days; North
    evans_b: Any  # force B: an SPO with an overdue notification (never seen from A)


@pytest.fixture
def caseload(force_a, force_b) -> Caseload:  # type: ignore[no-untyped-def]
    def organise() -> tuple[Team, Team, Area, Area]:
        return (
            Team.objects.create(name="North AOU", kind="aou"),
            Team.objects.create(name="South AOU", kind="aou"),
            Area.objects.create(name="Lincoln", code="LINC"),
            Area.objects.create(name="Boston", code="BOST"),
        )

    north, south, lincoln, boston = _in(force_a, organise)
    adams = make_subject(force_a, family_name="Adams", managing_team=north, area=lincoln)
    make_order(force_a, code="SPO", subject=adams, niche_occurrence_ref="lincolnshire-OCC-1")

    baker = make_subject(force_a, family_name="Baker", managing_team=south, area=boston)
    dapo = make_order(
        force_a,
        code="DAPO",
        subject=baker,
        until_further_order=False,
        expires_on=today() + dt.timedelta(days=30),
    )
    _notified(force_a, dapo)

    clark = make_subject(force_a, family_name="Clark", next_review_date=today() + dt.timedelta(days=200))
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
    dixon = make_subject(
        force_a, family_name="Dixon", managing_team=north, next_review_date=today() + dt.timedelta(days=10)
    )

    evans_b = make_subject(force_b, family_name="Evans")
    make_order(force_b, code="SPO", subject=evans_b)
    return Caseload(north, south, lincoln, boston, adams, baker, clark, dixon, evans_b)


def _coordinator(force: Any) -> Any:
    return make_user(force=force, roles=[ForceRole.COORDINATOR])


def _names(response: Any) -> list[str]:
    """The family names in the page's table, in order."""
    assert response.status_code == 200, response.content[:3000]
    rows = re.findall(
        r'<tr class="govuk-table__row" data-subject="[^"]+">\s*<th[^>]*>\s*<a[^>]*>([A-Z]+),',
        response.content.decode(),
    )
    return rows


def _api_names(client: Any, **params: Any) -> list[str]:
    response = client.get("/api/v1/subjects/", params)
    assert response.status_code == 200, response.content
    return [r["family_name"] for r in response.json()["results"]]


# -- filters, each on the page and over the API ------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["ADAMS", "BAKER", "CLARK", "DIXON"]),
        ({"order_type": "SPO"}, ["ADAMS"]),
        ({"order_type": ["SPO", "DAPO"]}, ["ADAMS", "BAKER"]),
        ({"order_status": "active"}, ["ADAMS", "BAKER"]),
        ({"order_status": "expired"}, ["CLARK"]),
        ({"order_type": "SHPO", "order_status": "active"}, []),  # one order of that type in that status
        ({"order_type": "SHPO", "order_status": "expired"}, ["CLARK"]),
        ({"expiring": "true"}, ["BAKER"]),
        ({"overdue": "true"}, ["ADAMS"]),
        ({"overdue": "false"}, ["ADAMS", "BAKER", "CLARK", "DIXON"]),
        ({"expiring": "true", "overdue": "true"}, []),
    ],
)
def test_each_order_filter_on_the_page_and_over_the_api(client_for, force_a, caseload, params, expected):
    user = _coordinator(force_a)
    assert _names(client_for(user, force_a).get("/subjects/", params)) == expected
    api = [n.upper() for n in _api_names(token_client(user, force_a), **params)]
    assert api == expected


def test_team_and_area_filters(client_for, force_a, caseload):
    user = _coordinator(force_a)
    client = client_for(user, force_a)
    api = token_client(user, force_a)
    north, boston = str(caseload.north.uuid), str(caseload.boston.uuid)
    assert _names(client.get("/subjects/", {"team": north})) == ["ADAMS", "DIXON"]
    assert _names(client.get("/subjects/", {"area": boston})) == ["BAKER"]
    assert _names(client.get("/subjects/", {"team": north, "area": boston})) == []
    assert _api_names(api, team=north) == ["Adams", "Dixon"]
    assert _api_names(api, team=north, order_type="SPO") == ["Adams"]


def test_an_order_filter_past_its_end_date_but_still_in_force_counts_as_ending(client_for, force_a, caseload):
    later = make_subject(force_a, family_name="Later")
    order = make_order(force_a, code="DAPO", subject=later)
    # Far beyond the window: not ending soon; then past its end date while still in force: ending.
    _set_order(force_a, order, until_further_order=False, expires_on=today() + dt.timedelta(days=200))
    client = client_for(_coordinator(force_a), force_a)
    assert _names(client.get("/subjects/", {"expiring": "true"})) == ["BAKER"]
    _set_order(force_a, order, expires_on=today() - dt.timedelta(days=3))
    assert _names(client.get("/subjects/", {"expiring": "true"})) == ["BAKER", "LATER"]
    # Recorded as expired, it no longer needs anyone.
    _set_order(force_a, order, status=OrderStatus.EXPIRED)
    assert _names(client.get("/subjects/", {"expiring": "true"})) == ["BAKER"]
    window = today() + dt.timedelta(days=EXPIRING_WITHIN_DAYS)
    _set_order(force_a, order, status=OrderStatus.ACTIVE, expires_on=window)
    assert _names(client.get("/subjects/", {"expiring": "true"})) == ["BAKER", "LATER"]


def test_the_overdue_filter_agrees_with_each_requirements_state(force_a, caseload):
    """The SQL of the list (``NotificationRequirementQuerySet.overdue``) and ``state()`` agree."""
    for order in (make_order(force_a, subject=caseload.dixon), make_order(force_a, code="DAPO")):
        _set_order(force_a, order)
    suspended = make_order(force_a)
    _in(force_a, lambda: NotificationRequirement.objects.filter(order=suspended).update(suspended=True))
    due = make_order(force_a, made_on=today(), served_on=today())

    def check() -> None:
        rows = list(NotificationRequirement.objects.all())
        overdue = set(NotificationRequirement.objects.overdue().values_list("pk", flat=True))
        open_ = set(NotificationRequirement.objects.open().values_list("pk", flat=True))
        assert {r.pk for r in rows if r.state() == RequirementState.OVERDUE} == overdue
        assert {r.pk for r in rows if r.state() in (RequirementState.DUE, RequirementState.OVERDUE)} == open_
        assert overdue and open_ - overdue  # both kinds present, so the check can fail

    _in(force_a, check)
    assert due.uuid


# -- sorting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("family_name", ["ADAMS", "BAKER", "CLARK", "DIXON"]),
        ("-family_name", ["DIXON", "CLARK", "BAKER", "ADAMS"]),
        # Adams's notification was due 8 days ago; Dixon's MoPI review is in 10 days; Baker's DAPO
        # ends in 30; Clark's only date is a review in 200 days (his order has expired).
        ("next_key_date", ["ADAMS", "DIXON", "BAKER", "CLARK"]),
        # Only Baker has a live order with an end date; the others follow by name.
        ("order_expiry", ["BAKER", "ADAMS", "CLARK", "DIXON"]),
        ("created_at", ["ADAMS", "BAKER", "CLARK", "DIXON"]),
        ("-created_at", ["DIXON", "CLARK", "BAKER", "ADAMS"]),
    ],
)
def test_sorting_on_the_page_and_over_the_api(client_for, force_a, caseload, ordering, expected):
    user = _coordinator(force_a)
    assert _names(client_for(user, force_a).get("/subjects/", {"ordering": ordering})) == expected
    assert [n.upper() for n in _api_names(token_client(user, force_a), ordering=ordering)] == expected


def test_the_row_shows_orders_the_key_date_and_whether_a_plan_is_needed(client_for, force_a, caseload):
    user = _coordinator(force_a)
    results = {
        r["family_name"]: r for r in token_client(user, force_a).get("/api/v1/subjects/").json()["results"]
    }
    adams, baker, clark, dixon = (results[n] for n in ("Adams", "Baker", "Clark", "Dixon"))
    assert [(o["order_type"], o["status"]) for o in adams["orders"]] == [("SPO", "active")]
    assert adams["next_key_date"] == (today() - dt.timedelta(days=8)).isoformat()  # served 10 days ago + 2
    assert adams["next_key_date_kind"] == KeyDateKind.NOTIFICATION
    assert adams["overdue_notification"] is True and adams["order_ending_soon"] is False
    assert adams["needs_plan"] is True  # every SPO subject, by a new force's plan scope
    assert baker["next_key_date"] == (today() + dt.timedelta(days=30)).isoformat()
    assert baker["next_key_date_kind"] == KeyDateKind.ORDER_EXPIRY
    assert baker["order_ending_soon"] is True and baker["needs_plan"] is False  # DAPO: no rule
    assert [(o["order_type"], o["status"]) for o in clark["orders"]] == [("SHPO", "expired")]
    assert clark["next_key_date_kind"] == KeyDateKind.MOPI_REVIEW and clark["needs_plan"] is False
    assert dixon["orders"] == [] and dixon["next_key_date_kind"] == KeyDateKind.MOPI_REVIEW

    page = client_for(user, force_a).get("/subjects/").content.decode()
    assert "Needs a plan" in page and "Notification overdue" in page and "In force" in page
    assert "DAPO ends" in page and "MoPI review" in page and "Notification due" in page
    assert "EVANS" not in page


def test_needs_a_plan_follows_the_forces_plan_scope(client_for, force_a, caseload):
    from organisation.practice import update_practice_settings

    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    _in(
        force_a,
        lambda: update_practice_settings(actor=admin, plan_scope={"DAPO": "registered-sex-offenders"}),
    )
    api = token_client(_coordinator(force_a), force_a)

    def needs() -> dict[str, bool]:
        return {r["family_name"]: r["needs_plan"] for r in api.get("/api/v1/subjects/").json()["results"]}

    assert needs() == {"Adams": False, "Baker": False, "Clark": False, "Dixon": False}
    _in(
        force_a,
        lambda: (
            type(caseload.baker).objects.filter(pk=caseload.baker.pk).update(registered_sex_offender=True)
        ),
    )
    assert needs()["Baker"] is True


# -- counts ----------------------------------------------------------------------------------


def test_counts_of_the_whole_list_and_each_facet(client_for, force_a, caseload):
    user = _coordinator(force_a)
    page = client_for(user, force_a).get("/subjects/")
    text = page.content.decode()

    def count(testid: str) -> str:
        found = re.search(rf'data-testid="{testid}">(\d+)<', text)
        assert found, testid
        return found.group(1)

    assert (count("count-total"), count("count-expiring"), count("count-overdue")) == ("4", "1", "1")
    assert "?expiring=true" in text and "?overdue=true" in text  # "Show only these"
    api = token_client(user, force_a)
    assert api.get("/api/v1/subjects/").json()["counts"] == {"total": 4, "expiring": 1, "overdue": 1}
    # Counts follow the filters (and the search), over every page, not only the one shown.
    assert api.get("/api/v1/subjects/", {"team": str(caseload.north.uuid), "page_size": 1}).json()[
        "counts"
    ] == {"total": 2, "expiring": 0, "overdue": 1}
    text = client_for(user, force_a).get("/subjects/", {"order_type": "DAPO"}).content.decode()
    assert (count("count-total"), count("count-expiring"), count("count-overdue")) == ("1", "1", "0")


def test_force_b_sees_only_its_own_caseload(client_for, force_a, force_b, caseload):
    user_b = _coordinator(force_b)
    assert _names(client_for(user_b, force_b).get("/subjects/", {"order_type": "SPO"})) == ["EVANS"]
    api = token_client(user_b, force_b)
    assert api.get("/api/v1/subjects/").json()["counts"] == {"total": 1, "expiring": 0, "overdue": 1}
    # A team of force A is not a team here: a field error, not an empty list that hides it.
    response = api.get("/api/v1/subjects/", {"team": str(caseload.north.uuid)})
    assert response.status_code == 400 and response.json()["codes"] == {"team": ["invalid_choice"]}


# -- bad values: field errors and 400s, never a 500 ------------------------------------------------

BAD = [
    ({"order_type": "NOPE"}, "order_type", "invalid_choice", "Choose order types from the list"),
    ({"order_status": "asleep"}, "order_status", "invalid_choice", "Choose order statuses from the list"),
    ({"team": "not-a-uuid"}, "team", "invalid_choice", "Choose a managing team from the list"),
    ({"team": str(uuid.uuid4())}, "team", "invalid_choice", "Choose a managing team from the list"),
    ({"area": "0"}, "area", "invalid_choice", "Choose an area from the list"),
    ({"expiring": "soon"}, "expiring", "invalid", "takes true or false"),
    ({"overdue": "2"}, "overdue", "invalid", "takes true or false"),
    ({"ordering": "name_search"}, "ordering", "invalid_choice", "Choose how to sort the list"),
]


@pytest.mark.parametrize(("params", "field", "code", "message"), BAD)
def test_a_bad_filter_is_a_field_error_on_the_page_and_a_400_over_the_api(
    client_for, force_a, caseload, params, field, code, message
):
    user = _coordinator(force_a)
    before = last_event_id(force_a)
    page = client_for(user, force_a).get("/subjects/", params)
    assert page.status_code == 400
    text = page.content.decode()
    assert "There is a problem" in text and message in text
    assert f'href="#id_{field}"' in text and f'id="id_{field}"' in text  # the summary links to the field
    assert "<title>Error:" in text and "ADAMS" not in text  # nothing listed, so nothing read
    response = token_client(user, force_a).get("/api/v1/subjects/", params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and body["codes"] == {field: [code]}
    assert [e for e in events_since(force_a, before) if e.action == AuditAction.CONSULT] == []


@pytest.mark.parametrize(
    "params",
    [
        {"order_type": "\x00"},
        {"team": "\x00"},
        {"order_status": "x" * 5000},
        {"ordering": ""},
        {"expiring": ""},
        {"page": "-1", "order_type": "SPO"},
        {"order_type": ["SPO", "SPO", "DAPO"]},
    ],
)
def test_odd_filter_values_are_never_a_500(client_for, force_a, caseload, params):
    user = _coordinator(force_a)
    assert client_for(user, force_a).get("/subjects/", params).status_code in (200, 400)
    assert token_client(user, force_a).get("/api/v1/subjects/", params).status_code in (200, 400, 404)


# -- the page: audit, search with filters, readers without orders, query counts ---------------------


def test_one_consult_event_a_page_naming_the_subjects_shown(client_for, force_a, force_b, caseload):
    user = _coordinator(force_a)
    before_a, before_b = last_event_id(force_a), last_event_id(force_b)
    assert _names(client_for(user, force_a).get("/subjects/", {"order_status": "active"})) == [
        "ADAMS",
        "BAKER",
    ]
    events = events_since(force_a, before_a)
    assert [(e.action, e.object_type) for e in events] == [(AuditAction.CONSULT, "subject")]
    assert events[0].object_ids == [caseload.adams.uuid, caseload.baker.uuid]
    assert events_since(force_b, before_b) == []


def test_a_search_keeps_the_filters_and_its_terms_stay_out_of_the_url(client_for, force_a, caseload):
    make_subject(force_a, family_name="Adamson")
    client = client_for(_coordinator(force_a), force_a)
    posted = client.post("/subjects/?order_type=SPO&ordering=-family_name", {"q": "adams"})
    assert posted.status_code == 302
    location = posted["Location"]
    assert (
        "adams" not in location.lower()
        and "order_type=SPO" in location
        and "ordering=-family_name" in location
    )
    assert _names(client.get(location)) == ["ADAMS"]  # Adamson matches the search, not the filter
    # The filter panel keeps the search (its opaque key) and the pagination keeps both.
    key = re.search(r"search=([\w-]+)", location).group(1)  # type: ignore[union-attr]
    assert f'name="search" value="{key}"' in client.get(location).content.decode()


def test_a_reader_who_may_not_see_orders_gets_the_list_without_them(client_for, force_a, caseload):
    reader = make_user(force=force_a, roles=[ForceRole.DISCLOSURE_OFFICER])
    page = client_for(reader, force_a).get("/subjects/")
    text = page.content.decode()
    assert _names(page) == ["ADAMS", "BAKER", "CLARK", "DIXON"]
    assert "Order type" not in text and "Needs a plan" not in text and "In force" not in text
    assert 'data-testid="count-expiring"' not in text
    api = token_client(reader, force_a)
    body = api.get("/api/v1/subjects/").json()
    assert body["counts"] == {"total": 4}
    assert {(r["orders"], r["needs_plan"], r["overdue_notification"]) for r in body["results"]} == {
        (None, None, None)
    }
    # Dixon's MoPI review is the subject's own; the orders' dates are not shown.
    assert {r["family_name"]: r["next_key_date_kind"] for r in body["results"]} == {
        "Adams": None,
        "Baker": None,
        "Clark": KeyDateKind.MOPI_REVIEW,
        "Dixon": KeyDateKind.MOPI_REVIEW,
    }
    assert _api_names(api, order_type="SPO") == []  # no orders to see, so none matches


def _page_queries(client: Any, path: str, params: dict[str, Any]) -> int:
    connection.set_schema_to_public()
    client.get(path, params)  # warm up (a token's first use is recorded once)
    connection.set_schema_to_public()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200, response.content[:2000]
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_the_page(client_for, force_a, caseload):
    """A page of 5 and a page of 50 (API), 4 rows and 25 (page), each row with orders: equal counts."""
    user = _coordinator(force_a)
    page_client, api = client_for(user, force_a), token_client(user, force_a)
    every_filter = {"order_status": ["active", "made"], "team": str(caseload.north.uuid)}
    small_page = _page_queries(page_client, "/subjects/", {"ordering": "next_key_date"})
    small_filtered = _page_queries(page_client, "/subjects/", every_filter)
    small_api = _page_queries(api, "/api/v1/subjects/", {"page_size": 5, "ordering": "next_key_date"})
    for n in range(50):
        subject = make_subject(force_a, family_name=f"Many{n:02d}", managing_team=caseload.north)
        make_order(force_a, subject=subject)
        if n % 2:
            make_order(force_a, code="DAPO", subject=subject)
    assert _page_queries(page_client, "/subjects/", {"ordering": "next_key_date"}) == small_page
    assert _page_queries(page_client, "/subjects/", every_filter) == small_filtered
    assert (
        _page_queries(api, "/api/v1/subjects/", {"page_size": 50, "ordering": "next_key_date"}) == small_api
    )


def test_the_caseload_is_registered_for_the_subject_list():
    from core.caseload import caseload_filterset
    from subjects.filters import SubjectListFilter

    # The plans extend the orders' caseload (tests/plans/test_caseload.py).
    assert issubclass(caseload_filterset(SubjectListFilter), CaseloadFilter)
