"""In a real Chromium (issue 12, "Done when"): an officer drafts a revision of the plan over two
sittings and submits it; a supervisor compares it with the previous version and approves it; the
review date follows the risk level; the PDF downloads with the marking on every page (each page's
text read back). Every page passes axe-core, under the page's real CSP."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from core.roles import ForceRole
from tests.e2e.conftest import Site, check_accessibility
from tests.e2e.test_browser import sign_in
from tests.factories import make_subject, make_user
from tests.orders.helpers import make_order, make_team, make_term
from tests.plans.helpers import VICTIM, active

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _open_plan(page: Any, site: Site, force: Any, subject: Any) -> None:
    page.goto(site.force(force, f"/subjects/{subject.uuid}/"))
    page.get_by_label("Why do you need to open this case file?").fill("Reviewing the plan")
    page.get_by_role("button", name="Open the case file").click()
    page.wait_for_url(site.force(force, f"/subjects/{subject.uuid}/"))
    page.goto(site.force(force, f"/subjects/{subject.uuid}/plan/"))
    check_accessibility(page, "plan-overview")


def _sign_out(page: Any) -> None:
    page.context.clear_cookies()


def test_an_officer_drafts_over_two_sittings_a_supervisor_compares_approves_and_exports(
    page, site: Site, committed_forces
):
    lincs, _notts = committed_forces
    officer = make_user(force=lincs, roles=[ForceRole.OFFICER], email="planner@lincs.test")
    boss = make_user(force=lincs, roles=[ForceRole.SUPERVISOR], email="sergeant@lincs.test")
    team = make_team(lincs, officer, name="Lincoln unit")
    subject = make_subject(lincs, family_name="Planned", given_names="Peter", managing_team=team)
    order = make_order(lincs, subject=subject)
    for _ in range(30):  # enough terms for the PDF to run over several pages
        make_term(lincs, order)
    first = active(lincs, subject=subject, with_order=False)  # version 1, high risk, by a colleague
    with schema_context(lincs.schema_name):
        from organisation.practice import get_practice_settings

        expected_review = (
            get_practice_settings().review_interval_for("very-high").next_after(timezone.localdate())
        )
    connection.set_schema_to_public()

    # First sitting: the officer starts the revision and rewrites Part 1.
    sign_in(page, site, officer.email, check=False)
    _open_plan(page, site, lincs, subject)
    page.get_by_test_id("start-draft").click()
    page.wait_for_url(re.compile(r".*/parts/offending/$"))
    check_accessibility(page, "plan-part-1")
    page.get_by_label("Offending summary").fill("Contact escalated to waiting outside her new workplace.")
    page.get_by_test_id("save").click()
    page.wait_for_url(re.compile(r".*/versions/[0-9a-f-]{36}/$"))
    version_url = page.url
    assert page.get_by_test_id("version-status").inner_text() == "Draft"
    check_accessibility(page, "plan-version-draft")
    _sign_out(page)

    # Second sitting: Part 3 (an error first, its summary linking to the options), then submit.
    sign_in(page, site, officer.email, check=False)
    _open_plan(page, site, lincs, subject)
    page.get_by_test_id("open-draft").click()
    page.get_by_test_id("edit-risk").click()
    check_accessibility(page, "plan-part-3")
    page.get_by_label("Risk level", exact=True).select_option("very-high")
    page.get_by_label(f"Risk to {VICTIM}", exact=False).fill("Serious harm; he has found her new workplace.")
    page.get_by_test_id("save").click()
    page.wait_for_url(version_url)
    assert "Very high" in page.get_by_test_id("value-risk_level").inner_text()
    assert VICTIM in page.get_by_test_id("value-victim_risks").inner_text()
    page.get_by_test_id("submit").click()
    page.wait_for_url(version_url)
    assert page.get_by_test_id("version-status").inner_text() == "Submitted for approval"
    check_accessibility(page, "plan-version-submitted")
    _sign_out(page)

    # The supervisor compares with version 1 and approves.
    sign_in(page, site, boss.email, check=False)
    _open_plan(page, site, lincs, subject)
    page.goto(version_url)
    page.get_by_test_id("compare-previous").click()
    assert page.get_by_test_id("changed-risk_level").is_visible()
    assert page.get_by_test_id("changed-offending_summary").is_visible()
    check_accessibility(page, "plan-compare")
    page.goto(version_url)
    page.get_by_test_id("approve").click()
    page.wait_for_url(version_url)
    assert page.get_by_test_id("version-status").inner_text() == "Active"
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert f"{expected_review:%-d %B %Y}" in banner, banner
    check_accessibility(page, "plan-version-approved")
    page.goto(site.force(lincs, f"/subjects/{subject.uuid}/plan/"))
    assert page.get_by_test_id("next-review").inner_text() == f"{expected_review:%-d %B %Y}"

    # The PDF for Niche: named by UUID, OFFICIAL-SENSITIVE in the header and footer of every page.
    page.goto(version_url)
    with page.expect_download() as download:
        page.get_by_test_id("export-pdf").click()
    assert re.fullmatch(r"plan-version-[0-9a-f-]{36}\.pdf", download.value.suggested_filename)
    from pypdf import PdfReader

    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    texts = [p.extract_text() for p in pdf.pages]
    assert len(texts) >= 2, "a four-part plan with its orders runs to more than one page"
    for number, text in enumerate(texts, start=1):
        assert text.count("OFFICIAL-SENSITIVE") >= 2, (number, text[:300])
        assert "Version 2" in text, (number, text[:300])
    problems = page.problems
    assert problems.csp_violations == [] and problems.page_errors == [], problems.page_errors
    assert first.number == 1


def test_add_another_row_swaps_in_a_blank_row_under_the_csp_and_saves_both(
    page, site: Site, committed_forces
):
    """Part 2's "Add another investigation": htmx brings back only the rows (no page load, the
    strategies typed stay, the new row's first box has the focus), then both rows save."""
    lincs, _notts = committed_forces
    officer = make_user(force=lincs, roles=[ForceRole.OFFICER], email="rows@lincs.test")
    team = make_team(lincs, officer, name="Rows unit")
    subject = make_subject(lincs, family_name="Rowed", given_names="Rita", managing_team=team)
    make_order(lincs, subject=subject)
    sign_in(page, site, officer.email, check=False)
    _open_plan(page, site, lincs, subject)
    page.get_by_test_id("start-draft").click()
    page.wait_for_url(re.compile(r".*/parts/offending/$"))
    page.goto(page.url.replace("/parts/offending/", "/parts/management/"))
    check_accessibility(page, "plan-part-2")
    page.get_by_label("Management strategies").fill("Unannounced home visits.")
    rows = page.get_by_test_id("rows-investigations")
    rows.get_by_label("Niche occurrence number").fill("LINCS-OCC-1")
    page.evaluate("window.spmpNoReload = true")
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.get_by_test_id("add-investigations").click()
    page.wait_for_selector('[data-row="2"][data-new-row]')
    assert page.evaluate("window.spmpNoReload") is True  # swapped in, not a new page
    assert page.get_by_label("Management strategies").input_value() == "Unannounced home visits."
    assert page.evaluate("document.activeElement.id") == "id_investigations-1-occurrence_ref"
    check_accessibility(page, "plan-part-2-two-rows")
    page.locator("#id_investigations-1-occurrence_ref").fill("LINCS-OCC-2")
    page.locator("#id_investigations-1-started_on").fill("3/4/2024")
    page.get_by_test_id("save").click()
    page.wait_for_url(re.compile(r".*/versions/[0-9a-f-]{36}/$"))
    saved = page.get_by_test_id("value-investigations").inner_text()
    assert "LINCS-OCC-1" in saved and "LINCS-OCC-2" in saved
    problems = page.problems
    assert problems.csp_violations == [] and problems.page_errors == [], problems.page_errors


