"""Plan figures (issue 12): a version's detail over the whole stack against a bare DRF view, the
PDF export against the JSON export of the same four-part version with 20 terms, and a briefings
page of 50 against a page of 5 (time and queries). Needs the load data (``data``), whose plans
step gives every force plans with 2-5 versions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from bench.api import REASON, _get, _queries, bench_force, officer_client
from bench.metrics import Context, Metric, interleaved
from core.tenancy import use_public_schema

TERMS = 20


class BarePlanVersionView(APIView):
    """The baseline: no routing, authentication, permission or audit service; the version with its
    parts in the same queries, one plain INSERT, the same serialiser."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    def get(self, request: Any, uuid: str) -> Response:
        from api.plans import PlanVersionSerializer
        from plans.models import PlanVersion

        version = PlanVersion.objects.with_parts().get(uuid=uuid)
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO public.bench_plain_insert (at, subject, note) VALUES (now(), %s, %s)",
                [version.uuid, REASON],
            )
        return Response(PlanVersionSerializer(version, context={"request": request}).data)


def _bare_caller(force: Any, version_uuid: str) -> Any:
    view = BarePlanVersionView.as_view()
    factory = APIRequestFactory()

    def call() -> None:
        # As bench.api's bare view: no SET search_path when already on the force's schema (the
        # whole stack's host routing skips it too).
        if connection.schema_name != force.schema_name:  # type: ignore[attr-defined]
            connection.set_tenant(force)  # type: ignore[attr-defined]
        response = view(factory.get(f"/bare/{version_uuid}/"), uuid=version_uuid)
        response.render()
        assert response.status_code == 200, response.content

    return call


def four_part_version(force: Any) -> str:
    """A subject with an order of 20 terms and an approved version with all four parts written,
    made through the services (as the officer and a system approver); its UUID."""
    from django_tenants.utils import schema_context

    from orders import services as orders
    from organisation.practice import get_practice_settings
    from plans import services as plans
    from plans.choices import PlanPart
    from statute.models import OrderType
    from subjects import services as subjects
    from tenants.models import User

    actor = User.objects.get(email=f"bench-officer@{force.slug}.bench")
    with schema_context(force.schema_name):
        subject = subjects.create_subject(
            actor=actor,
            family_name="Planned",
            given_names="Bench",
            vehicles=[{"vrm": "PL12 ANS", "make": "Ford"}],
        )
        made = dt.date.today() - dt.timedelta(days=30)
        order = orders.create_order(
            actor=actor,
            subject=subject,
            order_type=OrderType.objects.get(code="SPO"),
            court="Bench Magistrates' Court",
            made_on=made,
            served_on=made,
            until_further_order=True,
        )
        for n in range(TERMS):
            orders.add_term(
                actor=actor,
                order=order,
                kind="prohibition" if n % 2 else "requirement",
                wording=f"Term {n + 1}: not to contact the victim by any means, directly or through others.",
                exclusion_zone=f"Zone {n + 1}, Lincoln" if n % 3 == 0 else "",
            )
        options = list(get_practice_settings().tactical_options)[:4]
        text = "Escalating contact after the order was served; see the occurrence log. " * 4
        version = plans.start_draft(actor=actor, subject=subject)
        for part, data in (
            (PlanPart.OFFENDING, {"offending_summary": text, "safeguarding_options": text}),
            (
                PlanPart.MANAGEMENT,
                {
                    "management_strategies": text,
                    "investigations": [
                        {"occurrence_ref": f"BN-{n}", "started_on": made.isoformat(), "summary": text}
                        for n in range(3)
                    ],
                },
            ),
            (
                PlanPart.RISK,
                {
                    "risk_level": "high",
                    "risk_rationale": text,
                    "risk_factors": text,
                    "protective_factors": text,
                    "on_contact": text,
                    "tactical_options": [
                        {"pillar": "supervision", "option": o, "detail": "Monthly"} for o in options
                    ],
                },
            ),
            (
                PlanPart.RELATIONSHIPS,
                {"disclosures": [{"partner": "A new partner", "decision": "pending", "checks": text}]},
            ),
        ):
            version = plans.save_part(
                actor=actor, version=version, part=part, data=data, revision=version.revision
            )
        version = plans.submit_version(actor=actor, version=version)
        version = plans.approve_version(version=version, approver=None)
        uuid = str(version.uuid)
    use_public_schema()
    return uuid


def run(ctx: Context) -> list[Metric]:
    from django_tenants.utils import schema_context

    from plans.models import Plan

    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS public.bench_plain_insert "
            "(id bigserial PRIMARY KEY, at timestamptz, subject uuid, note text)"
        )
    force = bench_force()
    client = officer_client(force)
    version_uuid = four_part_version(force)
    detail = _get(client, f"/api/v1/plan-versions/{version_uuid}/", HTTP_X_ACCESS_REASON=REASON)
    whole, base = interleaved(ctx.rounds * 4, detail, _bare_caller(force, version_uuid))
    metrics = [
        Metric(
            "api.plan_detail_overhead",
            whole * 1000,
            "ms",
            baseline=base * 1000,
            target="<= 1.5",
            note="GET /api/v1/plan-versions/<uuid>/ of a four-part version in process (host, token, "
            "ForcePermission, restrict, consult insert) / a bare DRF view called directly (with_parts, "
            "one plain INSERT, same serialiser)",
        )
    ]

    pdf = _get(client, f"/api/v1/plan-versions/{version_uuid}/pdf/", HTTP_X_ACCESS_REASON=REASON)
    json_export = _get(client, f"/api/v1/plan-versions/{version_uuid}/export/", HTTP_X_ACCESS_REASON=REASON)
    pdf_s, json_s = interleaved(ctx.rounds, pdf, json_export)
    metrics.append(
        Metric(
            "plans.pdf_over_json",
            pdf_s,
            "s",
            baseline=json_s,
            target="< 1",
            target_on="value",
            note=f"GET .../pdf/ of a four-part version with {TERMS} terms / .../export/ (JSON) of the same; "
            "the target is on the PDF's seconds, the ratio is reported",
        )
    )

    with schema_context(force.schema_name):
        active = Plan.objects.filter(status="active").count()
    use_public_schema()
    page = {n: _get(client, f"/api/v1/briefings/?page_size={n}") for n in (5, 50)}
    five, fifty = interleaved(ctx.rounds * 2, page[5], page[50])
    counts = {n: len(_queries(page[n])) for n in (5, 50)}
    metrics.append(
        Metric(
            "plans.briefings_50_over_5",
            fifty * 1000,
            "ms",
            baseline=five * 1000,
            target="<= 2",
            note=f"API briefings page of 50 / page of 5, {active} active plans in the force; "
            f"queries {counts[50]} / {counts[5]}",
        )
    )
    metrics.append(
        Metric(
            "plans.briefings_queries_50",
            counts[50],
            "queries",
            baseline=counts[5],
            target="<= 1",
            note="queries for a briefings page of 50 / a page of 5 (equal is x1.00)",
        )
    )
    return metrics
