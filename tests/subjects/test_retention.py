"""The MoPI retention queue (issue 16 item 6): coordinators and supervisors review, retain with a
reason and a future date, or dispose through the erasure, which leaves no case row behind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from core.roles import ForceRole
from jobs.registry import run_for_force
from subjects.models import Subject
from tests.compliance.helpers import make_case, today
from tests.factories import make_subject, make_user

pytestmark = pytest.mark.django_db


def _due(force, subject, days: int) -> None:
    with schema_context(force.schema_name):
        Subject.objects.filter(pk=subject.pk).update(
            retention_group="2", next_review_date=today() + dt.timedelta(days=days)
        )
    connection.set_schema_to_public()


def test_the_queue_shows_this_forces_records_due(force_a, force_b, client_for):
    due = make_subject(force_a, family_name="Duesoon")
    later = make_subject(force_a, family_name="Muchlater")
    elsewhere = make_subject(force_b, family_name="Otherforce")
    _due(force_a, due, 3)
    _due(force_a, later, 400)
    _due(force_b, elsewhere, -1)
    coordinator = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    page = client_for(coordinator, force_a).get("/subjects/retention/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "DUESOON" in html and "MUCHLATER" not in html and "OTHERFORCE" not in html
    assert 'data-testid="dispose"' in html
    supervisor = make_user(force=force_a, roles=[ForceRole.SUPERVISOR])
    html = client_for(supervisor, force_a).get("/subjects/retention/").content.decode()
    assert "DUESOON" in html and 'data-testid="dispose"' not in html
    officer = make_user(force=force_a, roles=[ForceRole.OFFICER])
    assert client_for(officer, force_a).get("/subjects/retention/").status_code == 403


def test_retain_sets_the_next_review_and_bad_input_saves_nothing(force_a, client_for):
    subject = make_subject(force_a)
    _due(force_a, subject, 1)
    client = client_for(make_user(force=force_a, roles=[ForceRole.COORDINATOR]), force_a)
    url = f"/subjects/retention/{subject.uuid}/retain/"
    assert client.get(url).status_code == 200
    past = today() - dt.timedelta(days=1)
    bad = client.post(
        url,
        {
            "reason": "",
            "next_review_date_day": past.day,
            "next_review_date_month": past.month,
            "next_review_date_year": past.year,
        },
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Give the reason for keeping this record." in html and "must be after today" in html
    with schema_context(force_a.schema_name):
        assert Subject.objects.get(pk=subject.pk).next_review_date == today() + dt.timedelta(days=1)
    later = today() + dt.timedelta(days=365 * 5)
    ok = client.post(
        url,
        {
            "reason": "Still managed",
            "next_review_date_day": later.day,
            "next_review_date_month": later.month,
            "next_review_date_year": later.year,
        },
    )
    assert ok.status_code == 302
    with schema_context(force_a.schema_name):
        assert Subject.objects.get(pk=subject.pk).next_review_date == later


def test_retain_service_codes(force_a):
    from django.core.exceptions import ValidationError

    from subjects.services import retain_subject

    subject = make_subject(force_a)
    with schema_context(force_a.schema_name), pytest.raises(ValidationError) as caught:
        retain_subject(actor=None, subject=subject, reason=" ", next_review_date=today())
    codes = {k: [e.code for e in v] for k, v in caught.value.error_dict.items()}
    assert codes == {"reason": ["reason_required"], "next_review_date": ["retention_date_not_future"]}


def test_a_disposed_subject_leaves_no_case_row_in_its_schema(force_a, force_b):
    from compliance.services import record_breach
    from subjects.services import erase_subject

    case = make_case(force_a)
    other = make_case(force_b)
    _due(force_a, case["subject"], 1)
    with schema_context(force_a.schema_name):
        record_breach(
            actor=case["coordinator"],
            subject=case["subject"],
            term=case["term"],
            occurred_on=today() - dt.timedelta(days=1),
            source="visit",
        )
    connection.set_schema_to_public()
    run_for_force("retention_reminders", force_a, today())
    with schema_context(force_a.schema_name):
        erase_subject(
            actor=case["coordinator"],
            subject=Subject.objects.get(pk=case["subject"].pk),
            reason="Retention period ended",
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                "AND table_type = 'BASE TABLE'",
                [force_a.schema_name],
            )
            tables = [r[0] for r in cursor.fetchall()]
            left = {}
            for table in tables:
                if table.split("_")[0] in {"subjects", "orders", "plans", "compliance"} or table in {
                    "reminders_reminder",
                    "reminders_inboxitem",
                }:
                    cursor.execute(f'SELECT count(*) FROM "{table}"')
                    n = cursor.fetchone()[0]
                    if n:
                        left[table] = n
        assert left == {}
    with schema_context(force_b.schema_name):
        assert Subject.objects.filter(pk=other["subject"].pk).exists()
    # The log is untouched by the disposal (it holds UUIDs only): sealed and verified, still OK.
    import io

    from django.core.management import call_command

    call_command("run_job", "seal_audit", stdout=io.StringIO())
    out = io.StringIO()
    call_command("verify_audit", "--force", force_a.slug, stdout=out)
    assert out.getvalue().startswith("OK: "), out.getvalue()
