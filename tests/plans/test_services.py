"""The plan services: the workflow, its refusals (each coded, nothing saved), the review date, compare."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from audit.choices import AuditAction, RecordType
from audit.models import AuditEvent
from orders import services as order_services
from orders.models import OrderStatus
from organisation.practice import get_practice_settings, update_practice_settings
from plans import services
from plans.choices import PlanPart, PlanStatus, VersionStatus
from plans.errors import OwnPlan, PlanConflict
from plans.models import Plan, PlanVersion
from tests.factories import make_subject
from tests.orders.helpers import today
from tests.plans.helpers import PART_1, active, draft, officer, submitted, supervisor

pytestmark = pytest.mark.django_db


def _codes(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in exc.value.error_dict.items()}


def test_a_draft_over_several_saves_keeps_each_part_and_names_its_editors(force_a):
    author = officer(force_a)
    version = draft(force_a, author=author)
    with schema_context(force_a.schema_name):
        version = PlanVersion.objects.with_parts().get(pk=version.pk)
        assert version.status == VersionStatus.DRAFT and version.number == 1
        assert version.offending_summary == PART_1["offending_summary"]
        assert [t.option for t in version.tactical_options.all()] == ["Home visit (unannounced)"]
        assert version.revision == 4  # created at 1, three saves that changed something
        assert list(version.editors.all()) == [author]
        events = AuditEvent.objects.filter(
            object_type=RecordType.PLAN_VERSION, object_ids__contains=[version.uuid]
        )
        assert [e.action for e in events.order_by("id")] == [AuditAction.COLLECT] + [AuditAction.ALTER] * 3
        alteration = events.filter(action=AuditAction.ALTER).order_by("id").first()
        assert "offending_summary" in alteration.changed_fields
        assert "offending_summary" not in alteration.changes  # plan text is never copied into the log


def test_submitting_without_part_1_or_a_risk_level_names_the_parts_and_changes_nothing(force_a):
    author = officer(force_a)
    subject = make_subject(force_a)
    with schema_context(force_a.schema_name):
        version = services.start_draft(actor=author, subject=subject)
        with pytest.raises(ValidationError) as exc:
            services.submit_version(actor=author, version=version, revision=version.revision)
        assert _codes(exc) == {
            "offending_summary": ["part_incomplete"],
            "risk_level": ["risk_level_required"],
        }
        assert "Part 1" in str(exc.value) and "Part 3" in str(exc.value)
        assert PlanVersion.objects.get(pk=version.pk).status == VersionStatus.DRAFT


def test_a_tactical_option_not_in_the_forces_list_is_a_field_error_and_nothing_is_saved(force_a):
    author = officer(force_a)
    version = draft(force_a, author=author)
    with schema_context(force_a.schema_name):
        with pytest.raises(ValidationError) as exc:
            services.save_part(
                actor=author,
                version=version,
                part=PlanPart.RISK,
                data={
                    "risk_level": "low",
                    "tactical_options": [{"pillar": "supervision", "option": "Ducking stool"}],
                },
                revision=version.revision,
            )
        assert _codes(exc) == {"tactical_options": ["unknown_tactical_option"]}
        fresh = PlanVersion.objects.get(pk=version.pk)
        assert fresh.risk_level == "high" and fresh.revision == version.revision


def test_a_stale_save_is_refused_naming_the_fields_changed_since(force_a):
    author, other = officer(force_a), officer(force_a)
    version = draft(force_a, author=author)
    read_at = version.revision
    with schema_context(force_a.schema_name):
        services.save_part(
            actor=other,
            version=version,
            part=PlanPart.OFFENDING,
            data={"offending_summary": "Rewritten by a colleague."},
            revision=read_at,
        )
        with pytest.raises(PlanConflict) as exc:
            services.save_part(
                actor=author,
                version=version,
                part=PlanPart.RISK,
                data={"risk_level": "low"},
                revision=read_at,
            )
        assert exc.value.changed == ["offending_summary"]
        assert "offending summary" in exc.value.message
        assert PlanVersion.objects.get(pk=version.pk).risk_level == "high"


def test_the_author_or_an_editor_cannot_approve_and_the_refusal_is_logged(force_a):
    author = supervisor(force_a)  # a supervisor who wrote the plan
    version = submitted(force_a, author=author)
    with schema_context(force_a.schema_name):
        with pytest.raises(OwnPlan):
            services.approve_version(version=version, approver=author)
        refused = AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED, actor_id=author.pk).get()
        assert refused.object_ids == [version.uuid] and "own_plan" in refused.justification
        assert PlanVersion.objects.get(pk=version.pk).status == VersionStatus.SUBMITTED


def test_an_editor_who_is_not_the_author_cannot_approve_either(force_a):
    author, editing_supervisor = officer(force_a), supervisor(force_a)
    version = draft(force_a, author=author)
    with schema_context(force_a.schema_name):
        version = services.save_part(
            actor=editing_supervisor,
            version=version,
            part=PlanPart.OFFENDING,
            data={"safeguarding_options": "Target hardening."},
            revision=version.revision,
        )
        version = services.submit_version(actor=author, version=version)
        with pytest.raises(OwnPlan):
            services.approve_version(version=version, approver=editing_supervisor)


def test_approval_freezes_a_snapshot_supersedes_the_last_version_and_sets_the_review_date(force_a):
    first = active(force_a)
    with schema_context(force_a.schema_name):
        plan = Plan.objects.get(pk=first.plan_id)
        assert plan.status == PlanStatus.ACTIVE
        interval = get_practice_settings().review_interval_for("high")
        assert plan.next_review_due == interval.next_after(today())
        first = PlanVersion.objects.get(pk=first.pk)
        assert first.status == VersionStatus.ACTIVE and first.approved_by is not None
        assert first.snapshot["orders"][0]["order_type"] == "SPO"
        assert first.snapshot["orders"][0]["terms"][0]["wording"] == "Not to contact the victim."

        # An approved version never changes: the next change is a new draft, copied from it.
        with pytest.raises(PlanConflict):
            services.save_part(
                actor=first.author,
                version=first,
                part=PlanPart.OFFENDING,
                data={"offending_summary": "x"},
                revision=None,
            )
        author = officer(force_a)
        second = services.start_draft(actor=author, subject=plan.subject)
        assert second.number == 2 and second.offending_summary == first.offending_summary
        assert [t.option for t in second.tactical_options.all()] == ["Home visit (unannounced)"]
        second = services.save_part(
            actor=author,
            version=second,
            part=PlanPart.RISK,
            data={"risk_level": "very-high"},
            revision=second.revision,
        )
        second = services.submit_version(actor=author, version=second)
        # A later settings change moves no date already set.
        update_practice_settings(actor=None, review_intervals={"high": {"every": 1, "unit": "weeks"}})
        plan.refresh_from_db()
        assert plan.next_review_due == interval.next_after(today())
        second = services.approve_version(version=second, approver=supervisor(force_a))
        plan.refresh_from_db()
        assert plan.next_review_due == get_practice_settings().review_interval_for("very-high").next_after(
            today()
        )
        assert PlanVersion.objects.get(pk=first.pk).status == VersionStatus.SUPERSEDED
        rows = {r["field"]: r for r in services.compare_versions(first, second)}
        assert rows["risk_level"]["changed"] and rows["risk_level"]["after"] == "Very high"
        assert not rows["offending_summary"]["changed"]


def test_approving_a_draft_or_a_stale_revision_is_a_conflict(force_a):
    version = draft(force_a)
    boss = supervisor(force_a)
    with schema_context(force_a.schema_name):
        with pytest.raises(PlanConflict):
            services.approve_version(version=version, approver=boss)
        version = services.submit_version(actor=version.author, version=version)
        with pytest.raises(PlanConflict):
            services.approve_version(version=version, approver=boss, revision=version.revision - 1)
        assert PlanVersion.objects.get(pk=version.pk).status == VersionStatus.SUBMITTED


def test_sent_back_a_version_is_a_draft_again_with_the_note(force_a):
    version = submitted(force_a)
    with schema_context(force_a.schema_name):
        version = services.send_back_version(
            actor=supervisor(force_a), version=version, note="Add the ANPR marker."
        )
        assert version.status == VersionStatus.DRAFT and version.send_back_note == "Add the ANPR marker."


def test_a_plan_closes_only_when_every_order_has_ended(force_a):
    version = active(force_a)
    coordinator = officer(force_a)
    with schema_context(force_a.schema_name):
        plan = Plan.objects.get(pk=version.plan_id)
        assert not services.ready_to_close(plan)
        with pytest.raises(ValidationError) as exc:
            services.close_plan(actor=coordinator, plan=plan)
        assert _codes(exc) == {"plan": ["orders_not_ended"]}
        for order in plan.subject.orders.all():
            order_services.change_status(actor=None, order=order, status=OrderStatus.DISCHARGED)
        assert services.ready_to_close(plan)
        plan = services.close_plan(actor=coordinator, plan=plan)
        assert plan.status == PlanStatus.CLOSED and plan.next_review_due is None
        assert PlanVersion.objects.get(pk=version.pk).status == VersionStatus.CLOSED
        with pytest.raises(PlanConflict):
            services.start_draft(actor=coordinator, subject=plan.subject)


def test_nothing_of_one_forces_plans_is_in_the_other(force_a, force_b):
    version = active(force_a)
    with schema_context(force_b.schema_name):
        assert not PlanVersion.objects.filter(uuid=version.uuid).exists()
        assert not AuditEvent.objects.filter(object_ids__contains=[version.uuid]).exists()
    connection.set_schema_to_public()


def test_plan_summary_for_the_caseload_in_two_queries(force_a, force_b):
    from django.test.utils import CaptureQueriesContext

    from core.roles import ForceRole
    from tests.factories import make_user

    live = active(force_a)
    writing = draft(force_a)
    none = make_subject(force_a)
    active(force_b)  # another force's plan: never in force A's summary
    with schema_context(force_a.schema_name):
        ids = [
            Plan.objects.get(pk=live.plan_id).subject_id,
            Plan.objects.get(pk=writing.plan_id).subject_id,
            none.pk,
        ]
        with CaptureQueriesContext(connection) as ctx:
            summary = services.plan_summary_for(ids)
        assert len(ctx.captured_queries) == 2
        assert set(summary) == set(ids[:2])  # no plan: absent ("needs a plan, has none" with plan_required)
        assert summary[ids[0]]["status"] == "active" and summary[ids[0]]["risk_level"] == "high"
        assert summary[ids[1]]["status"] == "draft" and summary[ids[1]]["risk_level"] == "high"
        assert summary[ids[0]]["ready_to_close"] is False and summary[ids[0]]["next_review_due"] is not None
        reader = make_user(force=force_a, roles=[ForceRole.VISITING_OFFICER])  # no VIEW_PLAN
        assert services.plan_summary_for(ids, user=reader, force=force_a) == {}
    connection.set_schema_to_public()
