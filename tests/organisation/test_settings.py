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


# --- Compliance settings and visit intervals (issue 13) ------------------------------------------


def test_compliance_settings_and_visit_intervals_are_edited_on_the_page_and_audited(
    force_a, force_b, client_for
):  # type: ignore[no-untyped-def]
    client = client_for(_admin(force_a), force_a)
    page = client.get("/force-admin/settings/")
    assert b"Routine visits by risk level" in page.content and b'name="breach_review_days"' in page.content
    response = client.post(
        "/force-admin/settings/",
        _form(
            force_a,
            breach_review_days=3,
            escalation_breaches=3,
            escalation_breach_window_days=60,
            escalation_quiet_days=90,
            escalation_missed_visits=3,
            visit_very_high_every=5,
            visit_very_high_unit="days",
            visit_high_every=2,
            visit_high_unit="weeks",
            visit_medium_every="",  # emptied: no routine visits at medium risk any more
            visit_medium_unit="months",
            visit_low_every=2,
            visit_low_unit="months",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with schema_context(force_a.schema_name):
        row = get_practice_settings()
        assert (row.breach_review_days, row.escalation_breaches, row.escalation_missed_visits) == (3, 3, 3)
        assert (row.escalation_breach_window_days, row.escalation_quiet_days) == (60, 90)
        visits = {i.risk_level: (i.every, i.unit) for i in row.visit_intervals.all()}
        assert visits == {"very-high": (5, "days"), "high": (2, "weeks"), "low": (2, "months")}
        event = AuditEvent.objects.filter(object_type="practicesettings").latest("id")
        assert event.changes["breach_review_days"] == {"before": 7, "after": 3}
        assert event.changes["visit_medium"] == {"before": "1 months", "after": "none"}
        assert event.changes["visit_low"] == {"before": "none", "after": "2 months"}
    with schema_context(force_b.schema_name):
        other = get_practice_settings()
        assert other.breach_review_days == 7 and other.visit_interval_for("medium") is not None


def test_a_breach_review_of_zero_days_is_refused_by_the_page_the_service_and_the_model(force_a, client_for):  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    from organisation.practice import update_practice_settings

    client = client_for(_admin(force_a), force_a)
    for changes, field, message in (
        ({"breach_review_days": 0}, "breach_review_days", b"from 1 to 365"),
        ({"escalation_missed_visits": 21}, "escalation_missed_visits", b"from 1 to 20"),
        ({"visit_low_every": 0, "visit_low_unit": "weeks"}, "visit_low_every", b"must be more than zero"),
        ({"visit_low_every": 3, "visit_low_unit": ""}, "visit_low_every", b"days, weeks or months"),
    ):
        response = client.post("/force-admin/settings/", _form(force_a, **changes))
        assert response.status_code == 400, changes
        assert field in response.context["form"].errors and message in response.content, changes
    with schema_context(force_a.schema_name):
        with pytest.raises(ValidationError) as refused:
            update_practice_settings(actor=None, compliance={"breach_review_days": 0})
        assert refused.value.error_dict["breach_review_days"][0].code == "out_of_range"
        row = get_practice_settings()
        row.breach_review_days = 0
        with pytest.raises(ValidationError) as invalid:
            row.full_clean()
        assert "breach_review_days" in invalid.value.error_dict
        assert get_practice_settings().breach_review_days == 7


def test_the_api_edits_compliance_settings_with_each_fields_code(force_a, force_b):  # type: ignore[no-untyped-def]
    client = token_client(_admin(force_a), force_a)
    url = (
        f"/api/v1/practice-settings/{client.get('/api/v1/practice-settings/').json()['results'][0]['uuid']}/"
    )
    body = client.get(url).json()
    assert body["breach_review_days"] == 7 and body["visit_intervals"]["low"] is None
    assert body["visit_intervals"]["high"] == {"every": 2, "unit": "weeks"}
    bad = client.patch(
        url,
        {
            "breach_review_days": 0,
            "escalation_breaches": 0,
            "visit_intervals": {"high": {"every": 0, "unit": "weeks"}, "nope": None},
            "review_intervals": {"low": {"every": 70, "unit": "months"}},
        },
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid", bad.json()
    codes = bad.json()["codes"]
    assert codes["breach_review_days"] == ["out_of_range"] and codes["escalation_breaches"] == [
        "out_of_range"
    ]
    assert codes["visit_intervals.high"] == ["not_positive"]
    assert codes["visit_intervals.non_field_errors"] == ["unknown_risk_level"]
    assert codes["review_intervals.low"] == ["too_long"]
    assert bad.json()["fields"]["visit_intervals"]["high"] == [
        "The high risk visit interval must be more than zero."
    ]
    good = client.patch(
        url,
        {"breach_review_days": 5, "visit_intervals": {"low": {"every": 1, "unit": "months"}, "medium": None}},
        content_type="application/json",
    )
    assert good.status_code == 200, good.json()
    assert good.json()["breach_review_days"] == 5
    assert good.json()["visit_intervals"]["low"] == {"every": 1, "unit": "months"}
    assert good.json()["visit_intervals"]["medium"] is None
    assert good.json()["visit_intervals"]["high"] == {"every": 2, "unit": "weeks"}
    with schema_context(force_b.schema_name):
        assert get_practice_settings().breach_review_days == 7
