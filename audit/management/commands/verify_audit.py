"""Check the audit log against its seals: the first changed, removed or inserted row per schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name, get_tenant_model

from audit.sealing import (
    SEALER_LOCK_KEY,
    ChainHead,
    ChainHeadFileError,
    audit_schemas,
    chain_head_path,
    database_head,
    read_chain_heads,
    verify_schema,
    write_chain_heads,
)

HELP = """Recompute the audit seals of the platform and every force (or one force) and report the
first changed, removed or inserted row. Exits non-zero when a problem is found.

The chain head. A database superuser can switch off the append-only triggers, alter a sealed row,
delete the seals from it onward and let the sealer seal the altered row again; the seals alone
cannot show that. So the sealer also writes each schema's chain head (the last seal's end and chain
MAC) to the file named by AUDIT_CHAIN_HEAD_PATH, refuses to seal a schema whose seals no longer
reach it, and this command checks that every head on file is a seal of the database's chain (by
default whenever AUDIT_CHAIN_HEAD_PATH is set; --chain-head PATH checks another copy).

Keeping it: the file protects only if a copy lives where the database's administrators cannot
write. Put AUDIT_CHAIN_HEAD_PATH on the sealing worker's own volume (not the database host), and
after each sealing run copy the file off the box to write-once storage (an object store bucket with
versioning and object lock, or a log host run by someone else). To verify, fetch the latest copy
and run `verify_audit --chain-head /path/to/copy`: an older copy still checks everything up to it.
After `restore_force`, the force's chain goes on from a restore seal: this command prints
"restored from a backup of T" and the sealed event ids the backup lacked, and checks the rest.
Set up the file once, or again after restoring the whole database, with `verify_audit --init-chain-head`
(it verifies the chain first and will not overwrite a file that disagrees with the database).
"""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        from argparse import RawDescriptionHelpFormatter

        kwargs.setdefault("formatter_class", RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", help="Only this force (slug); 'platform' for the public schema")
        parser.add_argument(
            "--chain-head",
            metavar="PATH",
            nargs="?",
            const="",
            default=None,
            help="Check the chain heads in PATH (default: AUDIT_CHAIN_HEAD_PATH, checked anyway when set)",
        )
        parser.add_argument(
            "--init-chain-head",
            action="store_true",
            help="Verify, then write the database's chain heads to the chain head file",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        schemas = audit_schemas()
        slug = opts.get("force")
        if slug:
            Force = get_tenant_model()

            force = Force.objects.filter(slug=slug).first()
            if force is None or force.schema_name not in schemas:
                raise CommandError(f"No onboarded force with the slug '{slug}'.")
            schemas = [force.schema_name]  # the platform's own slug names the public schema
        head_path = self._head_path(opts.get("chain_head"))
        if opts.get("init_chain_head"):
            if head_path is None:
                raise CommandError("--init-chain-head needs AUDIT_CHAIN_HEAD_PATH or --chain-head PATH.")
            if slug:
                raise CommandError("--init-chain-head covers every schema; leave out --force.")
            self._init(head_path, schemas)
            return
        heads = self._heads(head_path) if head_path else {}
        problems = 0
        sealed = unsealed = 0
        for schema_name in schemas:
            result = verify_schema(schema_name, heads.get(schema_name))
            for note in result.restore_lines():  # a restore_force explains the rows it lost
                self.stdout.write(note)
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
        checked = f"; chain heads checked against {head_path}" if head_path else ""
        self.stdout.write(
            self.style.SUCCESS(f"OK: {sealed} rows sealed, {unsealed} not yet sealed ({where}){checked}.")
        )

    @staticmethod
    def _head_path(option: str | None) -> Path | None:
        if option:  # --chain-head PATH
            return Path(option)
        path = chain_head_path()
        if option is not None and path is None:  # --chain-head alone, nothing configured
            raise CommandError("--chain-head needs a PATH when AUDIT_CHAIN_HEAD_PATH is not set.")
        return path

    @staticmethod
    def _heads(path: Path) -> dict[str, ChainHead]:
        if not path.exists():
            raise CommandError(
                f"The chain head file {path} does not exist: the sealer writes it on its next run, "
                "or create it with --init-chain-head."
            )
        try:
            return read_chain_heads(path)
        except ChainHeadFileError as exc:
            raise CommandError(str(exc)) from None

    def _init(self, path: Path, schemas: list[str]) -> None:
        from django.db import connection

        try:
            on_file = read_chain_heads(path)
        except ChainHeadFileError as exc:
            raise CommandError(str(exc)) from None
        with connection.cursor() as cur:  # no sealer may move the heads meanwhile
            cur.execute("SELECT pg_advisory_lock(%s)", [SEALER_LOCK_KEY])
        try:
            heads: dict[str, ChainHead] = {}
            for schema_name in schemas:
                result = verify_schema(schema_name, on_file.get(schema_name))
                if not result.ok:
                    self.stderr.write(result.line())
                    raise CommandError(
                        f"Not writing {path}: {schema_name} failed verification. If the file is the one "
                        "that is wrong (e.g. after restoring the database), move it aside first.",
                        returncode=2,
                    )
                head = database_head(schema_name)
                if head is not None:
                    heads[schema_name] = head
            write_chain_heads(path, {**on_file, **heads})
        finally:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [SEALER_LOCK_KEY])
        self.stdout.write(self.style.SUCCESS(f"Wrote the chain heads of {len(heads)} schema(s) to {path}."))
