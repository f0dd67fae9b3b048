"""In a real Chromium, under axe-core: a coordinator imports a caseload (issue 11, item 7). A bad file
is refused on the upload page; a file with bad rows lists them by row and column on the check page;
a possible duplicate must be confirmed; then the import records the subjects and their orders."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django_tenants.utils import schema_context

from core.roles import ForceRole
from orders.models import ProtectiveOrder
from subjects.models import Subject
from tests.e2e.conftest import Site, check_accessibility
from tests.e2e.test_browser import go_by_nav, sign_in
from tests.factories import make_subject, make_user
from tests.orders.imports import csv_bytes, row, today, uk

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _choose(page: Any, path: Path) -> None:
    page.get_by_label("Upload a caseload file").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state()


def test_coordinator_uploads_checks_confirms_and_imports(page, site: Site, committed_forces, tmp_path):
    lincs, notts = committed_forces
    coordinator = make_user(force=lincs, roles=[ForceRole.COORDINATOR], email="coordinator@lincs.test")
    held = make_subject(
        lincs, family_name="Imported2", given_names="Alex", date_of_birth=dt.date(1980, 2, 14)
    )
    sign_in(page, site, coordinator.email, check=False)
    page.goto(site.force(lincs, "/"))
    go_by_nav(page, "nav-subjects")
    page.get_by_test_id("import-caseload").click()
    page.wait_for_url(re.compile(r".*/subjects/import/$"))
    check_accessibility(page, "import-upload")

    not_csv = tmp_path / "caseload.csv"
    not_csv.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    _choose(page, not_csv)
    assert "not a CSV file" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page, "import-upload-error")

    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        csv_bytes(
            [row(1), row(2, date_of_birth=uk(today() + dt.timedelta(days=5))), row(3, order_type="XYZ")]
        )
    )
    _choose(page, bad)
    page.wait_for_url(re.compile(r".*/subjects/import/check/$"))
    summary = page.get_by_test_id("import-error-summary").inner_text()
    assert "2 problems" in summary and "Row 3, date_of_birth" in summary and "Row 4, order_type" in summary
    assert page.get_by_test_id("import-problems").locator("tbody tr").count() == 2
    check_accessibility(page, "import-check-problems")

    page.get_by_test_id("upload-again").click()
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([row(1), row(2)]))
    _choose(page, good)
    page.wait_for_url(re.compile(r".*/subjects/import/check/$"))
    assert page.get_by_test_id("subjects-new").inner_text() == "2"
    duplicates = page.get_by_test_id("duplicates")
    assert held.display_name in duplicates.inner_text()
    check_accessibility(page, "import-check-duplicates")
    page.get_by_test_id("import-now").click()
    page.wait_for_load_state()
    assert "Row 3: check the possible duplicate" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page, "import-check-unconfirmed")
    with schema_context(lincs.schema_name):
        assert Subject.objects.count() == 1

    page.get_by_label(re.compile(r"^Row 3:")).check()
    page.get_by_test_id("import-now").click()
    page.wait_for_url(re.compile(r".*/subjects/$"))
    assert "Caseload imported: 2 subjects recorded" in page.locator(".govuk-notification-banner").inner_text()
    check_accessibility(page, "subjects-after-import")
    with schema_context(lincs.schema_name):
        assert Subject.objects.count() == 3 and ProtectiveOrder.objects.count() == 2
    with schema_context(notts.schema_name):
        assert Subject.objects.count() == 0
