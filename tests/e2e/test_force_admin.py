"""In a real Chromium: the Lincolnshire force administrator invites an officer, who sets a password
and signs in; the administrator puts them in a neighbourhood team and later removes them, and the
officer's open session on the force's host ends at once. Every page passes axe-core.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from core.roles import ForceRole
from organisation.models import TeamMember
from tenants.models import Membership, User
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_browser import sign_in
from tests.factories import make_user

pytestmark = [pytest.mark.slow, pytest.mark.browser]

OFFICER_EMAIL = "pc.newcomer@lincolnshire.test"
OFFICER_PASSWORD = "a-long-enough-password-42"


def test_invite_team_and_remove_ends_the_officers_session(page, browser, site, committed_forces):  # type: ignore[no-untyped-def]
    lincs, notts = committed_forces
    admin = make_user(force=lincs, roles=[ForceRole.FORCE_ADMIN], email="force.admin@lincolnshire.test")

    # The administrator invites an officer.
    sign_in(page, site, admin.email)
    page.get_by_test_id("nav-force-admin").click()
    check_accessibility(page, "force-admin-index")
    page.get_by_test_id("admin-people").click()
    check_accessibility(page, "people-list")
    page.get_by_test_id("invite-link").click()
    page.get_by_role("button", name="Send invitation").click()  # empty: errors, nothing saved
    assert "Enter the officer" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page, "invite-errors")
    page.get_by_label("Email address").fill(OFFICER_EMAIL)
    page.get_by_label("Full name").fill("Pat Newcomer")
    page.get_by_label("AOU officer / plan author").check()
    page.get_by_role("button", name="Send invitation").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Invitation sent"
    check_accessibility(page, "invited")
    # The link is emailed to the officer only, never shown to the administrator (issue 8).
    assert "/invitations/" not in page.content()
    link = re.search(r"http://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)  # type: ignore[union-attr]
    assert mail.outbox[-1].to == [OFFICER_EMAIL] and link.startswith(site.regional("/invitations/"))

    # The officer, in their own browser, sets a password and lands on the force.
    officer_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    officer_page = officer_context.new_page()
    try:
        officer_page.goto(link)
        check_accessibility(officer_page, "set-password")
        officer_page.get_by_label("New password", exact=True).fill(OFFICER_PASSWORD)
        officer_page.get_by_label("New password confirmation").fill(OFFICER_PASSWORD)
        officer_page.get_by_role("button", name="Set password").click()
        officer_page.wait_for_url(site.force(lincs, "/"))
        assert officer_page.get_by_test_id("current-force").inner_text() == "Lincolnshire Police"
        officer = User.objects.get(email=OFFICER_EMAIL)
        assert Membership.objects.get(user=officer, force=lincs).status == Membership.Status.ACTIVE

        # The administrator creates a neighbourhood team and puts the officer in it.
        page.goto(site.force(lincs, "/force-admin/teams/"))
        check_accessibility(page, "teams")
        page.get_by_label("Name").fill("Lincoln North neighbourhood team")
        page.get_by_label("Kind of team").select_option("neighbourhood")
        page.get_by_role("button", name="Create team").click()
        check_accessibility(page, "team-detail")
        page.get_by_label("Person").select_option(str(officer.uuid))
        page.get_by_test_id("add-member").click()
        assert OFFICER_EMAIL in page.get_by_test_id("team-members").inner_text()
        with schema_context(lincs.schema_name):
            assert TeamMember.objects.filter(user=officer, team__kind="neighbourhood").exists()

        # The officer is working on the force's host...
        officer_page.goto(site.force(lincs, "/"))
        assert officer_page.get_by_test_id("current-force").count() == 1

        # ... when the administrator removes them.
        page.goto(site.force(lincs, "/force-admin/people/"))
        page.get_by_role("link", name="Pat Newcomer").click()
        check_accessibility(page, "person")
        page.get_by_test_id("remove-link").click()
        check_accessibility(page, "remove-confirm")
        page.get_by_label("Reason").fill("Left the force")
        page.get_by_test_id("confirm-remove").click()
        assert (
            "is removed from Lincolnshire Police" in page.locator(".govuk-notification-banner").inner_text()
        )

        # Their very next request on the force's host no longer reaches the force.
        response = officer_page.goto(site.force(lincs, "/"))
        assert response is not None
        assert officer_page.url.startswith(site.regional("/sign-in/")) or response.status == 404
        assert not Membership.objects.filter(user=officer, force=lincs).exists()
        assert not Membership.objects.filter(user=officer, force=notts).exists()
    finally:
        officer_context.close()


def test_settings_page_errors_are_accessible(page, site, committed_forces):  # type: ignore[no-untyped-def]
    lincs, _notts = committed_forces
    admin = make_user(force=lincs, roles=[ForceRole.FORCE_ADMIN])
    sign_in(page, site, admin.email, check=False)
    page.goto(site.force(lincs, "/force-admin/settings/"))
    assert "take effect for new schedules" in page.get_by_test_id("takes-effect").inner_text()
    check_accessibility(page, "settings")
    page.get_by_label("High risk: review every", exact=True).fill("0")
    page.get_by_role("button", name="Save settings").click()
    assert "must be more than zero" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page, "settings-error")
    page.goto(site.force(lincs, "/force-admin/order-types/"))
    check_accessibility(page, "order-types")
    assert "Stalking Protection Act 2019" in page.get_by_test_id("order-types").inner_text()
