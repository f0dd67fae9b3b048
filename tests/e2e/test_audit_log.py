"""In a real Chromium: an auditor searches the access log and sees field errors; axe-core clean.

Uses the browser fixtures of tests/e2e/conftest.py (Debian's Chromium, a 127.0.0.1 live server, force hosts).
"""

from __future__ import annotations

import uuid

import pytest
from django.apps import apps
from django_tenants.utils import schema_context

from audit.models import AuditEvent
from audit.services import AUDIT_EVENT_OBJECT_TYPE, AuditAction, record_event
from core.roles import ForceRole, RegionalRoleKind
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_browser import sign_in
from tests.factories import make_user

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    # committed data, flushed with TRUNCATE ... CASCADE (see tests/e2e/conftest.py)
    # (app labels' modules: INSTALLED_APPS may name an AppConfig, as core.admin_site.MfaAdminConfig)
    pytest.mark.django_db(
        transaction=True, available_apps=[config.name for config in apps.get_app_configs()]
    ),
]


def test_auditor_searches_the_access_log(page, site, committed_forces):
    lincs, _notts = committed_forces
    auditor = make_user(force=lincs, roles=[ForceRole.AUDITOR], email="auditor@lincs.test")
    subject_id = uuid.uuid4()
    with schema_context(lincs.schema_name):
        event = record_event(
            action=AuditAction.CONSULT,
            object_type="subject",
            object_ids=[subject_id],
            justification="weekly review",
        )
    sign_in(page, site, auditor.email)
    page.goto(site.force(lincs, "/"))
    page.get_by_test_id("nav-audit").click()
    page.wait_for_url(site.force(lincs, "/audit/"))
    check_accessibility(page, "audit-search-form")

    page.get_by_label("Record id").fill("not-a-uuid")
    page.get_by_label("From", exact=True).fill("2026-03-02")
    page.get_by_label("To", exact=True).fill("2026-03-01")
    page.get_by_test_id("audit-search").click()
    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "as a UUID" in summary and "same as or after" in summary
    check_accessibility(page, "audit-search-errors")

    page.get_by_label("Record id").fill(str(subject_id))
    page.get_by_label("From", exact=True).fill("")
    page.get_by_label("To", exact=True).fill("")
    page.get_by_test_id("audit-search").click()
    page.wait_for_load_state()
    table = page.get_by_test_id("audit-table")
    assert "weekly review" in table.inner_text()
    assert page.locator(f'[data-event="{event.uuid}"]').count() == 1
    assert page.get_by_test_id("marking").inner_text() == "OFFICIAL-SENSITIVE"
    check_accessibility(page, "audit-search-results")
    assert page.problems.csp_violations == []

    with schema_context(lincs.schema_name):
        reads = AuditEvent.objects.filter(actor_id=auditor.pk, object_type=AUDIT_EVENT_OBJECT_TYPE)
        assert [r.object_ids for r in reads] == [[event.uuid]]


def test_platform_admin_reads_the_platform_log(page, site, committed_forces):
    lincs, _notts = committed_forces
    admin = make_user(regional=(RegionalRoleKind.PLATFORM_ADMIN, None), email="platform@admin.test")
    sign_in(page, site, admin.email)
    page.goto(site.regional("/audit/"))
    check_accessibility(page, "platform-log")
    page.get_by_test_id("onboardings").click()
    page.wait_for_load_state()
    assert f"Onboarded force {lincs.slug}" in page.get_by_test_id("audit-table").inner_text()
    check_accessibility(page, "platform-log-onboardings")
