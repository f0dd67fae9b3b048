"""``migrate_all`` over every onboarded force: with nothing to do, against one schema's no-op migrate;
and in parallel against one after another, with nothing to do and with a migration to apply in
every force schema.

Since issue 10, ``migrate_all`` compares every schema's recorded migrations with the template's in
one statement and migrates only the schemas behind, so with nothing to do ``--parallel`` has
nothing to hand out: both run the same checks (issue 18's "parallel / serial with nothing to do
<= 0.6" cannot be met, nor missed, by the executor; that figure is reported for the record). What
parallelism is for is measured instead: ``PENDING``, a migration that changes only Django's model
state (field choices; no SQL), is marked unapplied in every force schema before each timed run, so
each run migrates all of them, as a release does.
"""

from __future__ import annotations

from django.core.management import call_command
from django.db import connection

from bench.metrics import Cleanup, Context, Metric, interleaved
from core.tenancy import use_public_schema

#: A leaf migration without SQL (it alters field choices) that no other migration depends on.
PENDING = ("reminders", "0002_grant_ending_kind")


def unapply_pending(schemas: list[str]) -> None:
    """Record ``PENDING`` as not applied in every force schema (the template keeps it)."""
    with connection.cursor() as cur:
        for schema in schemas:
            cur.execute(
                f"DELETE FROM {connection.ops.quote_name(schema)}.django_migrations "
                "WHERE app = %s AND name = %s",
                PENDING,
            )


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

    def pending(*args: str):  # type: ignore[no-untyped-def]
        def run_it() -> Cleanup:
            call_command("migrate_all", *args, verbosity=0)
            return Cleanup(lambda: unapply_pending(schemas))

        return run_it

    whole, one = interleaved(max(3, ctx.rounds // 3), all_forces, one_schema)
    parallel, serial = interleaved(max(3, ctx.rounds // 3), all_forces_parallel, all_forces)
    unapply_pending(schemas)
    # About 40 s a round at 43 forces: three rounds, not five.
    pending_parallel, pending_serial = interleaved(
        max(3, ctx.rounds // 5), pending("--parallel", "4"), pending()
    )
    call_command("migrate_all", verbosity=0)  # leave every schema migrated
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
            note="migrate_all --parallel 4 / migrate_all, nothing to do, for the record: no force is "
            "behind the template, so both run the same checks and there is nothing to divide",
        ),
        Metric(
            f"migrate.pending_{n}_parallel",
            pending_parallel,
            "s",
            baseline=pending_serial,
            target="<= 0.6",
            note=f"migrate_all --parallel 4 / migrate_all, with {'.'.join(PENDING)} (no SQL) to apply "
            f"in each of the {n} force schemas",
        ),
    ]
