"""Key rotation: re-encrypt every encrypted column with the first key of FIELD_ENCRYPTION_KEYS."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context
from tqdm import tqdm

from core.key_rotation import count_rows, rotate_schema
from jobs.registry import forces_for_jobs

HELP = """Re-encrypt, in batches, every encrypted value of every force (or one) that is not already
under the first key of FIELD_ENCRYPTION_KEYS. To rotate: put a new key first (keep the old one
after it), deploy, run this, then remove the old key. Resumable: a stopped run is simply run again
(values already under the new key are skipped). Shows a progress bar on a terminal."""


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", help="Only this force (slug)")
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (500)")

    def handle(self, *args: Any, **opts: Any) -> None:
        forces = forces_for_jobs()
        if opts.get("force"):
            forces = [f for f in forces if f.slug == opts["force"]]
            if not forces:
                raise CommandError(f"No onboarded force with the slug '{opts['force']}'.")
        if opts["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        for force in forces:
            with schema_context(force.schema_name):
                total = count_rows()
                with tqdm(
                    total=total, desc=force.slug, unit="row", file=self.stderr, disable=None, leave=False
                ) as bar:
                    counts = rotate_schema(batch_size=opts["batch_size"], progress=bar.update)
            summary = ", ".join(f"{n} value(s) of {label}" for label, n in counts.items()) or "nothing"
            self.stdout.write(f"{force.slug}: re-encrypted {summary}")
