"""Onboarding: cloning the template schema against replaying every migration, and all reference forces."""

from __future__ import annotations

import time

from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings
from tqdm import tqdm

from bench.metrics import Cleanup, Context, Metric, interleaved
from core.tenancy import use_public_schema
from tenants.models import Force
from tenants.services import onboard_force, onboard_forces, reference_forces

_seq = iter(range(1_000_000))


# Both ways of building a schema are timed up to the schema being ready; dropping it again (no part
# of onboarding) happens after the clock stops, for both. The clone's side is the whole of
# onboard_force (host, administrator, defaults, invitation too); the replay's only the schema.


def _drop(schema: str, force: Force | None = None) -> Cleanup:
    def drop() -> None:
        use_public_schema()
        with connection.cursor() as cur:
            cur.execute(f'DROP SCHEMA "{schema}" CASCADE')
        if force is not None:
            force.delete()

    return Cleanup(drop)


def _replay_migrations() -> Cleanup:
    """Build one force schema the slow way: CREATE SCHEMA, then every migration."""
    schema = f"bench_replay_{next(_seq)}"
    with connection.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{schema}"')
    call_command("migrate_schemas", tenant=True, schema_name=schema, interactive=False, verbosity=0)
    use_public_schema()
    return _drop(schema)


def _onboard_one() -> Cleanup:
    """Onboard one force the way the platform does (clone, host, administrator, defaults, email)."""
    slug = f"bench-clone-{next(_seq)}"
    result = onboard_force(
        region_slug="east-midlands", slug=slug, name=f"Bench {slug}", admin_email=f"admin@{slug}.bench"
    )
    return _drop(result.force.schema_name, result.force)


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def run(ctx: Context) -> list[Metric]:
    # Three rounds: a replay is about 7 s at 43 forces and the ratio (x17-22) is far above its x5.
    rounds = max(3, ctx.rounds // 5)
    clone, replay = interleaved(rounds, _onboard_one, _replay_migrations)
    metrics = [
        Metric(
            "onboarding.one_force",
            clone,
            "s",
            target="< 2",
            target_on="value",
            note="onboard_force: clone of the template, host, administrator, defaults, invitation",
        ),
        Metric(
            "onboarding.replay_over_clone",
            replay,
            "s",
            baseline=clone,
            target=">= 5",
            note="CREATE SCHEMA + every migration / onboard_force (each up to its schema being ready; "
            "the DROP afterwards is not timed)",
        ),
    ]
    refs = [r for r in reference_forces()[: ctx.forces] if not Force.objects.filter(slug=r.slug).exists()]
    bar = tqdm(total=len(refs), desc="onboard forces", unit="force")
    started = time.perf_counter()
    onboard_forces(
        refs, admin_email_for=lambda r: f"force-admin@{r.slug}.bench", progress=lambda r: bar.update(1)
    )
    elapsed = time.perf_counter() - started
    bar.close()
    if refs:
        # The one-force figure is measured again right after, so the ratio is not against another moment.
        (again,) = interleaved(rounds, _onboard_one, warmup=0)
        metrics.append(
            Metric(
                f"onboarding.all_{len(refs)}",
                elapsed,
                "s",
                baseline=again * len(refs),
                target="< 120",
                target_on="value",
                note=f"onboard_forces over {len(refs)} reference forces; baseline: one force x {len(refs)}",
            )
        )
        clone_full, replay_full = interleaved(rounds, _onboard_one, _replay_migrations)
        metrics += [
            Metric(
                f"onboarding.one_force_with_{len(refs)}", clone_full, "s", target="< 2", target_on="value"
            ),
            Metric(
                f"onboarding.replay_over_clone_with_{len(refs)}",
                replay_full,
                "s",
                baseline=clone_full,
                target=">= 5",
            ),
        ]
    return metrics
