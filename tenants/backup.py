"""Backing up and restoring one force's schema (``backup_force`` and ``restore_force``).

A backup is ``pg_dump --format=custom --schema=<the force's schema>``: that force's tables, data,
sequences and triggers, nothing of public or of another force. A restore

1. checks the file (``pg_restore --list``: readable, a dump of exactly that force's schema) before
   touching anything;
2. renames the force's schema aside (``<schema>__pre_restore``), restores the dump with
   ``pg_restore --single-transaction --exit-on-error``, and only once that committed drops the old
   schema; if the restore fails, whatever it made is gone with its transaction and the schema is
   renamed back, so the force is as it was;
3. restarts the force's audit seal chain (``audit.sealing.restart_after_restore``): the seals in
   public covered rows the backup may lack, so one restore seal is appended naming them and when
   the backup was taken, the id sequence is moved above every id ever sealed, and the chain head
   kept outside the database is rewritten; ``verify_audit`` then reports "restored from a backup of
   T" and the missing rows, not tampering;
4. writes a "restore" event in the force's log and the platform's.

The client must match the server's major version (pg_dump refuses a newer server, and its archive
must be readable by pg_restore): the embedded server's own binaries, else Debian's
``/usr/lib/postgresql/<major>/bin`` (``make pg-client`` installs ``postgresql-client-<major>``; the
image installs the one it is built for), else the ``PATH``'s if its version matches.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from audit.choices import AuditAction, RecordType
from audit.sealing import SEALER_LOCK_KEY, RestoreSeal, restart_after_restore
from audit.services import record_event
from core.tenancy import use_public_schema

from .models import Force

ASIDE_SUFFIX = "__pre_restore"


class BackupError(Exception):
    """A backup or restore that cannot go ahead or failed; the message is one line for the user."""


# --- the client ---------------------------------------------------------------------------------
def server_major() -> int:
    with connection.cursor() as cur:
        cur.execute("SHOW server_version_num")
        return int(cur.fetchone()[0]) // 10000


def _tool_major(path: str) -> int | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout  # noqa: S603
    except OSError:
        return None
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(found.group(1)) if found else None


def pg_tool(name: str) -> str:
    """The path of ``pg_dump`` or ``pg_restore`` matching the server's major version."""
    major = server_major()
    candidates: list[str] = []
    if settings.EMBEDDED_DATABASE:
        import pgserver  # type: ignore[import-untyped]

        candidates.append(str(Path(pgserver.__file__).parent / "pginstall" / "bin" / name))
    candidates.append(f"/usr/lib/postgresql/{major}/bin/{name}")
    on_path = shutil.which(name)
    if on_path:
        candidates.append(on_path)
    for candidate in candidates:
        if os.access(candidate, os.X_OK) and _tool_major(candidate) == major:
            return candidate
    raise BackupError(
        f"no {name} for PostgreSQL {major} found: install postgresql-client-{major} (`make pg-client`)."
    )


def _libpq_env() -> dict[str, str]:
    """The database's address for the client tools, in libpq's variables (no password in argv)."""
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    env["PGDATABASE"] = str(db["NAME"])
    for option, value in (db.get("OPTIONS") or {}).items():
        if option == "sslmode":
            env["PGSSLMODE"] = str(value)
    return env


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=_libpq_env(), capture_output=True, text=True, check=False)  # noqa: S603


def _first_error(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in (proc.stderr or proc.stdout or "").splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()] or lines
    return errors[0] if errors else f"exit status {proc.returncode}"


# --- finding the force ----------------------------------------------------------------------------
def force_by_slug(slug: str) -> Force:
    use_public_schema()
    force = Force.objects.filter(slug=slug).first()
    if force is None or force.schema_name in {settings.PUBLIC_SCHEMA_NAME, settings.TENANT_BASE_SCHEMA}:
        raise BackupError(f"no force with the slug {slug!r}.")
    return force


def _schema_exists(name: str) -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cur.fetchone() is not None


# --- backup -------------------------------------------------------------------------------------
def backup_force(slug: str, path: Path) -> Path:
    force = force_by_slug(slug)
    if not _schema_exists(force.schema_name):
        raise BackupError(f"the schema of {slug!r} ({force.schema_name}) does not exist.")
    path.parent.mkdir(parents=True, exist_ok=True)
    proc = _run(
        [
            pg_tool("pg_dump"),
            "--format=custom",
            f"--schema={force.schema_name}",
            f"--file={path}",
            "--no-password",
        ]
    )
    if proc.returncode != 0:
        path.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {_first_error(proc)}")
    return path


# --- restore ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DumpInfo:
    schema_name: str
    created_at: datetime


_CREATED = re.compile(r"^;\s+Archive created at (.+)$", re.MULTILINE)
_SCHEMA_ENTRY = re.compile(r"^\d+; \d+ \d+ SCHEMA - (\S+) ", re.MULTILINE)
# Entries of a dump's table of contents: "<id>; <catalog> <oid> <TYPE> <namespace> <name> <owner>",
# where TYPE is upper-case words ("TABLE DATA", "FK CONSTRAINT") and a namespace is "-" or lower case.
_ENTRY = re.compile(r"^\d+; \d+ \d+ (?P<rest>.+)$", re.MULTILINE)


