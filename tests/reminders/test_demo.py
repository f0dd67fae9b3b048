"""Issue 16, "done when": in the demo a review due within 14 days gives one inbox item and one
console email to the lead officer after run_job review_reminders; a second run gives none."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_context

from core.roles import ForceRole
from jobs.models import JobRun
from plans.demo import seed_review_reminder
from reminders.models import InboxItem
from tests.factories import make_subject, make_user
from tests.plans.helpers import active

pytestmark = pytest.mark.django_db


def test_the_demo_review_reminder_reaches_the_lead_officer_once(force_a, force_b):
    coordinator = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    subject = make_subject(force_a)
    active(force_a, subject=subject)
    connection.set_schema_to_public()
    with schema_context(force_a.schema_name):
        seed_review_reminder(force_a)
    connection.set_schema_to_public()
    mail.outbox.clear()
    call_command("run_job", "review_reminders", "--no-progress", stdout=io.StringIO())
    with schema_context(force_a.schema_name):
        assert list(InboxItem.objects.values_list("recipient_id", flat=True)) == [coordinator.pk]
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    # A second run: JobRun skips it; with its record removed, the outbox's key still adds nothing.
    call_command("run_job", "review_reminders", "--no-progress", stdout=io.StringIO())
    JobRun.objects.filter(job="review_reminders").delete()
    call_command("run_job", "review_reminders", "--no-progress", stdout=io.StringIO())
    with schema_context(force_a.schema_name):
        assert InboxItem.objects.count() == 1
    with schema_context(force_b.schema_name):
        assert not InboxItem.objects.exists()
    assert len(mail.outbox) == 1
