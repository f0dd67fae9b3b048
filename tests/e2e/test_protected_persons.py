"""In a real Chromium (issue 11, item 3): the subject's managing team records a protected person and
logs a contact; an officer of another unit sees only that one exists. Every page passes axe-core."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone

from core.roles import ForceRole
from tests.e2e.conftest import Site, check_accessibility
from tests.e2e.test_browser import sign_in
from tests.factories import make_subject, make_user
from tests.orders.helpers import make_order, make_team

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _open_case_file(page: Any, site: Site, force: Any, subject: Any) -> None:
    page.goto(site.force(force, f"/subjects/{subject.uuid}/"))
    page.get_by_label("Why do you need to open this case file?").fill("Checking on the victim's safety")
    page.get_by_role("button", name="Open the case file").click()
    page.wait_for_url(site.force(force, f"/subjects/{subject.uuid}/"))


def test_the_managing_team_records_a_protected_person_and_a_contact(page, site: Site, committed_forces):
    lincs, _notts = committed_forces
    officer = make_user(force=lincs, roles=[ForceRole.OFFICER], email="officer@lincs.test")
    outsider = make_user(force=lincs, roles=[ForceRole.OFFICER], email="outsider@lincs.test")
    team = make_team(lincs, officer, name="Lincoln unit")
    make_team(lincs, outsider, name="Boston unit")
    subject = make_subject(lincs, family_name="Protector", given_names="Paul", managing_team=team)
    make_order(lincs, subject=subject)
    today = timezone.localdate()

    sign_in(page, site, officer.email, check=False)
    _open_case_file(page, site, lincs, subject)
    assert "No protected persons recorded." in page.get_by_test_id("case-file-protected-persons").inner_text()
    page.get_by_test_id("add-protected-person").click()
    check_accessibility(page, "add-protected-person")
    page.get_by_label("Email").fill("not an email")
    page.get_by_role("button", name="Add protected person").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter full name" in summary and "Enter an email address" in summary
    check_accessibility(page, "add-protected-person-error")
    page.get_by_label("Full name").fill("Rosalind Fairweather")
    page.get_by_label("Email").fill("")
    page.get_by_label("Relationship to the subject").select_option("former-partner")
    page.get_by_label(re.compile("Stalking protection order")).check()
    page.get_by_label("How to contact them safely").fill("Text first, never after 6pm")
    page.get_by_role("button", name="Add protected person").click()
    page.wait_for_url(re.compile(r".*/protected-persons/[0-9a-f-]{36}/$"))
    person_url = page.url
    assert page.get_by_test_id("protected-person-heading").inner_text() == "Rosalind Fairweather"
    check_accessibility(page, "protected-person")

    page.get_by_test_id("log-contact").click()
    check_accessibility(page, "log-contact")
    page.locator("#id_contacted_on_day").fill(str(today.day))
    page.locator("#id_contacted_on_month").fill(str(today.month))
    page.locator("#id_contacted_on_year").fill(str(today.year))
    page.get_by_label("How", exact=True).select_option("phone")
    page.get_by_label("What was said").fill("Feels safer since the order was served")
    page.get_by_label("Did they feel reassured?").select_option("yes")
    page.get_by_role("button", name="Log contact").click()
    page.wait_for_url(person_url)
    assert "Feels safer" in page.get_by_test_id("contact-log").inner_text()
    check_accessibility(page, "protected-person-with-contact")
    problems = page.problems
    assert problems.csp_violations == [] and problems.page_errors == [], problems.page_errors

    # An officer of another unit opens the same case file: only that one exists.
    page.context.clear_cookies()
    sign_in(page, site, outsider.email, check=False)
    _open_case_file(page, site, lincs, subject)
    section = page.get_by_test_id("case-file-protected-persons").inner_text()
    assert "1 protected person recorded" in section and "Rosalind" not in section
    check_accessibility(page, "case-file-protected-persons-count")
    assert page.goto(person_url).status == 404
