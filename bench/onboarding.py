"""Onboarding: cloning the template schema against replaying every migration, and all 43 forces."""

from __future__ import annotations

import statistics
import time
from typing import Any

from django.core.management import call_command
from django.db import connection
from tqdm import tqdm

from spmp_platform.db import use_public_schema
from tenants.models import Force
from tenants.services import onboard_force, reference_forces

REPEATS = 5


def _replay_migrations(schema: str) -> float:
    """Time building one force schema the slow way: CREATE SCHEMA, then every migration."""
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{schema}"')
    call_command("migrate_schemas", tenant=True, schema_name=schema, interactive=False, verbosity=0)
    elapsed = time.perf_counter() - started
    use_public_schema()
    with connection.cursor() as cur:
        cur.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return elapsed


def _onboard_one(slug: str) -> float:
    started = time.perf_counter()
    onboard_force(
        region_slug="east-midlands", slug=slug, name=f"Bench {slug}", admin_email=f"admin@{slug}.bench"
    )
    elapsed = time.perf_counter() - started
    force = Force.objects.get(slug=slug)
    with connection.cursor() as cur:
        cur.execute(f'DROP SCHEMA "{force.schema_name}" CASCADE')
    force.delete()
    return elapsed


def run() -> dict[str, Any]:
    # Interleave the two so that machine noise hits both alike.
    clone_times, replay_times = [], []
    for i in tqdm(range(REPEATS), desc="clone vs replay", unit="round"):
        clone_times.append(_onboard_one(f"bench-clone-{i}"))
        replay_times.append(_replay_migrations(f"bench_replay_{i}"))
    clone = statistics.median(clone_times)
    replay = statistics.median(replay_times)

    refs = reference_forces()
    started = time.perf_counter()
    for ref in tqdm(refs, desc="onboard all forces", unit="force"):
        onboard_force(
            region_slug=ref.region_slug,
            slug=ref.slug,
            name=ref.name,
            admin_email=f"force-admin@{ref.slug}.bench",
        )
    all_forces = time.perf_counter() - started
    per_force = all_forces / len(refs)

    result = {
        "onboard_one_force_s": round(clone, 3),
        "replay_migrations_one_force_s": round(replay, 3),
        "replay_over_clone": round(replay / clone, 2),
        "onboard_all_forces_s": round(all_forces, 2),
        "forces": len(refs),
        "per_force_in_bulk_over_single": round(per_force / clone, 2),
        "repeats": REPEATS,
    }
    print("\nOnboarding (medians of", REPEATS, "interleaved rounds)")
    print(f"  onboard one force (clone template)   {clone:7.3f} s   baseline")
    print(f"  replay every migration for one force {replay:7.3f} s   x{replay / clone:.2f} of clone")
    print(
        f"  onboard all {len(refs)} forces              {all_forces:7.2f} s   "
        f"{per_force:.3f} s/force, x{per_force / clone:.2f} of one"
    )
    return result
