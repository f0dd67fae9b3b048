"""Compliance figures (issue 13 "Measure"), on the load data with its two years of compliance
history (``data``'s compliance step): 3,000 subjects per force, same run.

* ``trends.dashboard_3000``: GET /trends/ as an analyst, < 1 s; and ``trends.dashboard_over_list``,
  the same against the subject list page (the caseload officer's ``/subjects/``): <= 10.
* ``visits.mine_50_over_5``: /visits/mine/ for a member of the visiting team, a page of 50 against
  a page of 5, <= 2, with equal query counts (``visits.mine_queries_50``).
* ``escalation.force_over_subjects``: the escalation check over the whole force (one query) against
  one subject's check times the number of subjects, <= 0.1 (set-based, not a loop).
* ``outcomes.page_ms`` and the query counts of /trends/ and /outcomes/, for the record.

``BENCH_DATABASE_NAME=spmp_bench_<name> python -m bench --quick --forces 1 --only data compliance``
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.api import _get, bench_force
from bench.metrics import Context, Metric, interleaved
from core.tenancy import use_public_schema


def _queries(call: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries)


def _session(force: Any, email: str, role: str, *, team: str | None = None) -> Client:
    """A signed-in browser of ``force`` with one role (and a member of ``team``, if named)."""
    from django_tenants.utils import schema_context

    from organisation.models import Team, TeamMember
    from tenants.models import Membership, User

    user, _ = User.objects.get_or_create(email=email)
    Membership.objects.update_or_create(
        user=user, force=force, defaults={"roles": [role], "status": Membership.Status.ACTIVE}
    )
    if team is not None:
        with schema_context(force.schema_name):
            TeamMember.objects.get_or_create(team=Team.objects.get(name=team), user=user)
        use_public_schema()
    client = Client(HTTP_HOST=f"{force.slug}.{settings.SPMP_DOMAIN}")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def run(ctx: Context) -> list[Metric]:
    from django_tenants.utils import schema_context

    from compliance import selectors
    from compliance.models import Breach, ComplianceReview, Visit
    from core.roles import ForceRole
    from organisation.practice import get_practice_settings
    from subjects.models import Subject

    force = bench_force()
    with schema_context(force.schema_name):
        counts = (
            Subject.objects.count(),
            Visit.objects.count(),
            Breach.objects.count(),
            ComplianceReview.objects.count(),
        )
    use_public_schema()
    where = (
        f"{counts[0]} subjects, {counts[1]} visits, {counts[2]} breaches, {counts[3]} reviews in the "
        f"force; {ctx.server} server"
    )
    slug = force.slug
    analyst = _session(force, f"bench-analyst@{slug}.bench", ForceRole.ANALYST)
    officer = _session(force, f"bench-officer@{slug}.bench", ForceRole.COORDINATOR)
    visitor = _session(force, f"bench-visitor@{slug}.bench", ForceRole.VISITING_OFFICER, team="Bench NPT")
    metrics: list[Metric] = []

    trends, subject_list, outcomes = (
        _get(analyst, "/trends/"),
        _get(officer, "/subjects/"),
        _get(analyst, "/outcomes/"),
    )
    trends_s, list_s, outcomes_s = interleaved(ctx.rounds, trends, subject_list, outcomes)
    metrics += [
        Metric(
            "trends.dashboard_3000",
            trends_s,
            "s",
            target="< 1",
            target_on="value",
            note=f"GET /trends/ as an analyst (four charts' tables, 12 months); {where}",
        ),
        Metric(
            "trends.dashboard_over_list",
            trends_s * 1000,
            "ms",
            baseline=list_s * 1000,
            target="<= 10",
            note="GET /trends/ / GET /subjects/ (the list page, 25 a page), same run",
        ),
        Metric("trends.dashboard_queries", _queries(trends), "queries", note="GET /trends/"),
        Metric(
            "outcomes.page_ms",
            outcomes_s * 1000,
            "ms",
            note="GET /outcomes/ (equal periods around each plan's first approved version)",
        ),
        Metric("outcomes.page_queries", _queries(outcomes), "queries", note="GET /outcomes/"),
    ]

    five, fifty = _get(visitor, "/visits/mine/?page_size=5"), _get(visitor, "/visits/mine/?page_size=50")
    small, large = interleaved(ctx.rounds * 2, five, fifty)
    metrics += [
        Metric(
            "visits.mine_50_over_5",
            large * 1000,
            "ms",
            baseline=small * 1000,
            target="<= 2",
            note="GET /visits/mine/ for a member of the visiting team, page of 50 / page of 5",
        ),
        Metric(
            "visits.mine_queries_50",
            _queries(fifty),
            "queries",
            baseline=_queries(five),
            target="<= 1",
            note="queries for a page of 50 / a page of 5 (equal is x1.00)",
        ),
    ]

    with schema_context(force.schema_name):
        settings_row = get_practice_settings()
        subjects = Subject.objects.all()
        one = Subject.objects.order_by("id").first()
        total = subjects.count()

        def whole_force() -> None:
            selectors.escalated_subjects(subjects, settings_row=settings_row)

        def one_subject() -> None:
            selectors.escalation_of(one, settings_row=settings_row)  # type: ignore[arg-type]

        force_s, one_s = interleaved(ctx.rounds, whole_force, one_subject)
        flagged = len(selectors.escalated_subjects(subjects, settings_row=settings_row))
        force_queries = _queries(whole_force)
    use_public_schema()
    metrics += [
        Metric(
            "escalation.force_over_subjects",
            force_s * 1000,
            "ms",
            baseline=one_s * total * 1000,
            target="<= 0.1",
            note=(
                f"escalated_subjects over {total} subjects ({flagged} flagged, {force_queries} "
                f"query) / escalation_of one subject x {total}"
            ),
        ),
    ]
    return metrics
