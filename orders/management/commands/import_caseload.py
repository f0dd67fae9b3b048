"""Import a force's caseload from a CSV file (``orders.imports``), with a progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name, schema_context
from tqdm import tqdm

from core.roles import Perm
from orders.imports import MAX_BYTES, import_caseload, iter_problems


def _rows(text: str) -> list[int]:
    try:
        return [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise CommandError(f"--confirm-rows takes row numbers separated by commas, not '{text}'.") from None


class Command(BaseCommand):
    help = (
        "Check a caseload CSV file (the template of /subjects/import/) and import it into one force "
        "when every row is right: one transaction, nothing saved otherwise. Re-importing updates the "
        "subjects matched by PNC id or Niche reference and the orders matched by type, court and case number."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="The CSV file (UTF-8, header row as the template)")
        parser.add_argument("--force", required=True, help="The force's slug, e.g. lincolnshire")
        parser.add_argument("--dry-run", action="store_true", help="Check and report only; save nothing")
        parser.add_argument(
            "--confirm-rows",
            default="",
            help="Rows (e.g. 12,40) whose possible duplicates you checked: import them as new subjects",
        )
        parser.add_argument(
            "--actor",
            default="",
            help="Email of the member of the force the audit log names (must hold the import permission)",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        from tenants.models import Force, User

        with schema_context(get_public_schema_name()):
            force = (
                Force.objects.exclude(schema_name=get_public_schema_name()).filter(slug=opts["force"]).first()
            )
        if force is None:
            raise CommandError(f"No onboarded force with the slug '{opts['force']}'.")
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        if path.stat().st_size > MAX_BYTES:
            raise CommandError(f"{path} is larger than {MAX_BYTES // (1024 * 1024)} MB: split it.")
        confirmed = _rows(opts["confirm_rows"])
        actor = None
        if opts["actor"]:
            actor = User.objects.filter(email__iexact=opts["actor"]).first()
            if actor is None or Perm.IMPORT_CASELOAD not in actor.force_permissions(force):
                raise CommandError(
                    f"{opts['actor']} is not an active member of {force.slug} who may import a caseload."
                )
        data = path.read_bytes()

        def bar(**kwargs: Any) -> Any:
            return tqdm(unit="row", disable=opts["no_progress"], file=self.stderr._out, **kwargs)

        with schema_context(force.schema_name):
            report = import_caseload(
                data, actor=actor, dry_run=opts["dry_run"], confirmed_rows=confirmed, progress=bar
            )
        for line in iter_problems(report):
            self.stdout.write(line)
        if not report.clean:
            raise CommandError(
                f"{force.slug}: nothing imported: {len(report.problems)} problem(s), "
                f"{len(report.unconfirmed)} possible duplicate(s) to confirm (--confirm-rows). {report.counts()}",
                returncode=1,
            )
        if opts["dry_run"]:
            self.stdout.write(self.style.SUCCESS(f"{force.slug}: dry run, nothing saved. {report.counts()}"))
        else:
            self.stdout.write(self.style.SUCCESS(f"{force.slug}: imported. {report.counts()}"))
