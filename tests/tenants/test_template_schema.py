"""The clone template is migrated to the latest tenant migration and clones match migrated schemas."""

from __future__ import annotations

import subprocess
import sys

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from tenants.management.commands.migrate_all import migrate_template
from tests.helpers import child_env


def _columns(schema: str) -> set[tuple[str, str, str]]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s",
            [schema],
        )
        return set(cur.fetchall())


def _applied(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cur:
        cur.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        return set(cur.fetchall())


def _latest_tenant_migrations() -> set[tuple[str, str]]:
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    tenant_apps = {a.rsplit(".", 1)[-1] for a in settings.TENANT_APPS}
    leaves = set()
    for app, name in loader.graph.leaf_nodes():
        if app in tenant_apps:
            leaves.add((app, name))
    return leaves


def test_template_is_at_the_latest_migration_of_every_tenant_app(db):
    applied = _applied(settings.TENANT_BASE_SCHEMA)
    missing = _latest_tenant_migrations() - applied
    assert not missing, f"template schema lacks {sorted(missing)}: run `make migrate`"


def test_cloned_force_schema_matches_a_migrated_one(force_a):
    """A force cloned from the template has the same tables and columns as one built by migrating."""
    from django.core.management import call_command

    with connection.cursor() as cur:
        cur.execute('CREATE SCHEMA "migrated_reference"')
    call_command(
        "migrate_schemas", tenant=True, schema_name="migrated_reference", interactive=False, verbosity=0
    )
    connection.set_schema_to_public()
    migrated = _columns("migrated_reference")
    cloned = _columns(force_a.schema_name)
    assert migrated, "the reference schema has no tables"
    assert cloned == migrated
    assert _applied(force_a.schema_name) == _applied("migrated_reference")


def test_audit_trigger_is_present_in_cloned_schemas(force_a, force_b):
    with connection.cursor() as cur:
        cur.execute(
            "SELECT n.nspname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE t.tgname = 'audit_event_append_only'"
        )
        schemas = {r[0] for r in cur.fetchall()}
    assert {force_a.schema_name, force_b.schema_name, "public", settings.TENANT_BASE_SCHEMA} <= schemas


def test_migrate_template_is_idempotent_and_keeps_the_template_current(db):
    migrate_template()
    migrate_template()
    assert not (_latest_tenant_migrations() - _applied(settings.TENANT_BASE_SCHEMA))


def test_migrate_all_skips_force_schemas_already_at_the_templates_migrations(force_a, force_b):
    """A no-op migrate_all must not pay migrate_schemas' ~70 ms per force (6 s at 43, minutes at 1,000)."""
    from tenants.management.commands.migrate_all import force_schemas_behind_template

    migrate_template()
    assert force_schemas_behind_template() == []
    # A schema whose record differs from the template's (here: a migration the code never had) is
    # the one, and the only one, that migrate_all hands to migrate_schemas.
    with connection.cursor() as cur:
        cur.execute(
            f'INSERT INTO "{force_b.schema_name}".django_migrations (app, name, applied) '
            "VALUES ('subjects', '9999_only_in_this_schema', now())"
        )
    assert force_schemas_behind_template() == [force_b.schema_name]


def test_migrate_all_parallel_migrates_the_forces_behind_in_several_processes(committed_forces):
    """--parallel N hands the force schemas behind the template to django-tenants' multiprocessing
    executor (after public and the template, in this process)."""
    force_a, force_b = committed_forces
    for force in (force_a, force_b):
        with connection.cursor() as cur:
            cur.execute(
                f'INSERT INTO "{force.schema_name}".django_migrations (app, name, applied) '
                "VALUES ('subjects', '9999_only_in_this_schema', now())"
            )
    # In a child process, as an operator runs it: forking this test worker would copy its live
    # server socket and browser pipes into the pool's processes.
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate_all", "--parallel", "2", "--verbosity", "2"],
        env=child_env(),
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    for force in (force_a, force_b):
        assert f"multiprocessing:{force.schema_name}]" in done.stdout
