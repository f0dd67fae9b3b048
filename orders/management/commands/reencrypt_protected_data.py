"""Key rotation: rewrite every protected person's encrypted details with the newest key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django_tenants.utils import schema_context

from jobs.registry import forces_for_jobs
from orders.services import reencrypt_protected_data

HELP = """Rewrite the encrypted columns of every force (or one) with the first key of
FIELD_ENCRYPTION_KEYS. To rotate: put a new key first in FIELD_ENCRYPTION_KEYS (keep the old one
after it), deploy, run this command, then remove the old key. One transaction per force."""


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", help="Only this force (slug)")

    def handle(self, *args: Any, **opts: Any) -> None:
        forces = forces_for_jobs()
        if opts.get("force"):
            forces = [f for f in forces if f.slug == opts["force"]]
            if not forces:
                raise CommandError(f"No onboarded force with the slug '{opts['force']}'.")
        for force in forces:
            with schema_context(force.schema_name), transaction.atomic():
                counts = reencrypt_protected_data()
            summary = ", ".join(f"{n} {label}" for label, n in counts.items())
            self.stdout.write(f"{force.slug}: rewrote {summary}")
