"""Onboarding: cloning the template schema against replaying every migration, and all 43 forces."""

from __future__ import annotations

import statistics
import time
from typing import Any

from django.core.management import call_command
from django.db import connection
from tqdm import tqdm

from core.tenancy import use_public_schema
from tenants.models import Force
from tenants.services import onboard_force, onboard_forces, reference_forces

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
    bar = tqdm(total=len(refs), desc="onboard all forces", unit="force")
    # The code path of `onboard_region --all`.
    onboard_forces(
        refs,
        admin_email_for=lambda ref: f"force-admin@{ref.slug}.bench",
        progress=lambda ref: bar.update(1),
    )
    bar.close()
    all_forces = time.perf_counter() - started
    per_force = all_forces / len(refs)

    # The same comparison with every force's schema present: the clone scans the catalog, so
    # both costs are measured again at full size.
    full_clone, full_replay = [], []
    for i in tqdm(range(REPEATS), desc="clone vs replay at 43", unit="round"):
        full_clone.append(_onboard_one(f"bench-full-{i}"))
        full_replay.append(_replay_migrations(f"bench_full_replay_{i}"))
    clone_full = statistics.median(full_clone)
    replay_full = statistics.median(full_replay)

    result = {
        "onboard_one_force_s": round(clone, 3),
        "replay_migrations_one_force_s": round(replay, 3),
        "replay_over_clone": round(replay / clone, 2),
        "onboard_all_forces_s": round(all_forces, 2),
        "forces": len(refs),
        "per_force_in_bulk_over_single": round(per_force / clone, 2),
        "onboard_one_force_with_all_present_s": round(clone_full, 3),
        "replay_migrations_with_all_present_s": round(replay_full, 3),
        "replay_over_clone_with_all_present": round(replay_full / clone_full, 2),
        "repeats": REPEATS,
    }
    print("\nOnboarding (medians of", REPEATS, "interleaved rounds)")
    print(f"  onboard one force (clone template)   {clone:7.3f} s   baseline")
    print(f"  replay every migration for one force {replay:7.3f} s   x{replay / clone:.2f} of clone")
    print(
        f"  onboard all {len(refs)} forces              {all_forces:7.2f} s   "
        f"{per_force:.3f} s/force, x{per_force / clone:.2f} of one"
    )
    print(
        f"  with all {len(refs)} present: onboard one {clone_full:7.3f} s, replay {replay_full:7.3f} s"
        f"   x{replay_full / clone_full:.2f} of clone"
    )
    return result
