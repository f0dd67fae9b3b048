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

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options.get("verbosity", 1))
        refuse_pre_restructure_database()
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=max(0, verbosity - 1))
        migrate_template(verbosity=max(0, verbosity - 1))
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=max(0, verbosity - 1))
        from tenants.services import ensure_platform

        ensure_platform()
        if verbosity:
            self.stdout.write(self.style.SUCCESS("Public, template and force schemas are migrated."))


def migrate_template(*, verbosity: int = 0) -> None:
    """Create the clone template schema if missing and bring it to the latest tenant migration."""
    template = settings.TENANT_BASE_SCHEMA
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{template}"')
    call_command("migrate_schemas", tenant=True, schema_name=template, interactive=False, verbosity=verbosity)
    use_public_schema()


# Apps whose migration history was restarted when the code was restructured (issue 7): a database
# that records any of these (and none of the new apps) was made by the old layout.
_OLD_LAYOUT_APPS = ("plans", "api")


def refuse_pre_restructure_database() -> None:
    """Stop with one line saying what to run when the database predates the restructure."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.django_migrations') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return
        cursor.execute(
            "SELECT count(*) FROM public.django_migrations WHERE app = ANY(%s)", [list(_OLD_LAYOUT_APPS)]
        )
        if cursor.fetchone()[0]:
            where = "the embedded database under .data/" if settings.EMBEDDED_DATABASE else "this database"
            raise CommandError(
                f"{where} was made before the apps were restructured and cannot be migrated: "
                "run `make clean-data` (embedded) or drop and recreate the database, then `make demo`."
            )
