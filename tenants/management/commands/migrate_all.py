"""Migrate the public schema, the force template schema, then every force's schema."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core.tenancy import use_public_schema


class Command(BaseCommand):
    help = (
        "Migrate everything: public, the template new forces are cloned from (migrate_schemas "
        "never does), and every force. Idempotent."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--parallel",
            type=int,
            default=1,
            metavar="N",
            help="Migrate the force schemas (after public and the template) in N processes "
            "(django-tenants' multiprocessing executor); 1: one after another.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options.get("verbosity", 1))
        parallel = int(options.get("parallel") or 1)
        if parallel < 1:
            raise CommandError("--parallel must be 1 or more.")
        refuse_pre_restructure_database()
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=max(0, verbosity - 1))
        migrate_template(verbosity=max(0, verbosity - 1))
        behind = force_schemas_behind_template()
        if len(behind) > 1 and parallel > 1:
            migrate_in_parallel(behind, processes=parallel, verbosity=max(0, verbosity - 1))
        else:
            for schema in behind:
                call_command(
                    "migrate_schemas",
                    tenant=True,
                    schema_name=schema,
                    interactive=False,
                    verbosity=max(0, verbosity - 1),
                )
        use_public_schema()
        from tenants.services import ensure_platform

        ensure_platform()
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Public, template and force schemas are migrated ({len(behind)} force schemas needed it)."
                )
            )


def migrate_in_parallel(schemas: list[str], *, processes: int, verbosity: int = 0) -> None:
    """Migrate ``schemas`` with django-tenants' multiprocessing executor, ``processes`` at a time.

    Only force schemas, after public and the template: a force's migrations may depend on public
    tables, never on another force's. Each process opens its own connection (the parent's is
    closed before the fork).
    """
    import functools
    import multiprocessing

    from django.core.management.commands.migrate import Command as Migrate
    from django_tenants.migration_executors.multiproc import run_migrations_percent

    options = vars(Migrate().create_parser("manage.py", "migrate").parse_args([]))
    options.update(interactive=False, verbosity=verbosity, skip_checks=True)
    # django-tenants' MultiprocessingExecutor forks a pool it never closes: its idle children
    # outlive the command holding the parent's sockets (a test worker's live server, a browser
    # driver's pipes). The same per-schema function, in a pool that is ended when it is done.
    connection.close()  # each child opens its own
    migrate_one = functools.partial(run_migrations_percent, [], options, "multiprocessing", len(schemas))
    with multiprocessing.get_context("fork").Pool(processes=processes) as pool:
        pool.map(migrate_one, enumerate(schemas), 1)
    use_public_schema()


def migrate_template(*, verbosity: int = 0) -> None:
    """Create the clone template schema if missing and bring it to the latest tenant migration."""
    template = settings.TENANT_BASE_SCHEMA
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{template}"')
    call_command("migrate_schemas", tenant=True, schema_name=template, interactive=False, verbosity=verbosity)
    use_public_schema()


def force_schemas_behind_template() -> list[str]:
    """Force schemas whose recorded migrations are not exactly the (just migrated) template's.

    Running ``migrate_schemas`` on a schema with nothing to do costs about 70 ms, growing with the
    catalogue, so 43 forces took 6 s and 1,000 would take minutes. One statement compares every
    schema's ``django_migrations`` with the template's; only those that differ are migrated.
    """
    from tenants.models import Force

    template = settings.TENANT_BASE_SCHEMA
    schemas = list(
        Force.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)
        .order_by("id")
        .values_list("schema_name", flat=True)
    )
    if not schemas:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = 'django_migrations' AND table_schema = ANY(%s)",
            [[*schemas, template]],
        )
        recorded = {row[0] for row in cursor.fetchall()}
        if template not in recorded:
            return schemas
        present = [s for s in schemas if s in recorded]
        digest = "md5(coalesce(string_agg(app || '.' || name, ',' ORDER BY app, name), ''))"
        # Schema names come from Force rows (validated DNS-label slugs), quoted here as identifiers.
        parts = [
            "SELECT %s, " + digest + " FROM " + connection.ops.quote_name(s) + ".django_migrations"  # noqa: S608
            for s in [template, *present]
        ]
        union = " UNION ALL ".join(parts)
        cursor.execute(union, [template, *present])
        digests = dict(cursor.fetchall())
    expected = digests[template]
    return [s for s in schemas if digests.get(s) != expected]


# Apps whose migration history was restarted when the code was restructured (issue 7). `plans`
# came back later as a new app with new migrations, so a database is of the old layout when it
# records a migration of these apps that is not on disk now (the old history), not any row at all.
_OLD_LAYOUT_APPS = ("plans", "api")


def _current_migration_names() -> dict[str, list[str]]:
    from django.db.migrations.loader import MigrationLoader

    on_disk = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    return {app: [name for (label, name) in on_disk if label == app] for app in _OLD_LAYOUT_APPS}


def refuse_pre_restructure_database() -> None:
    """Stop with one line saying what to run when the database predates the restructure."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.django_migrations') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return
        old = 0
        for app, names in _current_migration_names().items():
            cursor.execute(
                "SELECT count(*) FROM public.django_migrations WHERE app = %s AND NOT (name = ANY(%s))",
                [app, names],
            )
            old += cursor.fetchone()[0]
        if old:
            where = "the embedded database under .data/" if settings.EMBEDDED_DATABASE else "this database"
            raise CommandError(
                f"{where} was made before the apps were restructured and cannot be migrated: "
                "run `make clean-data` (embedded) or drop and recreate the database, then `make demo`."
            )
