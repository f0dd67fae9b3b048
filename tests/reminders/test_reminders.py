"""Reminders (issue 16): written once per key, delivered once, emailed with a recognisable
Message-ID; the inbox, the unread count, email choices, and erasure. Two forces, nothing crosses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from core.roles import ForceRole
from jobs.registry import run_for_force
from orders.models import NotificationRequirement, OrderStatus, ProtectiveOrder
from plans.models import Plan
from reminders.choices import ReminderKind
from reminders.jobs import daily_digest
from reminders.models import InboxItem, NotificationPreference, Reminder
from reminders.services import PreferenceError, set_preferences
from subjects.models import Subject
from tests.compliance.helpers import make_case, today
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _due_in(force, case, days: int) -> None:
    with schema_context(force.schema_name):
        Plan.objects.filter(pk=case["plan"].pk).update(next_review_due=today() + dt.timedelta(days=days))
    connection.set_schema_to_public()


def _items(force, **filters):
    with schema_context(force.schema_name):
        return list(InboxItem.objects.filter(**filters).order_by("id"))


def test_review_due_gives_one_item_and_one_email_and_a_second_run_none(force_a, force_b):
    case = make_case(force_a)
    other = make_case(force_b)
    _due_in(force_a, case, 10)
    _due_in(force_b, other, 100)  # beyond force B's 14 days: nothing there
    mail.outbox.clear()
    assert run_for_force("review_reminders", force_a, today()) == "ran"
    items = _items(force_a, kind=ReminderKind.REVIEW_DUE)
    assert [i.recipient_id for i in items] == [case["coordinator"].pk]
    assert "Plan review due on" in items[0].title and case["subject"].family_name not in items[0].title
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [case["coordinator"].email]
    assert message.extra_headers["Message-ID"].endswith(
        ".reminder@" + message.extra_headers["Message-ID"].split("@")[1]
    )
    # The same day again (JobRun) and the job function itself again: nothing new, nothing sent.
    assert run_for_force("review_reminders", force_a, today()) == "skipped"
    with schema_context(force_a.schema_name):
        from plans.jobs import review_reminders

        assert "0 new reminder(s)" in review_reminders(force=force_a, day=today())
    assert len(_items(force_a)) == 1 and len(mail.outbox) == 1
    assert _items(force_b) == []


def test_the_message_id_is_the_same_for_the_same_key(force_a):
    from reminders.services import message_id

    with schema_context(force_a.schema_name):
        assert message_id("k") == message_id("k") != message_id("k2")


def test_overdue_review_reaches_the_team_lead_and_coordinators(force_a):
    case = make_case(force_a)
    lead = make_user(force=force_a, roles=[ForceRole.OFFICER])
    other_coordinator = make_user(force=force_a, roles=[ForceRole.COORDINATOR])
    removed = make_user(force=force_a, roles=[ForceRole.COORDINATOR], status="suspended")
    with schema_context(force_a.schema_name):
        from organisation.models import TeamMember

        TeamMember.objects.create(team=case["aou"], user=lead, is_lead=True)
    connection.set_schema_to_public()
    _due_in(force_a, case, -3)
    run_for_force("review_reminders", force_a, today())
    got = {i.recipient_id for i in _items(force_a, kind=ReminderKind.REVIEW_OVERDUE)}
    assert got == {case["coordinator"].pk, lead.pk, other_coordinator.pk}
    assert removed.pk not in got


def test_notification_last_day_is_urgent_and_emailed_even_to_a_digest_person(force_a):
    case = make_case(force_a)
    with schema_context(force_a.schema_name):
        NotificationRequirement.objects.filter(order=case["order"]).delete()
        NotificationRequirement.objects.create(
            order=case["order"],
            trigger="order-made",
            trigger_date=today(),
            last_day=today() + dt.timedelta(days=1),
        )
        NotificationPreference.objects.create(
            user=case["coordinator"], kind=ReminderKind.REVIEW_DUE, mode="digest"
        )
    connection.set_schema_to_public()
    mail.outbox.clear()
    run_for_force("notification_reminders", force_a, today())
    items = _items(force_a, kind=ReminderKind.NOTIFICATION_LAST_DAY)
    assert len(items) == 1 and items[0].urgent
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.startswith("Urgent: ")


def test_digest_kinds_wait_for_the_daily_digest(force_a):
    case = make_case(force_a)
    with schema_context(force_a.schema_name):
        set_preferences(actor=case["coordinator"], choices={ReminderKind.REVIEW_DUE: "digest"})
    connection.set_schema_to_public()
    _due_in(force_a, case, 5)
    mail.outbox.clear()
    run_for_force("review_reminders", force_a, today())
    assert len(_items(force_a)) == 1 and mail.outbox == []
    with schema_context(force_a.schema_name):
        assert daily_digest(force=force_a, day=today()) == "1 digest email(s)"
        assert daily_digest(force=force_a, day=today()) == "0 digest email(s)"
    assert len(mail.outbox) == 1 and "Plan review due" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("choices", "field", "code"),
    [
        ({"nonsense": "digest"}, "nonsense", PreferenceError.UNKNOWN_KIND),
        (
            {ReminderKind.ESCALATION: "digest"},
            ReminderKind.ESCALATION,
            PreferenceError.URGENT_ALWAYS_IMMEDIATE,
        ),
        ({ReminderKind.REVIEW_DUE: "weekly"}, ReminderKind.REVIEW_DUE, PreferenceError.UNKNOWN_MODE),
    ],
)
def test_bad_preferences_are_field_errors_and_nothing_is_saved(force_a, choices, field, code):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    with schema_context(force_a.schema_name):
        with pytest.raises(ValidationError) as caught:
            set_preferences(actor=user, choices={ReminderKind.VISIT_DUE: "digest", **choices})
        assert caught.value.error_dict[str(field)][0].code == code
        assert not NotificationPreference.objects.exists()


def test_order_ending_and_plan_close_and_retention(force_a):
    case = make_case(force_a)
    with schema_context(force_a.schema_name):
        ProtectiveOrder.objects.filter(pk=case["order"].pk).update(
            until_further_order=False, expires_on=today() + dt.timedelta(days=30)
        )
        Subject.objects.filter(pk=case["subject"].pk).update(
            retention_group="1", next_review_date=today() + dt.timedelta(days=3)
        )
    connection.set_schema_to_public()
    run_for_force("order_expiry_reminders", force_a, today())
    run_for_force("retention_reminders", force_a, today())
    assert len(_items(force_a, kind=ReminderKind.ORDER_ENDING)) == 1
    retention = [i.recipient_id for i in _items(force_a, kind=ReminderKind.RETENTION_REVIEW)]
    assert case["coordinator"].pk in retention and len(retention) == len(set(retention))
    with schema_context(force_a.schema_name):
        ProtectiveOrder.objects.filter(pk=case["order"].pk).update(status=OrderStatus.EXPIRED)
    connection.set_schema_to_public()
    run_for_force("plan_close_reminders", force_a, today())
    run_for_force("plan_close_reminders", force_a, today() + dt.timedelta(days=1))
    assert len(_items(force_a, kind=ReminderKind.PLAN_CLOSE)) == 1


def test_visits_due_and_missed(force_a):
    case = make_case(force_a)
    with schema_context(force_a.schema_name):
        from compliance.models import Visit

        Visit.objects.create(
            subject=case["subject"],
            window_from=today() + dt.timedelta(days=1),
            window_to=today() + dt.timedelta(days=5),
            assigned_officer=case["visitor"],
        )
        Visit.objects.create(
            subject=case["subject"],
            window_from=today() - dt.timedelta(days=6),
            window_to=today() - dt.timedelta(days=2),
            assigned_officer=case["visitor"],
        )
    connection.set_schema_to_public()
    run_for_force("visit_reminders", force_a, today())
    assert [i.recipient_id for i in _items(force_a, kind=ReminderKind.VISIT_DUE)] == [case["visitor"].pk]
    assert {i.recipient_id for i in _items(force_a, kind=ReminderKind.VISIT_MISSED)} == {
        case["visitor"].pk,
        case["coordinator"].pk,
    }


def test_inbox_page_unread_count_open_and_mark_all(force_a, force_b, client_for):
    case = make_case(force_a)
    _due_in(force_a, case, 2)
    run_for_force("review_reminders", force_a, today())
    item = _items(force_a)[0]
    client = client_for(case["coordinator"], force_a)
    page = client.get("/inbox/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="inbox-unread">1<' in html and item.title in html
    opened = client.get(f"/inbox/{item.uuid}/")
    assert opened.status_code == 302 and opened["Location"] == item.link
    assert _items(force_a)[0].read_at is not None
    assert 'data-testid="inbox-unread"' not in client.get("/inbox/").content.decode()
    # Someone else's item: 404, and it stays as it was.
    stranger = make_user(force=force_a, roles=[ForceRole.OFFICER])
    assert client_for(stranger, force_a).get(f"/inbox/{item.uuid}/").status_code == 404
    # Another force's member sees none of it on their own host.
    outsider = make_user(force=force_b, roles=[ForceRole.COORDINATOR])
    assert item.title not in client_for(outsider, force_b).get("/inbox/").content.decode()
    assert client.post("/inbox/read-all/").status_code == 302


def test_preferences_page_saves_and_shows_errors(force_a, client_for):
    user = make_user(force=force_a, roles=[ForceRole.OFFICER])
    client = client_for(user, force_a)
    assert client.get("/inbox/preferences/").status_code == 200
    form = {k.value.replace("-", "_"): "immediate" for k in ReminderKind}
    form["review_due"] = "digest"
    assert client.post("/inbox/preferences/", form).status_code == 302
    with schema_context(force_a.schema_name):
        assert NotificationPreference.objects.get(user=user, mode="digest").kind == ReminderKind.REVIEW_DUE
    form["visit_due"] = "weekly"
    bad = client.post("/inbox/preferences/", form)
    assert bad.status_code == 200 and "govuk-error-summary" in bad.content.decode()


def test_erasing_a_subject_erases_its_reminders(force_a):
    from subjects.services import erase_subject

    case = make_case(force_a)
    _due_in(force_a, case, 2)
    run_for_force("review_reminders", force_a, today())
    with schema_context(force_a.schema_name):
        assert Reminder.objects.count() == 1
        erase_subject(
            actor=case["coordinator"], subject=Subject.objects.get(pk=case["subject"].pk), reason="MoPI"
        )
        assert Reminder.objects.count() == 0 and InboxItem.objects.count() == 0


def test_jobs_page_for_force_administrators(force_a, force_b, client_for):
    case = make_case(force_a)
    _due_in(force_a, case, 2)
    run_for_force("review_reminders", force_a, today())
    run_for_force("heartbeat", force_b, today())
    admin = make_user(force=force_a, roles=[ForceRole.FORCE_ADMIN])
    page = client_for(admin, force_a).get("/force-admin/jobs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "review_reminders" in html and "1 new reminder(s)" in html
    assert 'data-testid="reminders-sent"' in html and "Plan review due" in html
    # Force B's run is not shown on force A's page.
    assert f"heartbeat in {force_b.schema_name}" not in html
    assert client_for(case["coordinator"], force_a).get("/force-admin/jobs/").status_code == 403
