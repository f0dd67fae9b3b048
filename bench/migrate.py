"""``migrate_all`` with nothing to do, over every onboarded force, against one schema's no-op migrate."""

from __future__ import annotations

from django.core.management import call_command

from bench.metrics import Context, Metric, interleaved
from core.tenancy import use_public_schema


def run(ctx: Context) -> list[Metric]:
    from tenants.models import Force

    schemas = list(
        Force.objects.exclude(schema_name="public").order_by("id").values_list("schema_name", flat=True)
    )

    def all_forces() -> None:
        call_command("migrate_all", verbosity=0)

    def one_schema() -> None:
        call_command("migrate_schemas", tenant=True, schema_name=schemas[0], interactive=False, verbosity=0)
        use_public_schema()

    def all_forces_parallel() -> None:
        call_command("migrate_all", "--parallel", "4", verbosity=0)

    whole, one = interleaved(max(3, ctx.rounds // 3), all_forces, one_schema)
    parallel, serial = interleaved(max(3, ctx.rounds // 3), all_forces_parallel, all_forces)
    n = len(schemas)
    return [
        Metric(
            f"migrate.noop_{n}",
            whole,
            "s",
            target="< 60",
            target_on="value",
            note=f"migrate_all with nothing to do over {n} forces",
        ),
        Metric(
            f"migrate.noop_{n}_over_one_x{n}",
            whole,
            "s",
            baseline=one * n,
            target="<= 1",
            note=f"the same / (migrate_schemas on one force schema x {n}): below 1 means no per-schema cost",
        ),
        Metric(
            f"migrate.noop_{n}_parallel",
            parallel,
            "s",
            baseline=serial,
            target="<= 0.6",
            note="migrate_all --parallel 4 / migrate_all, nothing to do: with no force behind the template "
            "there is nothing to divide (public and the template are migrated first, in order)",
        ),
    ]