def _namespace(entry: str) -> str:
    for token in entry.split():
        if not re.fullmatch(r"[A-Z]+", token):
            return token
    return "-"


def read_dump(path: Path) -> DumpInfo:
    """The schema a custom-format dump holds and when it was taken; refuses anything else."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file.")
    proc = _run([pg_tool("pg_restore"), "--list", str(path)])
    if proc.returncode != 0:
        raise BackupError(f"{path} is not a readable backup: {_first_error(proc)}")
    schemas = set(_SCHEMA_ENTRY.findall(proc.stdout))
    namespaces = {_namespace(m["rest"]) for m in _ENTRY.finditer(proc.stdout)} - {"-"}
    if len(schemas) != 1 or not namespaces <= schemas:
        raise BackupError(
            f"{path} is not a backup of one force's schema (it holds {sorted(schemas | namespaces)})."
        )
    created = _CREATED.search(proc.stdout)
    if created is None:
        raise BackupError(f"{path} does not say when it was taken.")
    return DumpInfo(schemas.pop(), _parse_archive_time(created.group(1).strip()))


def _parse_archive_time(text: str) -> datetime:
    """pg_restore's "2026-12-03 06:10:11 UTC" (the server's time zone name may vary)."""
    from zoneinfo import ZoneInfo

    parts = text.rsplit(" ", 1)
    stamp = datetime.strptime(parts[0], "%Y-%m-%d %H:%M:%S")
    try:
        zone = ZoneInfo(parts[1]) if len(parts) == 2 else ZoneInfo("UTC")
    except Exception:
        zone = ZoneInfo("UTC")
    return stamp.replace(tzinfo=zone)


@dataclass(frozen=True)
class RestoreResult:
    force: Force
    backup_taken_at: datetime
    seal: RestoreSeal


def restore_force(slug: str, path: Path) -> RestoreResult:
    force = force_by_slug(slug)
    info = read_dump(path)
    if info.schema_name != force.schema_name:
        raise BackupError(
            f"{path} is a backup of schema {info.schema_name}, not of {slug!r} ({force.schema_name})."
        )
    schema = force.schema_name
    aside = f"{schema}{ASIDE_SUFFIX}"
    quote = connection.ops.quote_name
    restore = pg_tool("pg_restore")
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(%s)", [SEALER_LOCK_KEY])  # no sealing run meanwhile
    try:
        with connection.cursor() as cur:
            if _schema_exists(aside):
                raise BackupError(
                    f"{aside} exists (an earlier restore stopped half way): look, then drop it."
                )
            if _schema_exists(schema):
                cur.execute(f"ALTER SCHEMA {quote(schema)} RENAME TO {quote(aside)}")
        proc = _run(
            [
                restore,
                "--single-transaction",
                "--exit-on-error",
                "--no-password",
                f"--dbname={connection.settings_dict['NAME']}",
                str(path),
            ]
        )
        if proc.returncode != 0:
            with connection.cursor() as cur:
                if _schema_exists(aside):
                    cur.execute(f"DROP SCHEMA IF EXISTS {quote(schema)} CASCADE")
                    cur.execute(f"ALTER SCHEMA {quote(aside)} RENAME TO {quote(schema)}")
            raise BackupError(f"pg_restore failed, {slug!r} left as it was: {_first_error(proc)}")
        with connection.cursor() as cur:
            cur.execute(f"DROP SCHEMA IF EXISTS {quote(aside)} CASCADE")
        analyze_schema(schema)
        seal = restart_after_restore(schema, info.created_at)
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", [SEALER_LOCK_KEY])
    _log_restore(force, info.created_at, seal)
    return RestoreResult(force, info.created_at, seal)


def analyze_schema(schema: str) -> None:
    """Statistics for every table of a restored schema, as pg_restore's documentation advises.

    pg_restore brings rows back, not the planner's statistics: until autovacuum reaches the
    tables (one database at a time, every table of every force), PostgreSQL guesses their
    selectivities, and the caseload sorted by next key date took 18 s instead of 50 ms (a hash
    join reading every notification requirement once per subject).
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [schema])
        tables = [row[0] for row in cur.fetchall()]
        for table in tables:
            cur.execute(f"ANALYZE {quote(schema)}.{quote(table)}")


def _log_restore(force: Force, taken_at: datetime, seal: RestoreSeal) -> None:
    why = (
        f"restored from a backup of {taken_at:%Y-%m-%d %H:%M:%S %Z}; {seal.missing_count} sealed audit "
        f"row(s) made after it are missing; seal chain restarted at event id {seal.marker_id}"
    )
    from django_tenants.utils import schema_context

    for where in (force.schema_name, settings.PUBLIC_SCHEMA_NAME):
        with schema_context(where):
            record_event(
                action=AuditAction.RESTORE,
                object_type=RecordType.FORCE,
                object_ids=[force.uuid],
                justification=why,
            )
    use_public_schema()


def describe(result: Any) -> str:
    seal = result.seal
    return (
        f"Restored {result.force.slug} from a backup of {result.backup_taken_at:%Y-%m-%d %H:%M:%S %Z}: "
        f"{seal.resealed_rows} restored audit row(s) sealed, {seal.missing_count} sealed row(s) missing, "
        f"audit chain restarted at event id {seal.marker_id}."
    )
