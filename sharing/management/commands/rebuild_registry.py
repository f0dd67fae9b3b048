"""Rebuild the cross-force registry's keys of every force (or one, ``--force <slug>``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sharing.services import rebuild_registry
from tenants.models import Force


class Command(BaseCommand):
    help = "Rebuild the registry keys of every force's subjects (after bulk imports)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", default="", help="Only this force's slug.")

    def handle(self, *args: Any, **options: Any) -> None:
        forces = Force.objects.exclude(schema_name="public")
        if options["force"]:
            forces = forces.filter(slug=options["force"])
        for force in forces:
            self.stdout.write(f"{force.slug}: {rebuild_registry(force)} keys")
