"""``restore_force`` of one filled force against ``backup_force`` of it (issue 18: ratio <= 3).

Interleaved rounds in the scratch database: back the first force up, restore it from that file.
A restore does more than a dump reads: it rebuilds every index and checks every constraint, drops
the replaced schema, and restarts the force's audit seal chain.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.metrics import Context, Metric, interleaved


def run(ctx: Context) -> list[Metric]:
    from django_tenants.utils import schema_context

    from subjects.models import Subject
    from tenants.backup import backup_force, restore_force
    from tenants.models import Force

    force = Force.objects.exclude(schema_name="public").order_by("id").first()
    if force is None:
        return []
    with schema_context(force.schema_name):
        subjects = Subject.objects.count()
    with tempfile.TemporaryDirectory(prefix="spmp-bench-backup-") as folder:
        dump = Path(folder) / "force.dump"
        backup_force(force.slug, dump)

        def backup() -> None:
            backup_force(force.slug, Path(folder) / "again.dump")

        def restore() -> None:
            restore_force(force.slug, dump)

        rounds = max(3, ctx.rounds // 5)
        restored, backed_up = interleaved(rounds, restore, backup)
        size = dump.stat().st_size
    return [
        Metric(
            f"restore.force_{subjects}",
            restored,
            "s",
            baseline=backed_up,
            target="<= 3",
            note=f"restore_force / backup_force of {force.slug} ({subjects} subjects, a {size // 1024} KiB dump)",
        )
    ]
