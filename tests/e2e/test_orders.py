"""In a real Chromium (issue 11, "Done when"): a coordinator records a subject, an SPO served today and
three terms, and sees a notification requirement whose last day is the day after tomorrow. Every
page passes axe-core; bad dates come back as field errors."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from audit.choices import AuditAction, RecordType
from audit.models import AuditEvent
from core.roles import ForceRole
from tests.e2e.conftest import Site, check_accessibility
from tests.e2e.test_browser import sign_in
from tests.factories import make_user

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _fill_date(page: Any, name: str, day: dt.date) -> None:
    page.locator(f"#id_{name}_day").fill(str(day.day))
    page.locator(f"#id_{name}_month").fill(str(day.month))
    page.locator(f"#id_{name}_year").fill(str(day.year))


def test_coordinator_records_a_subject_an_spo_and_three_terms(page, site: Site, committed_forces):
    lincs, notts = committed_forces
    coordinator = make_user(force=lincs, roles=[ForceRole.COORDINATOR], email="coordinator@lincs.test")
    today = timezone.localdate()
    sign_in(page, site, coordinator.email, check=False)

    page.goto(site.force(lincs, "/subjects/new/"))
    page.get_by_label("Given names").fill("Ada")
    page.get_by_label("Family name").fill("Ordered")
    page.get_by_role("button", name="Record subject").click()
    page.wait_for_url(re.compile(r".*/subjects/[0-9a-f-]{36}/$"))
    # The recorder is not asked why (recording it is the reason), so the case file opens at once.
    assert page.get_by_test_id("reason-form").count() == 0
    assert "No orders recorded." in page.get_by_test_id("case-file-orders").inner_text()
    check_accessibility(page, "case-file-no-orders")

    page.get_by_test_id("record-order").click()
    check_accessibility(page, "record-order")
    page.get_by_label("Order type").select_option("SPO")
    page.get_by_label("Court", exact=True).fill("Lincoln Magistrates' Court")
    _fill_date(page, "made_on", today)
    _fill_date(page, "served_on", today)
    _fill_date(page, "expires_on", today - dt.timedelta(days=1))  # before it was made
    page.get_by_role("button", name="Record order").click()
    assert "cannot expire before it was made" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page, "record-order-error")
    for part in ("day", "month", "year"):
        page.locator(f"#id_expires_on_{part}").fill("")
    page.get_by_label("The order runs until further order").check()
    page.get_by_role("button", name="Record order").click()
    page.wait_for_url(re.compile(r".*/orders/[0-9a-f-]{36}/$"))
    order_url = page.url
    check_accessibility(page, "order-detail")

    for wording in ("No contact with the victim", "Not to enter Lincoln city centre", "Attend a programme"):
        page.get_by_test_id("add-term").click()
        page.get_by_label("Kind of term").select_option("prohibition")
        page.get_by_label("Wording").fill(wording)
        page.get_by_role("button", name="Add term").click()
        page.wait_for_url(order_url)
    check_accessibility(page, "order-with-terms")
    assert page.get_by_test_id("terms").locator("li").count() == 3
    last_day = today + dt.timedelta(days=2)
    assert page.get_by_test_id("last-day").inner_text() == f"{last_day:%-d %B %Y}"
    assert page.get_by_test_id("order-status").inner_text() == "In force"

    page.get_by_role("link", name=re.compile("Record notification")).click()
    check_accessibility(page, "record-notification")
    _fill_date(page, "notified_on", today)
    page.get_by_label("What was notified").fill("Names and home address")
    page.get_by_role("button", name="Record notification").click()
    page.wait_for_url(order_url)
    assert "Notified" in page.get_by_test_id("requirements").inner_text()

    problems = page.problems
    assert problems.csp_violations == [] and problems.page_errors == [], problems.page_errors
    with schema_context(lincs.schema_name):
        kinds = set(AuditEvent.objects.values_list("action", "object_type"))
        assert (AuditAction.COLLECT, RecordType.ORDER) in kinds
        assert (AuditAction.CONSULT, RecordType.ORDER) in kinds
        assert (AuditAction.ALTER, RecordType.NOTIFICATION_REQUIREMENT) in kinds
    with schema_context(notts.schema_name):
        assert not AuditEvent.objects.filter(object_type=RecordType.ORDER).exists()


def test_coordinator_ends_a_registration_and_the_suspended_notification_restarts(
    page, site: Site, committed_forces
):
    from orders import services
    from statute.models import OrderType
    from subjects.models import Subject

    lincs, _notts = committed_forces
    coordinator = make_user(force=lincs, roles=[ForceRole.COORDINATOR], email="coordinator@lincs.test")
    today = timezone.localdate()
    with schema_context(lincs.schema_name):
        subject = Subject.objects.create(
            family_name="Registered",
            given_names="Rex",
            registered_sex_offender=True,
            registered_from=today - dt.timedelta(days=900),
        )
        order = services.create_order(
            actor=None,
            subject=subject,
            order_type=OrderType.objects.get(code="SPO"),
            court="Lincoln Magistrates' Court",
            made_on=today - dt.timedelta(days=30),
            served_on=today - dt.timedelta(days=30),
            until_further_order=True,
        )
        assert order.notification_requirements.get().suspended
    sign_in(page, site, coordinator.email, check=False)
    page.goto(site.force(lincs, f"/subjects/{subject.uuid}/"))
    page.get_by_label("Why do you need to open this case file?").fill("Registration ended today")
    page.get_by_role("button", name="Open the case file").click()
    page.wait_for_url(site.force(lincs, f"/subjects/{subject.uuid}/"))
    page.get_by_test_id("end-registration").click()
    check_accessibility(page, "end-registration")
    _fill_date(page, "ended_on", today + dt.timedelta(days=2))
    page.get_by_role("button", name="End registration").click()
    assert "must be today or in the past" in page.locator(".govuk-error-summary").inner_text()
    check_accessibility(page, "end-registration-error")
    _fill_date(page, "ended_on", today)
    page.get_by_role("button", name="End registration").click()
    page.wait_for_url(re.compile(rf".*/subjects/{subject.uuid}/$"))
    assert page.get_by_test_id("end-registration").count() == 0
    with schema_context(lincs.schema_name):
        requirement = order.notification_requirements.get()
        assert not requirement.suspended and requirement.trigger_date == today
        assert AuditEvent.objects.filter(
            action=AuditAction.ALTER, object_type=RecordType.NOTIFICATION_REQUIREMENT
        ).exists()
