"""In a real Chromium (issue 15, "Done when"): the regional administrator reads the East Midlands
report with the short force tagged, changes a scenario and sees the totals move (htmx), and downloads
the PDF and the CSV; a coordinator reads their force's /resourcing/. Every page passes axe-core under
its own CSP (the charts are images served by their own URL)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from core.roles import RegionalRoleKind
from jobs.registry import run_for_force
from resourcing.demo import seed_history
from tenants.models import Region
from tests.e2e.conftest import Site, check_accessibility
from tests.e2e.test_browser import go_by_nav, sign_in
from tests.factories import make_user
from tests.resourcing.helpers import staffed_case

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_regional_report_scenario_and_downloads(page: Any, site: Site, committed_forces: Any) -> None:
    lincs, notts = committed_forces
    staffed_case(lincs, hours=100)
    case = staffed_case(notts, hours=0.5)
    today = timezone.localdate()
    for force in (lincs, notts):
        with schema_context(force.schema_name):
            seed_history(force, today, days=120)
        connection.set_schema_to_public()
    run_for_force("capacity_snapshot", lincs, today)
    admin = make_user(regional=(RegionalRoleKind.REGIONAL_ADMIN, Region.objects.get(slug="east-midlands")))

    sign_in(page, site, admin.email, check=False)
    go_by_nav(page, "nav-region-report")
    page.wait_for_selector('[data-testid="forces"]')
    check_accessibility(page, "region-report")
    assert page.get_by_test_id(f"force-{notts.slug}").get_by_test_id("short").is_visible()
    assert page.get_by_test_id(f"force-{lincs.slug}").get_by_test_id("short").count() == 0
    before = float(page.get_by_test_id("total-demand").inner_text())
    page.get_by_label("Caseload grows by (%)").fill("50")
    page.get_by_role("button", name="Recalculate").click()
    page.wait_for_function(
        "b => parseFloat(document.querySelector('[data-testid=total-demand]').innerText) > b", arg=before
    )
    after = float(page.get_by_test_id("total-demand").inner_text())
    assert after == pytest.approx(before * 1.5, rel=0.02)
    check_accessibility(page, "region-report-scenario")
    with page.expect_download() as csv_download:
        page.get_by_test_id("csv").click()
    assert csv_download.value.suggested_filename.endswith(".csv")
    with page.expect_download() as pdf_download:
        page.get_by_test_id("pdf").click()
    assert pdf_download.value.suggested_filename.endswith(".pdf")

    # A bad scenario: field errors, nothing recomputed.
    page.goto(site.regional("/region/report/?growth=-100"))
    assert "less than 100%" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page, "region-report-errors")

    # The short force's coordinator sees the same on their own page.
    page.get_by_test_id("sign-out").click()
    page.wait_for_load_state()
    sign_in(page, site, case["coordinator"].email, check=False)
    page.goto(site.force(notts, "/resourcing/"))
    assert page.get_by_test_id("short-warning").is_visible()
    check_accessibility(page, "resourcing")
