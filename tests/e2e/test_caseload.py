"""In a real Chromium (issue 11 item 6): a coordinator works the caseload: counts, filters in the
GOV.UK filter panel, "Show only these", removing a filter, sorting, a mistyped filter as a field
error. Every state passes axe-core with no violation at all, on a desktop and a phone-sized screen;
nothing of the other force appears."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from core.roles import ForceRole
from orders.models import NotificationRequirement
from organisation.models import Team
from tests.e2e.conftest import Site
from tests.e2e.test_browser import go_by_nav, sign_in
from tests.e2e.test_journeys import clean
from tests.factories import make_subject, make_user
from tests.orders.helpers import make_order, today

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _rows(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        text.split(",")[0]
        for text in page.get_by_test_id("subject-table").locator("tbody th a").all_inner_texts()
    ]


def _filters(page):  # type: ignore[no-untyped-def]
    """The filter panel's form, opened first where it starts closed (a phone, nothing filtered)."""
    panel = page.get_by_test_id("filter-panel")
    if not panel.evaluate("p => p.open"):
        panel.locator("summary").click()
    return page.get_by_test_id("caseload-filters")


def test_a_coordinator_filters_sorts_and_counts_the_caseload(page, site: Site, committed_forces):
    lincs, notts = committed_forces
    coordinator = make_user(force=lincs, roles=[ForceRole.COORDINATOR], email="caseload@lincs.test")
    with schema_context(lincs.schema_name):
        north = Team.objects.create(name="North AOU", kind="aou")
    connection.set_schema_to_public()
    # Adams: an SPO served 10 days ago, not notified (overdue). Baker: a DAPO ending in 30 days,
    # notified. Carter: no order, a MoPI review in 5 days.
    adams = make_subject(lincs, family_name="Adams", given_names="Amy", managing_team=north)
    make_order(lincs, code="SPO", subject=adams)
    baker = make_subject(lincs, family_name="Baker", given_names="Ben")
    dapo = make_order(
        lincs,
        code="DAPO",
        subject=baker,
        until_further_order=False,
        expires_on=today() + dt.timedelta(days=30),
    )
    with schema_context(lincs.schema_name):
        NotificationRequirement.objects.filter(order=dapo).update(notified_on=today())
    connection.set_schema_to_public()
    make_subject(
        lincs, family_name="Carter", given_names="Cat", next_review_date=today() + dt.timedelta(days=5)
    )
    make_order(notts, code="SPO", subject=make_subject(notts, family_name="Nottsonly"))

    sign_in(page, site, coordinator.email, check=False)
    go_by_nav(page, "nav-subjects")
    assert _rows(page) == ["ADAMS", "BAKER", "CARTER"]
    counts = page.get_by_test_id("caseload-counts")
    assert page.get_by_test_id("count-total").inner_text() == "3"
    assert page.get_by_test_id("count-expiring").inner_text() == "1"
    assert page.get_by_test_id("count-overdue").inner_text() == "1"
    table = page.get_by_test_id("subject-table").inner_text()
    assert "Needs a plan" in table and "Notification overdue" in table and "DAPO ends" in table
    assert "NOTTSONLY" not in page.inner_text("main")
    clean(page, "caseload")

    # The filter panel: an order type and "Notification overdue".
    filters = _filters(page)
    filters.get_by_label("Stalking protection order (SPO)").check()
    filters.get_by_label("Notification overdue").check()
    page.get_by_test_id("apply-filters").click()
    page.wait_for_url(re.compile(r".*order_type=SPO"))
    assert "overdue=true" in page.url
    assert _rows(page) == ["ADAMS"]
    selected = page.get_by_test_id("selected-filters").inner_text()
    assert "Stalking protection order (SPO)" in selected and "Notification overdue" in selected
    clean(page, "caseload-filtered")

    # Remove one filter from the selected list, then clear them all.
    page.get_by_test_id("selected-filters").get_by_role(
        "link", name=re.compile("Notification overdue")
    ).click()
    page.wait_for_load_state()
    assert "overdue" not in page.url and _rows(page) == ["ADAMS"]
    page.get_by_test_id("clear-filters").click()
    page.wait_for_load_state()
    assert _rows(page) == ["ADAMS", "BAKER", "CARTER"]

    # "Show only these" beside a count applies that facet.
    counts.get_by_role("link", name=re.compile("ending within 90 days")).click()
    page.wait_for_url(re.compile(r".*expiring=true"))
    assert _rows(page) == ["BAKER"]
    page.get_by_test_id("clear-filters").click()
    page.wait_for_load_state()

    # Sort by the next key date: Adams's notification (overdue), Carter's review, Baker's DAPO end.
    page.get_by_test_id("caseload-sort").get_by_label("Sort by").select_option("next_key_date")
    page.get_by_test_id("caseload-sort").get_by_role("button", name="Sort").click()
    page.wait_for_url(re.compile(r".*ordering=next_key_date"))
    assert _rows(page) == ["ADAMS", "CARTER", "BAKER"]
    # Filtering keeps the sort order; the team filter is a select.
    _filters(page).get_by_label("Managing team").select_option(label="North AOU")
    page.get_by_test_id("apply-filters").click()
    page.wait_for_url(re.compile(r".*team=.*"))
    assert "ordering=next_key_date" in page.url and _rows(page) == ["ADAMS"]

    # A mistyped filter in an address is a field error, linked from the summary, never a 500.
    response = page.goto(site.force(lincs, "/subjects/?order_status=asleep&overdue=maybe"))
    assert response.status == 400
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Choose order statuses from the list" in summary and "takes true or false" in summary
    assert page.title().startswith("Error:")
    clean(page, "caseload-bad-filter")
