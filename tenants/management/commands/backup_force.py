"""Back up one force's schema to a file (pg_dump --format=custom --schema=<its schema>)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tenants.backup import BackupError, backup_force


class Command(BaseCommand):
    help = (
        "Back up one force: its schema only (tables, data, sequences, triggers), never public or "
        "another force, with the pg_dump matching the server. Restore it with restore_force."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug", help="the force's slug")
        parser.add_argument("file", help="where to write the backup (custom format)")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            path = backup_force(opts["slug"], Path(opts["file"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        if int(opts.get("verbosity", 1)):
            self.stdout.write(
                self.style.SUCCESS(f"Backed up {opts['slug']} to {path} ({path.stat().st_size} bytes).")
            )
