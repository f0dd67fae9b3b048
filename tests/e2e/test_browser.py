"""In a real Chromium: sign in, switch force, open a case file with a reason, be refused elsewhere.

Every page visited passes axe-core (no serious or critical violation) with the real CSP on.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django_tenants.utils import schema_context

from audit.choices import AuditAction
from audit.models import AuditEvent
from core.roles import ForceRole
from tenants.models import Membership
from tests.e2e.conftest import Site, check_accessibility
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def sign_in(page: Any, site: Site, email: str, password: str = PASSWORD, *, check: bool = True) -> None:
    page.goto(site.regional("/sign-in/"))
    if check:
        check_accessibility(page, "sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def go_by_nav(page: Any, test_id: str) -> None:
    """Follow a navigation item; on a small screen GOV.UK Frontend first needs the Menu opened."""
    toggle = page.locator(".govuk-service-navigation__toggle")
    if toggle.is_visible():
        toggle.click()
    page.get_by_test_id(test_id).click()


def record_subject(force: Any, actor: Any, **fields: Any) -> Any:
    from subjects.services import create_subject

    with schema_context(force.schema_name):
        return create_subject(actor=actor, **fields)


def test_sign_in_on_the_regional_host_lands_on_my_force(page, site, committed_forces):
    lincs, _notts = committed_forces
    officer = make_user(force=lincs, roles=[ForceRole.OFFICER], email="officer@lincs.test")
    sign_in(page, site, officer.email)
    assert page.url == site.force(lincs, "/")
    assert page.get_by_test_id("current-force").inner_text() == "Lincolnshire Police"
    assert page.get_by_test_id("force-switcher").count() == 0  # one force: nothing to switch
    assert page.get_by_test_id("marking").count() == 0  # the start page shows no case data
    check_accessibility(page, "force-home")
    go_by_nav(page, "nav-subjects")
    assert page.url == site.force(lincs, "/subjects/")
    assert page.get_by_test_id("marking").inner_text() == "OFFICIAL-SENSITIVE"
    check_accessibility(page, "subject-list-empty")
    page.get_by_test_id("sign-out").click()
    page.wait_for_url(site.regional("/sign-in/"))
    page.goto(site.force(lincs, "/subjects/"))
    assert page.url.startswith(site.regional("/sign-in/"))  # signed out everywhere


def test_bad_sign_in_shows_an_error(page, site, committed_forces):
    lincs, _notts = committed_forces
    officer = make_user(force=lincs, roles=[ForceRole.OFFICER])
    sign_in(page, site, officer.email, "not-the-password")
    assert page.url.startswith(site.regional("/sign-in/"))
    summary = page.locator(".govuk-error-summary")
    assert "Enter a correct email address and password" in summary.inner_text()
    assert page.evaluate("document.activeElement.closest('.govuk-error-summary') !== null")  # focused
    check_accessibility(page, "sign-in-error")
    with schema_context("public"):
        assert AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED).exists()


def test_switch_force_with_two_memberships(page, site, committed_forces):
    lincs, notts = committed_forces
    both = make_user(force=lincs, roles=[ForceRole.COORDINATOR], email="both@forces.test")
    Membership.objects.create(user=both, force=notts, roles=[ForceRole.OFFICER])
    sign_in(page, site, both.email)
    assert page.url == site.regional("/")  # several forces: choose one
    check_accessibility(page, "my-forces")
    page.get_by_role("link", name="Lincolnshire Police").first.click()
    page.wait_for_url(site.force(lincs, "/"))
    assert page.get_by_test_id("current-force").inner_text() == "Lincolnshire Police"
    page.get_by_text("Switch force").click()  # a GOV.UK details component
    check_accessibility(page, "force-switcher-open")
    page.get_by_test_id("switch-nottinghamshire").click()
    page.wait_for_url(site.force(notts, "/"))
    assert page.get_by_test_id("current-force").inner_text() == "Nottinghamshire Police"
    assert page.get_by_test_id("switch-lincolnshire").count() == 1
    check_accessibility(page, "switched-force-home")


def test_open_a_case_file_giving_a_reason(page, site, committed_forces):
    lincs, notts = committed_forces
    officer = make_user(force=lincs, roles=[ForceRole.COORDINATOR], email="reader@lincs.test")
    subject = record_subject(
        lincs,
        officer,
        family_name="Hargreaves",
        given_names="Colin",
        pnc_id="98/1234567A",
        aliases=["Col"],
    )
    record_subject(notts, None, family_name="Nottsonly", given_names="Nora")
    sign_in(page, site, officer.email, check=False)
    go_by_nav(page, "nav-subjects")
    table = page.get_by_test_id("subject-table")
    assert "HARGREAVES, Colin" in table.inner_text() and "NOTTSONLY" not in table.inner_text()
    check_accessibility(page, "subject-list")

    page.get_by_role("link", name="HARGREAVES, Colin").click()
    assert page.url == site.force(lincs, f"/subjects/{subject.uuid}/")
    assert page.get_by_test_id("reason-form").count() == 1
    assert "HARGREAVES" not in page.content()
    check_accessibility(page, "reason-for-access")

    page.get_by_role("button", name="Open the case file").click()  # no reason given
    assert "Enter your reason for opening this case file" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page, "reason-for-access-error")

    page.get_by_label("Why do you need to open this case file?").fill("Preparing Tuesday's home visit")
    # GOV.UK Frontend's character count runs (its live message replaces the static one).
    page.wait_for_function(
        "document.querySelector('.govuk-character-count__status')?.textContent.includes('470')"
    )
    page.get_by_role("button", name="Open the case file").click()
    page.wait_for_url(site.force(lincs, f"/subjects/{subject.uuid}/"))
    assert page.get_by_test_id("subject-name").inner_text() == "HARGREAVES, Colin"
    assert page.get_by_test_id("marking").inner_text() == "OFFICIAL-SENSITIVE"
    assert "Preparing Tuesday's home visit" in page.get_by_test_id("access-reason").inner_text()
    check_accessibility(page, "case-file")

    page.reload()  # the same session: no second question, but a second logged consultation
    assert page.get_by_test_id("reason-form").count() == 0
    with schema_context(lincs.schema_name):
        consults = AuditEvent.objects.filter(
            action=AuditAction.CONSULT, object_ids=[subject.uuid], actor_uuid=officer.uuid
        ).order_by("id")
        # One for the list (which showed only this subject), then one per opening, with the reason.
        reason = "Preparing Tuesday's home visit"
        assert [e.justification for e in consults] == ["subject list", reason, reason]


def test_another_forces_host_is_refused(page, site, committed_forces):
    lincs, notts = committed_forces
    officer = make_user(force=lincs, roles=[ForceRole.COORDINATOR], email="lincs-only@lincs.test")
    notts_subject = record_subject(notts, None, family_name="Elsewhere", given_names="Ed")
    sign_in(page, site, officer.email, check=False)
    for path in ("/", "/subjects/", f"/subjects/{notts_subject.uuid}/"):
        response = page.goto(site.force(notts, path))
        assert response.status == 404, path
        assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
        assert "Nottinghamshire" not in page.content() and "ELSEWHERE" not in page.content()
    check_accessibility(page, "other-force-404")
    # Their own force's host still works, and the UUID from the other force names nothing there.
    assert page.goto(site.force(lincs, f"/subjects/{notts_subject.uuid}/")).status == 404
    assert page.goto(site.force(lincs, "/subjects/")).status == 200


def test_pages_run_under_the_csp_without_violations(page, site, committed_forces):
    """GOV.UK Frontend (an ES module) and htmx start with the strict CSP on; nothing is blocked."""
    lincs, _notts = committed_forces
    officer = make_user(force=lincs, roles=[ForceRole.COORDINATOR], email="csp@lincs.test")
    subject = record_subject(lincs, officer, family_name="Policy", given_names="Pat")
    sign_in(page, site, officer.email, check=False)
    visited = []
    for path in ("/", "/subjects/", f"/subjects/{subject.uuid}/", "/subjects/new/"):
        response = page.goto(site.force(lincs, path))
        visited.append(path)
        policy = response.headers["content-security-policy"]
        assert re.search(r"script-src 'self' 'nonce-[^']+'", policy), policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        # The nonce-carrying inline script ran (js-enabled), GOV.UK Frontend's module ran
        # (it marks each component it starts) and htmx loaded.
        page.wait_for_function("document.querySelector('[data-govuk-skip-link-init]') !== null")
        assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
        assert page.evaluate("typeof window.htmx === 'object' && htmx.config.allowEval === false")
    # The error summary's focus is GOV.UK Frontend JS too: proof it handles a real page.
    page.get_by_role("button", name="Record subject").click()
    page.wait_for_function("document.activeElement.classList.contains('govuk-error-summary')")
    check_accessibility(page, "record-subject-errors")
    # Typed input comes back with the errors; a good correction records the subject.
    page.get_by_label("Given names").fill("Robin")
    page.get_by_label("Family name").fill("Newrecord")
    born = page.get_by_role("group", name="Date of birth")
    born.get_by_label("Day").fill("30")
    born.get_by_label("Month").fill("2")
    born.get_by_label("Year").fill("1990")
    page.get_by_role("button", name="Record subject").click()
    assert "Date of birth must be a real date" in page.locator(".govuk-error-summary").inner_text()
    assert page.get_by_label("Family name").input_value() == "Newrecord"
    check_accessibility(page, "record-subject-date-error")
    page.get_by_role("group", name="Date of birth").get_by_label("Day").fill("28")
    page.get_by_role("button", name="Record subject").click()
    page.wait_for_url(re.compile(r".*/subjects/[0-9a-f-]{36}/$"))
    # The recorder is not asked why they open what they have just recorded (issue 9, item 1).
    assert page.get_by_test_id("reason-form").count() == 0
    assert page.get_by_test_id("subject-name").inner_text() == "NEWRECORD, Robin"
    problems = page.problems
    assert problems.csp_violations == [], problems.csp_violations
    assert problems.page_errors == [], problems.page_errors
    assert problems.failed_requests == [], problems.failed_requests
    assert visited


def test_record_a_subject_with_a_profile_and_find_them_by_vrm(page, site, committed_forces):
    """Issue 11: the profile's fields and lists on the record page, their errors, the case file, search."""
    lincs, _notts = committed_forces
    officer = make_user(force=lincs, roles=[ForceRole.COORDINATOR], email="profile@lincs.test")
    sign_in(page, site, officer.email, check=False)
    page.goto(site.force(lincs, "/subjects/new/"))
    page.get_by_label("Given names").fill("Vera")
    page.get_by_label("Family name").fill("Vehicular")
    page.get_by_label("Gender").select_option("female")
    page.get_by_label("Stalking").check()
    page.get_by_label("Vehicles").fill("NOT A CAR 1")
    page.get_by_label("Electronic devices").fill("Mobile phone | Pixel | 490154203237519")
    page.get_by_role("button", name="Record subject").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Vehicle 1: enter a registration mark" in summary and "Luhn" in summary
    check_accessibility(page, "record-subject-profile-errors")
    page.get_by_label("Vehicles").fill("ab12 cde | Ford | Focus | Blue")
    page.get_by_label("Electronic devices").fill("Mobile phone | Pixel | 490154203237518")
    page.get_by_role("button", name="Record subject").click()
    page.wait_for_url(re.compile(r".*/subjects/[0-9a-f-]{36}/$"))  # its recorder is not asked why
    records = page.get_by_test_id("subject-records").inner_text()
    assert "AB12 CDE" in records and "490154203237518" in records
    assert "Stalking" in page.get_by_test_id("subject-profile").inner_text()
    check_accessibility(page, "case-file-with-profile")
    page.goto(site.force(lincs, "/subjects/"))
    page.get_by_label(re.compile("Search by name")).fill("AB12CDE")
    page.get_by_label(re.compile("Search by name")).press("Enter")
    page.wait_for_load_state()
    assert "VEHICULAR, Vera" in page.get_by_test_id("subject-table").inner_text()


def test_regional_administrator_pages(page, site, committed_forces):
    from core.roles import RegionalRoleKind
    from tenants.models import Region

    region = Region.objects.get(slug="east-midlands")
    admin = make_user(regional=(RegionalRoleKind.REGIONAL_ADMIN, region), email="regional@em.test")
    sign_in(page, site, admin.email, check=False)
    assert page.url == site.regional("/")
    check_accessibility(page, "regional-home")
    page.get_by_role("link", name="Manage the forces of your region").click()
    table = page.get_by_test_id("region-forces").inner_text()
    assert "Lincolnshire Police" in table and "Nottinghamshire Police" in table
    check_accessibility(page, "region-forces")
    page.get_by_role("button", name="Onboard force").click()
    assert "There is a problem" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page, "region-forces-errors")
    # A regional administrator holds no membership: a force's host refuses them.
    assert page.goto(site.force(committed_forces[0], "/subjects/")).status == 404
    page.goto(site.regional("/invitations/not-a-token/"))
    assert page.get_by_role("heading", level=1).inner_text() == "This link is not valid"
    check_accessibility(page, "set-password-invalid")
