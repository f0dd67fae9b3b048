"""Check the audit log against its seals: the first changed, removed or inserted row per schema."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name, get_tenant_model

from audit.sealing import audit_schemas, verify_schema


class Command(BaseCommand):
    help = (
        "Recompute the audit seals of the platform and every force (or one force) and report the "
        "first changed, removed or inserted row. Exits non-zero when a problem is found."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", help="Only this force (slug); 'platform' for the public schema")

    def handle(self, *args: Any, **opts: Any) -> None:
        schemas = audit_schemas()
        slug = opts.get("force")
        if slug:
            Force = get_tenant_model()

            force = Force.objects.filter(slug=slug).first()
            if force is None or force.schema_name not in schemas:
                raise CommandError(f"No onboarded force with the slug '{slug}'.")
            schemas = [force.schema_name]  # the platform's own slug names the public schema
        problems = 0
        sealed = unsealed = 0
        for schema_name in schemas:
            result = verify_schema(schema_name)
            if result.ok:
                sealed += result.sealed_rows
                unsealed += result.unsealed_rows
                if int(opts.get("verbosity", 1)) > 1:
                    self.stdout.write(result.line())
            else:
                problems += 1
                self.stderr.write(result.line())
        if problems:
            raise CommandError(f"{problems} of {len(schemas)} schema(s) failed verification.", returncode=2)
        where = "the platform" if schemas == [get_public_schema_name()] else f"{len(schemas)} schema(s)"
        self.stdout.write(
            self.style.SUCCESS(f"OK: {sealed} rows sealed, {unsealed} not yet sealed ({where}).")
        )