def test_the_briefing_prints_on_one_marked_a4_page(page, site: Site, committed_forces):
    """The printable briefing: one A4 page, OFFICIAL-SENSITIVE at its top and bottom, without the
    service's navigation, the back link or the print button; no protected person in it."""
    lincs, _notts = committed_forces
    viewer = make_user(force=lincs, roles=[ForceRole.VIEWER], email="print@lincs.test")
    subject = make_subject(lincs, family_name="Printed", given_names="Paul")
    order = make_order(lincs, subject=subject)
    for _ in range(6):
        make_term(lincs, order)
    version = active(lincs, subject=subject, with_order=False)
    sign_in(page, site, viewer.email, check=False)
    page.goto(site.force(lincs, f"/briefings/{version.plan.uuid}/"))
    check_accessibility(page, "briefing")
    assert page.get_by_role("button", name="Print this briefing").is_visible()
    page.emulate_media(media="print")
    from pypdf import PdfReader

    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    assert len(pdf.pages) == 1, [p.extract_text()[:200] for p in pdf.pages]
    text = pdf.pages[0].extract_text()
    assert text.count("OFFICIAL-SENSITIVE") >= 2, text[:500]
    assert "PRINTED" in text.upper() and "What to do on contact" in text
    for absent in ("Back to briefings", "Print this briefing", "Sign out", "Skip to main content", VICTIM):
        assert absent not in text, absent
    problems = page.problems
    assert problems.csp_violations == [] and problems.page_errors == [], problems.page_errors


def test_the_caseload_shows_plans_and_filters_by_them_under_axe(page, site: Site, committed_forces):
    """The caseload with plans: the plan's status and risk level, "Needs a plan, has none", and
    the plan filters of the panel, each page passing axe."""
    lincs, _notts = committed_forces
    coordinator = make_user(force=lincs, roles=[ForceRole.COORDINATOR], email="caseload@lincs.test")
    planned = make_subject(lincs, family_name="Planned", given_names="Pia")
    active(lincs, subject=planned)
    unplanned = make_subject(lincs, family_name="Unplanned", given_names="Uma")
    make_order(lincs, subject=unplanned)
    sign_in(page, site, coordinator.email, check=False)
    page.goto(site.force(lincs, "/subjects/"))
    table = page.get_by_test_id("subject-table").inner_text()
    assert "Active" in table and "High risk" in table and "Needs a plan, has none" in table
    check_accessibility(page, "caseload-with-plans")
    page.get_by_label("No plan", exact=True).check()
    page.get_by_test_id("apply-filters").click()
    page.wait_for_url(re.compile(r".*no_plan=true.*"))
    table = page.get_by_test_id("subject-table").inner_text()
    assert "UNPLANNED" in table and "PLANNED, Pia" not in table
    check_accessibility(page, "caseload-no-plan")
    problems = page.problems
    assert problems.csp_violations == [] and problems.page_errors == [], problems.page_errors
