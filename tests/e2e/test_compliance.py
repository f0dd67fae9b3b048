"""In a real Chromium (issue 13, "Done when"): a coordinator works the review queue and completes a
review term by term (an empty save comes back as field errors); a neighbourhood officer sees the
visit tasked to their team and records "no reply"; an analyst reads the trends. Every page passes
axe-core under the page's own CSP (the charts are images served by their own URL)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from compliance import services
from compliance.models import ComplianceReview, Visit
from core.roles import ForceRole
from plans.models import Plan
from tests.compliance.helpers import make_case, today
from tests.e2e.conftest import Site, check_accessibility
from tests.e2e.test_browser import sign_in
from tests.factories import make_user

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _sign_out(page: Any) -> None:
    page.get_by_test_id("sign-out").click()
    page.wait_for_load_state()


def test_queue_review_visit_and_trends(page, site: Site, committed_forces) -> None:
    lincs, notts = committed_forces
    case = make_case(lincs)
    make_case(notts)
    with schema_context(lincs.schema_name):
        Plan.objects.filter(pk=case["plan"].pk).update(next_review_due=today() - dt.timedelta(days=3))
        services.schedule_visit(
            actor=None,
            subject=case["subject"],
            window_from=today() - dt.timedelta(days=1),
            window_to=today() + dt.timedelta(days=1),
            assigned_team=case["npt"],
            time_band="evening",
        )
    connection.set_schema_to_public()

    # The coordinator works the queue.
    sign_in(page, site, case["coordinator"].email, check=False)
    page.goto(site.force(lincs, "/reviews/"))
    check_accessibility(page, "review-queue")
    page.get_by_test_id("queue-overdue").get_by_test_id("review-link").click()
    page.get_by_label(re.compile("^Why")).fill("Quarterly compliance review")
    page.get_by_role("button", name="Open the case file").click()
    page.wait_for_url(re.compile(r".*/compliance/review/$"))
    check_accessibility(page, "review-form")
    page.get_by_test_id("complete-review").click()
    assert "Choose a result for term 1" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page, "review-form-errors")
    page.get_by_label("Complied").check()
    page.get_by_label("Evidence for term 1").fill("Seen at home; no contact reported.")
    page.get_by_label("Plan unchanged").check()
    page.get_by_test_id("complete-review").click()
    page.wait_for_url(re.compile(r".*/reviews/$"))
    assert "Review of" in page.locator("body").inner_text()
    with schema_context(lincs.schema_name):
        assert ComplianceReview.objects.count() == 1
    connection.set_schema_to_public()
    _sign_out(page)

    # The neighbourhood officer records "no reply".
    sign_in(page, site, case["visitor"].email, check=False)
    page.goto(site.force(lincs, "/visits/mine/"))
    check_accessibility(page, "my-visits")
    page.get_by_test_id("record-outcome").click()
    check_accessibility(page, "visit-outcome")
    page.get_by_label("No reply").check()
    page.get_by_test_id("save-outcome").click()
    page.wait_for_url(re.compile(r".*/visits/mine/$"))
    with schema_context(lincs.schema_name):
        assert Visit.objects.get().outcome == "no-reply"
    connection.set_schema_to_public()
    _sign_out(page)

    # The analyst reads the trends: charts load as images under the CSP, with their tables.
    analyst = make_user(force=lincs, roles=[ForceRole.ANALYST], email="analyst@lincs.test")
    sign_in(page, site, analyst.email, check=False)
    page.goto(site.force(lincs, "/trends/"))
    check_accessibility(page, "trends")
    for img in page.locator("img.spmp-chart").all():
        assert img.evaluate("i => i.complete && i.naturalWidth > 0")
    assert not page.problems.csp_violations and not page.problems.failed_requests
    # ...and the outcomes: the base, the table with small counts suppressed, under axe.
    page.goto(site.force(lincs, "/outcomes/"))
    check_accessibility(page, "outcomes")
    assert page.get_by_test_id("outcomes-table").is_visible()
    assert "fewer than 10" in page.get_by_test_id("outcomes-table").inner_text()
    assert not page.problems.csp_violations and not page.problems.failed_requests
