"""Restore one force's schema from a backup_force file; the other forces and public are untouched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tenants.backup import BackupError, describe, restore_force


class Command(BaseCommand):
    help = (
        "Replace one force's schema with a backup of it: the file is checked first (readable, a "
        "backup of that force), the current schema is renamed aside, the backup restored in one "
        "transaction, and the old schema dropped only once that succeeded (renamed back otherwise). "
        "The force's audit seal chain restarts with a restore seal naming the sealed rows the "
        "backup lacks, so verify_audit reports the restore instead of tampering."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug", help="the force's slug")
        parser.add_argument("file", help="a backup written by backup_force")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            result = restore_force(opts["slug"], Path(opts["file"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        if int(opts.get("verbosity", 1)):
            self.stdout.write(self.style.SUCCESS(describe(result)))
