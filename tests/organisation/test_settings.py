"""Practice settings: defaults at onboarding, changes audited with before/after, bad input refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from audit.models import AuditEvent
from core.roles import ForceRole
from organisation.choices import IntervalUnit, RiskLevel, SubjectCondition
from organisation.models import PlanScopeRule, PracticeSettings, ReviewInterval
from organisation.practice import DEFAULT_TACTICAL_OPTIONS, get_practice_settings
from statute.models import OrderType
from tests.api.base import token_client
from tests.factories import make_user


def _admin(force):  # type: ignore[no-untyped-def]
    return make_user(force=force, roles=[ForceRole.FORCE_ADMIN])


def _form(force, **changes):  # type: ignore[no-untyped-def]
    """The settings form as the page would post it, with ``changes`` applied."""
    data = {
        "review_very_high_every": 6,
        "review_very_high_unit": "weeks",
        "review_high_every": 3,
        "review_high_unit": "months",
        "review_medium_every": 6,
        "review_medium_unit": "months",
        "review_low_every": 12,
        "review_low_unit": "months",
        "review_reminder_days": 14,
        "visit_reminder_days": 2,
        "order_expiry_reminder_days": 56,
        "scope_SPO": "every-subject",
        "scope_ISPO": "every-subject",
        "tactical_options": "\n".join(DEFAULT_TACTICAL_OPTIONS),
        "warning_markers": "Stalking\nWeapons",
    }
    data.update(changes)
    return data


def test_onboarding_gives_each_force_the_default_settings(force_a, force_b):  # type: ignore[no-untyped-def]
    for force in (force_a, force_b):
        with schema_context(force.schema_name):
            row = PracticeSettings.objects.get()
            intervals = {i.risk_level: (i.every, i.unit) for i in ReviewInterval.objects.filter(settings=row)}
            assert intervals == {
                RiskLevel.VERY_HIGH: (6, IntervalUnit.WEEKS),
                RiskLevel.HIGH: (3, IntervalUnit.MONTHS),
                RiskLevel.MEDIUM: (6, IntervalUnit.MONTHS),
                RiskLevel.LOW: (12, IntervalUnit.MONTHS),
            }
            assert {(r.order_type_code, r.subject_condition) for r in PlanScopeRule.objects.all()} == {
                ("SPO", SubjectCondition.EVERY_SUBJECT),
                ("ISPO", SubjectCondition.EVERY_SUBJECT),
            }
            assert row.tactical_options and row.warning_markers
    with schema_context(force_a.schema_name):
        uuid_a = PracticeSettings.objects.get().uuid
    with schema_context(force_b.schema_name):
        assert PracticeSettings.objects.get().uuid != uuid_a


def test_review_interval_dates(force_a):  # type: ignore[no-untyped-def]
    with schema_context(force_a.schema_name):
        row = get_practice_settings()
        assert row.review_interval_for(RiskLevel.VERY_HIGH).next_after(dt.date(2026, 1, 1)) == dt.date(
            2026, 2, 12
        )
        assert row.review_interval_for(RiskLevel.HIGH).next_after(dt.date(2026, 11, 30)) == dt.date(
            2027, 2, 28
        )
        assert row.review_interval_for(RiskLevel.LOW).next_after(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)


def test_change_is_saved_audited_with_before_and_after_and_says_it_applies_to_new_schedules(
    force_a, force_b, client_for
):  # type: ignore[no-untyped-def]
    client = client_for(_admin(force_a), force_a)
    page = client.get("/force-admin/settings/")
    assert page.status_code == 200 and b"take effect for new schedules" in page.content
    response = client.post(
        "/force-admin/settings/",
        _form(force_a, review_high_every=2, scope_SPO="registered-sex-offenders", scope_DAPO="every-subject"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with schema_context(force_a.schema_name):
        row = get_practice_settings()
        assert row.review_interval_for(RiskLevel.HIGH).every == 2
        scope = {r.order_type_code: r.subject_condition for r in row.scope_rules.all()}
        assert scope == {"SPO": "registered-sex-offenders", "ISPO": "every-subject", "DAPO": "every-subject"}
        event = AuditEvent.objects.filter(object_type="practicesettings").latest("id")
        assert event.object_ids == [row.uuid] and event.actor_force == force_a.slug
        assert "review_high" in event.changed_fields and "plan_scope" in event.changed_fields
        assert event.changes["review_high"] == {"before": "3 months", "after": "2 months"}
        assert "warning_markers" in event.changed_fields
    with schema_context(force_b.schema_name):
        assert get_practice_settings().review_interval_for(RiskLevel.HIGH).every == 3


def test_zero_or_over_five_years_is_a_field_error_and_saves_nothing(force_a, client_for):  # type: ignore[no-untyped-def]
    client = client_for(_admin(force_a), force_a)
    with schema_context(force_a.schema_name):
        before_events = AuditEvent.objects.filter(object_type="practicesettings").count()
    for changes, message in (
        ({"review_high_every": 0}, b"must be more than zero"),
        ({"review_low_every": 61}, b"five years or less"),
        ({"review_low_every": 300, "review_low_unit": "weeks"}, b"five years or less"),
        ({"review_medium_every": -3}, b"must be more than zero"),
        ({"visit_reminder_days": 400}, b"from 0 to 365"),
    ):
        response = client.post("/force-admin/settings/", _form(force_a, review_reminder_days=1, **changes))
        assert response.status_code == 400, changes
        assert message in response.content, (changes, response.content.decode()[:2000])
        assert b"govuk-error-summary" in response.content
    with schema_context(force_a.schema_name):
        row = get_practice_settings()
        assert row.review_reminder_days == 14  # nothing half-saved from the same post
        assert AuditEvent.objects.filter(object_type="practicesettings").count() == before_events


def test_unknown_order_type_in_scope_is_refused_by_the_service(force_a):  # type: ignore[no-untyped-def]
    import pytest
    from django.core.exceptions import ValidationError

    from organisation.practice import update_practice_settings

    with schema_context(force_a.schema_name), pytest.raises(ValidationError) as caught:
        update_practice_settings(
            actor=None,
            plan_scope={"NOPE": SubjectCondition.EVERY_SUBJECT},
            reminders={"review_reminder_days": 1},
        )
    assert "plan_scope" in caught.value.message_dict
    with schema_context(force_a.schema_name):
        assert get_practice_settings().review_reminder_days == 14


def test_viewing_is_allowed_to_analysts_but_only_administrators_change(force_a, client_for):  # type: ignore[no-untyped-def]
    analyst = make_user(force=force_a, roles=[ForceRole.ANALYST])
    client = client_for(analyst, force_a)
    page = client.get("/force-admin/settings/")
    assert page.status_code == 200 and b"Save settings" not in page.content
    assert client.post("/force-admin/settings/", _form(force_a, review_high_every=1)).status_code == 403
    with schema_context(force_a.schema_name):
        assert get_practice_settings().review_interval_for(RiskLevel.HIGH).every == 3
        assert AuditEvent.objects.filter(action="permission-denied", actor_id=analyst.pk).exists()
    auditor = make_user(force=force_a, roles=[ForceRole.AUDITOR])
    assert client_for(auditor, force_a).get("/force-admin/settings/").status_code == 403


def test_order_types_are_read_only_for_forces_and_edited_by_platform_admins(force_a, client_for):  # type: ignore[no-untyped-def]
    from core.roles import RegionalRoleKind

    page = client_for(_admin(force_a), force_a).get("/force-admin/order-types/")
    assert page.status_code == 200
    for code in ("SPO", "ISPO", "DAPO", "SHPO", "SRO", "SCPO", "FMPO", "FGMPO", "STPO", "STRO"):
        assert f"<strong>{code}</strong>".encode() in page.content
    assert b"Stalking Protection Act 2019" in page.content
    spo = OrderType.objects.get(code="SPO")
    assert (spo.minimum_duration_months, spo.notification_days, spo.notification_trigger) == (
        24,
        3,
        "service",
    )
    assert OrderType.objects.get(code="DAPO").notification_trigger == "making"
    # The Django admin (regional host only) lets a platform administrator change the rules.
    platform_admin = make_user(regional=(RegionalRoleKind.PLATFORM_ADMIN, None))
    platform_admin.is_staff = True
    platform_admin.save()
    regional = client_for(platform_admin, None)
    assert regional.get(f"/admin/statute/ordertype/{spo.pk}/change/").status_code == 200
    assert client_for(_admin(force_a), force_a).get("/admin/").status_code == 404


def test_plan_scope_decides_who_needs_a_plan_as_the_practice_widened(force_a):  # type: ignore[no-untyped-def]
    from organisation.practice import plan_required, update_practice_settings

    with schema_context(force_a.schema_name):
        # The practice began with registered sex offenders under an SPO ...
        update_practice_settings(actor=None, plan_scope={"SPO": SubjectCondition.REGISTERED_SEX_OFFENDERS})
        assert plan_required(order_type_codes=["SPO"], registered_sex_offender=True, risk_level=None)
        assert not plan_required(order_type_codes=["SPO"], registered_sex_offender=False, risk_level="high")
        assert not plan_required(order_type_codes=["DAPO"], registered_sex_offender=True, risk_level=None)
        # ... then every SPO, then other orders for the higher-risk subjects.
        update_practice_settings(
            actor=None,
            plan_scope={"SPO": SubjectCondition.EVERY_SUBJECT, "DAPO": SubjectCondition.HIGH_RISK_OR_ABOVE},
        )
        assert plan_required(order_type_codes=["SPO"], registered_sex_offender=False, risk_level=None)
        assert plan_required(order_type_codes=["DAPO"], registered_sex_offender=False, risk_level="very-high")
        assert not plan_required(
            order_type_codes=["DAPO"], registered_sex_offender=False, risk_level="medium"
        )
        assert not plan_required(order_type_codes=["ISPO"], registered_sex_offender=True, risk_level="high")


def test_reading_the_practice_settings_never_writes_them(force_a, force_b):  # type: ignore[no-untyped-def]
    """Defaults come from onboarding (and the data migration): a read of a force without them,
    by the service or the API, creates nothing in that force nor in another."""
    with schema_context(force_a.schema_name):
        PracticeSettings.objects.all().delete()
    with schema_context(force_b.schema_name):
        kept_b = PracticeSettings.objects.get().uuid
    response = token_client(_admin(force_a), force_a).get("/api/v1/practice-settings/")
    assert response.status_code == 200 and response.json()["results"] == []
    with schema_context(force_a.schema_name):
        with pytest.raises(PracticeSettings.DoesNotExist):
            get_practice_settings()
        assert not PracticeSettings.objects.exists() and not ReviewInterval.objects.exists()
        assert not PlanScopeRule.objects.exists()
    with schema_context(force_b.schema_name):
        assert list(PracticeSettings.objects.values_list("uuid", flat=True)) == [kept_b]


def test_those_who_may_only_read_the_settings_see_a_summary_not_inputs(force_a, client_for):  # type: ignore[no-untyped-def]
    """Issue 9, item 6."""
    analyst = make_user(force=force_a, roles=[ForceRole.ANALYST])
    page = client_for(analyst, force_a).get("/force-admin/settings/").content.decode()
    assert "<input" not in page.split('id="main-content"')[1] and "<textarea" not in page
    assert 'class="govuk-summary-list"' in page
    assert "Every 3 months" in page and "No plan needed" not in page.split("main-content")[0]
    admin_page = client_for(_admin(force_a), force_a).get("/force-admin/settings/").content.decode()
    assert "<textarea" in admin_page and "Save settings" in admin_page
