"""Resourcing figures (issue 15): the regional report over every force x 12 months of daily
snapshots against the same report for one force, and the capacity snapshot of a force with 3,000
subjects against one with 300 (set-based: the ratio stays near 1, far under 10). The snapshot job's
time over every force is reported for the nightly-jobs figure. Needs the load data (``data``); run
alone it first generates one force of it.

    python -m bench --quick --forces 1 --only data resourcing
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from bench.api import bench_force
from bench.data import STEPS, generate
from bench.metrics import Context, Metric, interleaved, timed
from core.tenancy import use_public_schema

SMALL = 300
SMALL_SLUG = "bench-small-force"
HISTORY_DAYS = 365


def _forces() -> list[Any]:
    from tenants.models import Force

    return list(Force.objects.exclude(schema_name="public").exclude(slug=SMALL_SLUG).order_by("id"))


def _small_force(region_slug: str) -> Any:
    """A force of ``SMALL`` subjects filled by the same load steps (made once per scratch database)."""
    from tenants.models import Force
    from tenants.services import onboard_force

    force = Force.objects.filter(slug=SMALL_SLUG).first()
    if force is None:
        force = onboard_force(
            region_slug=region_slug,
            slug=SMALL_SLUG,
            name="Bench small force",
            admin_email="admin@small.bench",
        ).force
        rng = random.Random("small")
        with schema_context(force.schema_name):
            for step in STEPS:
                step.fill(force, rng, SMALL)
        use_public_schema()
    return force


def _platform_admin_client() -> Client:
    from core.roles import RegionalRoleKind
    from tenants.models import RegionalRole, User

    user, _ = User.objects.get_or_create(email="bench-platform-admin@spmp.bench")
    RegionalRole.objects.get_or_create(user=user, role=RegionalRoleKind.PLATFORM_ADMIN, region=None)
    client = Client(HTTP_HOST=settings.SPMP_DOMAIN)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def run(ctx: Context) -> list[Metric]:
    from jobs.registry import run_for_force
    from resourcing import report
    from resourcing.demo import seed_history
    from resourcing.models import ForceSnapshot
    from resourcing.selectors import force_figures

    if bench_force() is None:  # run alone: one force of load data first
        generate(forces=1, subjects_per_force=ctx.subjects_per_force, progress=False)
    forces = _forces()
    today = timezone.localdate()

    # The nightly job over every force (its time joins the nightly-jobs figure), then a year of
    # daily history per force drawn from today's snapshot, as the demo step does.
    def snapshot_all() -> None:
        for force in forces:
            run_for_force("capacity_snapshot", force, today)

    ForceSnapshot.objects.filter(force__in=forces).delete()
    from jobs.models import JobRun

    JobRun.objects.filter(job="capacity_snapshot").delete()
    job_seconds = timed(snapshot_all)
    for force in forces:
        with schema_context(force.schema_name):
            seed_history(force, today, days=HISTORY_DAYS)
    use_public_schema()
    held = ForceSnapshot.objects.filter(force__in=forces).count()

    one = forces[:1]

    def report_all() -> None:
        result = report.region_report(None, today=today, forces=forces)
        assert len(result.history) >= 12 and len(result.rows) == len(forces)

    def report_one() -> None:
        report.region_report(None, today=today, forces=one)

    all_s, one_s = interleaved(ctx.rounds, report_all, report_one)

    client = _platform_admin_client()

    def api_all() -> None:
        response = client.get("/api/v1/region/report/", {"region": "all", "growth": "10"})
        assert response.status_code == 200, response.content[:300]

    (api_s,) = interleaved(max(3, ctx.rounds // 3), api_all)

    # The snapshot's figures in a force of 3,000 subjects against one of 300.
    big = bench_force()
    small = _small_force(big.region.slug if big.region else "east-midlands")
    days = itertools.count(1)

    def figures_in(force: Any) -> Any:
        def call() -> None:
            with schema_context(force.schema_name):
                force_figures(today - dt.timedelta(days=next(days) % 7))
            use_public_schema()

        return call

    big_s, small_s = interleaved(ctx.rounds, figures_in(big), figures_in(small))
    with schema_context(big.schema_name):
        from subjects.models import Subject

        big_n = Subject.objects.count()
    with schema_context(small.schema_name):
        small_n = Subject.objects.count()
    use_public_schema()
    assert connection.schema_name == "public"  # type: ignore[attr-defined]
    n = len(forces)
    return [
        Metric(
            "region.report_43x12",
            all_s * 1000,
            "ms",
            target="< 300",
            target_on="value",
            note=f"{n} forces x 12 months from {held} daily snapshots (report.region_report, all regions)",
        ),
        Metric(
            f"resourcing.report_{n}_over_1",
            all_s * 1000,
            "ms",
            baseline=one_s * 1000,
            target="<= 5",
            note="the same report for one force as baseline",
        ),
        Metric(
            "resourcing.report_api_all",
            api_s * 1000,
            "ms",
            note=f"GET /api/v1/region/report/?region=all&growth=10 by a platform administrator ({n} forces), for the record",
        ),
        Metric(
            f"resourcing.snapshot_{big_n}_over_{small_n}",
            big_s * 1000,
            "ms",
            baseline=small_s * 1000,
            target="<= 3",
            note="force_figures() in a force of the load data against a force of 300 subjects",
        ),
        Metric(
            f"resourcing.capacity_snapshot_{n}_forces",
            job_seconds,
            "s",
            note="run_for_force('capacity_snapshot') for every force, once: joins jobs.nightly_43x3000",
        ),
    ]
