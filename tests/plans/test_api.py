"""The plan endpoints: the force-endpoint contract (with the workflow and export actions), the
"done when" scenario over the API, and each refusal with its code."""

from __future__ import annotations

import io
import json

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from api.plans import BriefingViewSet, PlanVersionViewSet, PlanViewSet
from audit.choices import AuditAction, RecordType
from core.roles import ForceRole
from orders import services as order_services
from orders.models import OrderStatus
from organisation.practice import get_practice_settings
from plans.models import Plan, PlanVersion
from tests.api.base import ExtraAction, ForceEndpointContract, events_since, last_event_id, token_client
from tests.factories import make_subject, make_user
from tests.orders.helpers import make_order, make_term, today
from tests.plans.helpers import PART_1, active, draft, officer, submitted, supervisor

REASON = {"HTTP_X_ACCESS_REASON": "Preparing the Niche upload"}


def _pages_text(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _with_active_plan(contract, force):  # type: ignore[no-untyped-def]
    return active(force)


def _ended(contract, force):  # type: ignore[no-untyped-def]
    version = active(force)
    with schema_context(force.schema_name):
        for order in Plan.objects.get(pk=version.plan_id).subject.orders.all():
            order_services.change_status(actor=None, order=order, status=OrderStatus.DISCHARGED)
        plan = Plan.objects.get(pk=version.plan_id)
    connection.set_schema_to_public()
    return plan


class TestPlanVersionEndpoint(ForceEndpointContract):
    endpoint = "/api/v1/plan-versions/"
    viewset = PlanVersionViewSet
    # A draft from the helper has revision 4 (made, then three parts saved).
    patch_payload = {"revision": 4, "management_strategies": "Monthly joint visit with probation."}
    extra_actions = (
        ExtraAction("submit", events=(AuditAction.ALTER,), body=lambda v: {"revision": v.revision}),
        ExtraAction(
            "approve",
            # The version (approved, now active) and the plan (active, its review date).
            events=(AuditAction.ALTER, AuditAction.ALTER),
            make=lambda contract, force: submitted(force),
        ),
        ExtraAction(
            "send_back",
            url_name="send_back",
            events=(AuditAction.ALTER,),
            make=lambda contract, force: submitted(force),
            body=lambda v: {"note": "Add the ANPR marker."},
        ),
        ExtraAction("pdf", method="get", events=(AuditAction.DISCLOSE,), make=_with_active_plan),
        ExtraAction("export", method="get", events=(AuditAction.DISCLOSE,), make=_with_active_plan),
    )

    def _each_action(self, force_a):  # type: ignore[no-untyped-def]
        # A subject whose plan is active: creating gives version 2, one collection event.
        version = active(force_a)
        with schema_context(force_a.schema_name):
            subject_uuid = str(PlanVersion.objects.get(pk=version.pk).plan.subject.uuid)
        connection.set_schema_to_public()
        self.create_payload = {"subject": subject_uuid}  # type: ignore[misc]
        return super()._each_action(force_a)

    def make_object(self, force):  # type: ignore[no-untyped-def]
        return draft(force)


class TestPlanEndpoint(ForceEndpointContract):
    endpoint = "/api/v1/plans/"
    viewset = PlanViewSet
    extra_actions = (ExtraAction("close", events=(AuditAction.ALTER, AuditAction.ALTER), make=_ended),)

    def make_object(self, force):  # type: ignore[no-untyped-def]
        version = draft(force, with_order=False)
        with schema_context(force.schema_name):
            plan = Plan.objects.get(pk=version.plan_id)
        connection.set_schema_to_public()
        return plan

    def test_extra_actions_succeed_for_the_permitted_writing_exactly_the_expected_events(
        self, force_a, force_b
    ):  # type: ignore[no-untyped-def]
        # Closing alters the active version and then the plan; the first event names the version.
        obj = _ended(self, force_a)
        client = token_client(self.member(force_a, ForceRole.COORDINATOR), force_a)
        client.get(self.endpoint, {"page_size": 1})  # the token's first use is logged once
        before = last_event_id(force_a)
        response = client.post(f"{self.endpoint}{obj.uuid}/close/", {}, content_type="application/json")
        assert response.status_code == 200, response.content
        events = events_since(force_a, before)
        assert [(e.action, e.object_type) for e in events] == [
            (AuditAction.ALTER, RecordType.PLAN_VERSION),
            (AuditAction.ALTER, RecordType.PLAN),
        ]
        assert events[1].object_ids == [obj.uuid]


class TestBriefingEndpoint(ForceEndpointContract):
    endpoint = "/api/v1/briefings/"
    viewset = BriefingViewSet

    def make_object(self, force):  # type: ignore[no-untyped-def]
        version = active(force)
        with schema_context(force.schema_name):
            plan = Plan.objects.get(pk=version.plan_id)
        connection.set_schema_to_public()
        return plan

    def test_a_briefing_holds_no_protected_person_and_no_part_4(self, force_a):  # type: ignore[no-untyped-def]
        plan = self.make_object(force_a)
        viewer = make_user(force=force_a, roles=[ForceRole.VIEWER])
        client = token_client(viewer, force_a)
        for response in (client.get(self.endpoint), client.get(f"{self.endpoint}{plan.uuid}/")):
            assert response.status_code == 200
            text = response.content.decode()
            assert "Vicky Victim" not in text and "Pat Partner" not in text and "Serious harm" not in text
            assert "Arrest for breach" in text and "Not to contact the victim." in text


@pytest.mark.django_db
def test_the_done_when_scenario_over_the_api(force_a, force_b):
    subject = make_subject(force_a)
    order = make_order(force_a, subject=subject)
    for _ in range(3):
        make_term(force_a, order)
    author, boss = officer(force_a), supervisor(force_a)
    as_author, as_boss = token_client(author, force_a), token_client(boss, force_a)
    base = "/api/v1/plan-versions/"

    created = as_author.post(base, {"subject": str(subject.uuid)}, content_type="application/json")
    assert created.status_code == 201, created.content
    version = created.json()
    url = f"{base}{version['uuid']}/"
    # Submitting an empty draft names the parts missing.
    refused = as_author.post(f"{url}submit/", {}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["codes"] == {
        "offending_summary": ["part_incomplete"],
        "risk_level": ["risk_level_required"],
    }
    # Two sittings.
    saved = as_author.patch(url, {"revision": version["revision"], **PART_1}, content_type="application/json")
    assert saved.status_code == 200, saved.content
    stale = as_author.patch(
        url, {"revision": version["revision"], "risk_level": "low"}, content_type="application/json"
    )
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    assert "offending summary" in stale.json()["detail"]
    bad_option = as_author.patch(
        url,
        {
            "revision": saved.json()["revision"],
            "tactical_options": [{"pillar": "supervision", "option": "Stocks"}],
        },
        content_type="application/json",
    )
    assert bad_option.status_code == 400
    assert bad_option.json()["codes"] == {"tactical_options": ["unknown_tactical_option"]}
    saved = as_author.patch(
        url,
        {
            "revision": saved.json()["revision"],
            "risk_level": "medium",
            "tactical_options": [{"pillar": "monitoring-and-control", "option": "ANPR marker"}],
        },
        content_type="application/json",
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["tactical_options"] == [
        {"pillar": "monitoring-and-control", "option": "ANPR marker", "detail": ""}
    ]
    submitted_ = as_author.post(
        f"{url}submit/", {"revision": saved.json()["revision"]}, content_type="application/json"
    )
    assert submitted_.status_code == 200 and submitted_.json()["status"] == "submitted"

    # The author cannot approve (their own role lacks it, so give them the supervisor's too).
    from tenants.models import Membership

    Membership.objects.filter(user=author, force=force_a).update(
        roles=[ForceRole.OFFICER, ForceRole.SUPERVISOR]
    )
    before = last_event_id(force_a)
    own = as_author.post(f"{url}approve/", {}, content_type="application/json")
    assert own.status_code == 403 and own.json()["code"] == "own_plan"
    assert [e.action for e in events_since(force_a, before) if e.action != AuditAction.SIGN_IN] == [
        AuditAction.PERMISSION_DENIED
    ]
    # Editing a submitted version is a conflict.
    assert (
        as_author.patch(
            url, {"revision": 99, "risk_level": "low"}, content_type="application/json"
        ).status_code
        == 409
    )

    approved = as_boss.post(f"{url}approve/", {}, content_type="application/json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "active" and approved.json()["snapshot"]["orders"][0]["terms"]
    with schema_context(force_a.schema_name):
        plan = Plan.objects.get(subject__uuid=subject.uuid)
        assert plan.next_review_due == get_practice_settings().review_interval_for("medium").next_after(
            today()
        )
    connection.set_schema_to_public()
    assert as_boss.post(f"{url}approve/", {}, content_type="application/json").status_code == 409
    assert (
        as_author.patch(
            url,
            {"revision": approved.json()["revision"], "risk_level": "low"},
            content_type="application/json",
        ).status_code
        == 409
    )

    before = last_event_id(force_a)
    pdf = as_boss.get(f"{url}pdf/", **REASON)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="plan-version-{version["uuid"]}.pdf"'
    pages = _pages_text(pdf.content)
    assert pages and all(text.count("OFFICIAL-SENSITIVE") >= 2 for text in pages)
    assert all("Version 1, approved by" in text for text in pages)
    exported = as_boss.get(f"{url}export/", **REASON)
    assert exported.status_code == 200
    body = json.loads(exported.content)
    assert body["marking"] == "OFFICIAL-SENSITIVE" and body["version"] == 1
    assert body["parts"]["offending"]["offending_summary"] == PART_1["offending_summary"]
    events = [e for e in events_since(force_a, before) if e.action != AuditAction.SIGN_IN]
    assert [(e.action, e.recipient) for e in events] == [(AuditAction.DISCLOSE, "Niche upload")] * 2
    # An export needs the reason.
    assert as_boss.get(f"{url}pdf/").status_code == 400
    # Nothing of it from the other force.
    other = token_client(make_user(force=force_b, roles=[ForceRole.SUPERVISOR]), force_b)
    assert other.get(f"{url}", **REASON).status_code == 404
    assert other.get(f"{url}pdf/", **REASON).status_code == 404
    assert other.get(base).json()["results"] == []


@pytest.mark.django_db
def test_a_draft_cannot_be_exported(force_a):
    version = draft(force_a)
    client = token_client(supervisor(force_a), force_a)
    response = client.get(f"/api/v1/plan-versions/{version.uuid}/pdf/", **REASON)
    assert response.status_code == 409 and response.json()["code"] == "conflict"
